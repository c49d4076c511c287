// test-tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MetricsEngine } from '../engine/metrics/engine.ts';
import { MetricRegistry } from '../engine/metrics/registry.ts';
import { CounterSink, GaugeSink, RateSink, TrendSink } from '../engine/metrics/sinks.ts';
import type { Sample } from '../engine/metrics/types.ts';

function close(actual: number, expected: number) {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);
}

function trend(values: number[]): TrendSink {
  const t = new TrendSink();
  for (const v of values) t.add(v);
  return t;
}

describe('TrendSink percentiles (k6: sort, i = p·(n−1), linear interpolation)', () => {
  it('gives 0 for every stat when empty', () => {
    const t = new TrendSink();
    assert.deepEqual([t.count, t.min, t.max, t.avg, t.med, t.percentile(95)], [0, 0, 0, 0, 0, 0]);
  });

  it('gives the only value when n = 1', () => {
    const t = trend([7]);
    for (const p of [0, 50, 90, 99.9, 100]) assert.equal(t.percentile(p), 7);
    assert.equal(t.med, 7);
  });

  it('interpolates between two values', () => {
    const t = trend([20, 10]);
    assert.equal(t.percentile(0), 10);
    assert.equal(t.percentile(50), 15);
    close(t.percentile(90), 19);
    assert.equal(t.percentile(100), 20);
  });

  it('handles an odd count', () => {
    const t = trend([5, 1, 4, 2, 3]);
    assert.equal(t.med, 3);
    close(t.percentile(90), 4.6); // i = 3.6
    close(t.percentile(95), 4.8); // i = 3.8
    close(t.percentile(99.9), 4.996); // i = 3.996
    assert.equal(t.percentile(0), 1);
    assert.equal(t.percentile(100), 5);
    assert.deepEqual([t.count, t.min, t.max, t.avg], [5, 1, 5, 3]);
  });

  it('handles an even count', () => {
    const t = trend([40, 10, 30, 20]);
    assert.equal(t.med, 25); // i = 1.5
    close(t.percentile(90), 37); // i = 2.7
    close(t.percentile(99.9), 39.97); // i = 2.997
    assert.equal(t.percentile(0), 10);
    assert.equal(t.percentile(100), 40);
  });

  it('stays correct when values arrive after a percentile was read', () => {
    const t = trend([50, 60, 70]);
    assert.equal(t.med, 60);
    for (const v of [10, 20, 65, 80]) t.add(v); // all of 10..80: 10 20 50 60 65 70 80
    assert.equal(t.med, 60);
    assert.equal(t.percentile(0), 10);
    close(t.percentile(50 / 3), 20); // i = 1
    assert.equal(t.percentile(100), 80);
    t.add(100); // larger than everything: appended without merge
    assert.equal(t.percentile(100), 100);
    close(t.med, 62.5); // 10 20 50 60 | 65 70 80 100 → i = 3.5
  });

  it('matches a plain sort on many random values across growth steps', () => {
    const t = new TrendSink();
    const all: number[] = [];
    let seed = 42;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3000; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const v = seed / 1000;
        t.add(v);
        all.push(v);
      }
      const sorted = [...all].sort((a, b) => a - b);
      const i = 0.95 * (sorted.length - 1);
      const expected =
        sorted[Math.floor(i)] + (sorted[Math.ceil(i)] - sorted[Math.floor(i)]) * (i - Math.floor(i));
      close(t.percentile(95), expected);
    }
  });
});

describe('CounterSink, GaugeSink, RateSink', () => {
  it('counter count is the sum of values and rate is per second of test time', () => {
    const c = new CounterSink();
    for (const v of [1, 1, 3]) c.add(v);
    assert.equal(c.count, 5);
    assert.equal(c.samples, 3);
    assert.equal(c.rate(2000), 2.5);
    assert.equal(c.rate(0), 0);
  });

  it('gauge keeps the last value, min and max', () => {
    const g = new GaugeSink();
    assert.deepEqual([g.value, g.min, g.max], [0, 0, 0]);
    for (const v of [5, 10, 3]) g.add(v);
    assert.deepEqual([g.value, g.min, g.max], [3, 3, 10]);
    const negative = new GaugeSink();
    negative.add(-4);
    assert.deepEqual([negative.value, negative.min, negative.max], [-4, -4, -4]);
  });

  it('rate counts non-zero samples as passes', () => {
    const r = new RateSink();
    assert.equal(r.rate, 0);
    for (const v of [1, 0, 0.5, 0]) r.add(v);
    assert.deepEqual([r.passes, r.fails, r.rate], [2, 2, 0.5]);
  });
});

describe('trend memory', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Two collections: the first only queues dropped ArrayBuffers (the pre-growth arrays) for freeing.
  const used = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const N = 2_000_000;

  it('costs about 8 bytes per sample in a TrendSink', () => {
    const before = used();
    const t = new TrendSink();
    for (let i = 0; i < N; i++) t.add(i % 1000);
    const perSample = (used() - before) / N;
    assert.ok(perSample > 7 && perSample < 12, `${perSample.toFixed(2)} B/sample`);
    assert.equal(t.count, N);
  });

  it('costs about 8 bytes per sample through MetricsEngine.add', () => {
    const registry = new MetricRegistry();
    registry.define('latency', 'trend', 'time');
    const engine = new MetricsEngine({ registry, thresholds: {}, summaryTrendStats: ['avg'] });
    const batch: Sample[] = Array.from({ length: 1000 }, () => ({
      metric: 'latency',
      time: 0,
      value: 0,
      tags: { scenario: 'default', group: '' },
    }));
    const before = used();
    for (let i = 0; i < N / batch.length; i++) {
      for (let j = 0; j < batch.length; j++) batch[j].value = j;
      engine.add(batch);
    }
    const perSample = (used() - before) / N;
    assert.ok(perSample > 7 && perSample < 12, `${perSample.toFixed(2)} B/sample`);
    const data = engine.summaryData({
      testRunDurationMs: 1,
      isStdOutTTY: false,
      isStdErrTTY: false,
      noColor: true,
    });
    assert.equal(data.metrics.latency.values.avg, 499.5);
  });
});
