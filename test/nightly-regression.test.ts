// test-tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HistoryEntry } from '../harness/nightly/history.ts';
import { comparableHistory, detectRegressions, mad, median } from '../harness/nightly/regression.ts';

// Deterministic noise in [-amplitude, +amplitude] (a fixed LCG, so the test never flakes).
function noise(seed: number, amplitude: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 * amplitude - amplitude;
  };
}

function run(
  day: number,
  rps: number,
  avgMs: number,
  p95Ms: number,
  errorRate = 0,
  over: Partial<HistoryEntry> = {},
) {
  return {
    date: new Date(Date.UTC(2026, 9, day, 2)).toISOString(),
    runId: `run-${day}`,
    gitRevision: null,
    target: 'https://connect.example.com',
    profile: 'reference',
    kind: 'load-soak',
    engine: 'k6',
    figures: { rps, avgMs, p95Ms, errorRate, vus: 400 },
    verdicts: { baseline: true, thresholds: true, regression: null },
    ...over,
  } satisfies HistoryEntry;
}

function noisyHistory(seed: number, amplitude: number, n = 14): HistoryEntry[] {
  const r = noise(seed, amplitude);
  return Array.from({ length: n }, (_, i) => run(i + 1, 1618 * (1 + r()), 223 * (1 + r()), 400 * (1 + r())));
}

describe('regression detection', () => {
  it('median and MAD', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.equal(mad([1, 2, 3, 4, 100]), 1);
  });

  it('raises no alarm on noise of up to 5 %', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const history = noisyHistory(seed, 0.05);
      const r = noise(seed + 1000, 0.05);
      const today = run(20, 1618 * (1 + r()), 223 * (1 + r()), 400 * (1 + r()));
      const report = detectRegressions(today, history);
      assert.equal(report.enoughHistory, true);
      assert.equal(
        report.regressed,
        false,
        `seed ${seed}: ${report.figures.map((f) => f.sentence).join('; ')}`,
      );
    }
  });

  it('alarms on a 15 % throughput drop when noise is at most 5 %', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const history = noisyHistory(seed, 0.05);
      const today = run(20, 1618 * 0.85, 223, 400);
      const report = detectRegressions(today, history);
      const rps = report.figures.find((f) => f.figure === 'rps')!;
      assert.equal(rps.regressed, true, `seed ${seed}: ${rps.sentence}`);
      assert.match(rps.sentence, /throughput: .* vs median .* REGRESSION/);
      assert.equal(report.figures.find((f) => f.figure === 'avgMs')!.regressed, false);
    }
  });

  it('alarms on a 20 % latency rise when noise is at most 5 %', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const history = noisyHistory(seed, 0.05);
      const today = run(20, 1618, 223 * 1.2, 400 * 1.2);
      const report = detectRegressions(today, history);
      assert.equal(report.figures.find((f) => f.figure === 'avgMs')!.regressed, true, `seed ${seed}`);
      assert.equal(report.figures.find((f) => f.figure === 'p95Ms')!.regressed, true, `seed ${seed}`);
      assert.equal(report.figures.find((f) => f.figure === 'rps')!.regressed, false);
    }
  });

  it('alarms on an error-rate rise beyond the minimum, not on a tiny one', () => {
    const history = noisyHistory(7, 0.02);
    assert.equal(detectRegressions(run(20, 1618, 223, 400, 0.001), history).regressed, false);
    const bad = detectRegressions(run(20, 1618, 223, 400, 0.02), history);
    assert.equal(bad.figures.find((f) => f.figure === 'errorRate')!.regressed, true);
  });

  it('a noisy history cannot hide a collapse (band capped)', () => {
    const history = noisyHistory(3, 0.4);
    const report = detectRegressions(run(20, 1618 * 0.5, 223, 400), history);
    assert.equal(report.figures.find((f) => f.figure === 'rps')!.regressed, true);
  });

  it('gives no verdict without enough comparable history, and compares like with like', () => {
    const history = [
      ...noisyHistory(1, 0.01, 2),
      run(5, 100, 1000, 2000, 0, { profile: 'smoke', runId: 'smoke-5' }),
      run(6, 100, 1000, 2000, 0, { target: 'http://127.0.0.1:1', runId: 'other-6' }),
      run(7, 100, 1000, 2000, 0, { kind: 'scalability', runId: 'scal-7' }),
    ];
    const today = run(20, 500, 900, 1800);
    assert.equal(comparableHistory(today, history, 14).length, 2);
    const report = detectRegressions(today, history);
    assert.equal(report.enoughHistory, false);
    assert.equal(report.regressed, false);
    assert.match(report.figures[0].sentence, /only 2 comparable runs, no verdict/);
    assert.match(report.method, /median of the last 14 comparable runs/);
  });
});
