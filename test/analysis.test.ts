// test-tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadBaseline } from '../fixtures/baseline.ts';
import {
  analyseRun,
  baselineVerdict,
  findPlateaus,
  rampSecondsFromVus,
  saturationPoint,
  steadyWindow,
  thresholdResults,
  windowStats,
} from '../harness/analysis/index.ts';
import { Aggregator } from '../harness/ingest/index.ts';
import type { PublishCycle, SeriesPoint, TimeSeries } from '../harness/record/types.ts';

const START = 1_800_000_000;

interface Segment {
  vus: number;
  seconds: number;
  /** Requests per second, or a function of the second within the segment. */
  rps: number | ((i: number) => number);
  latencyMs?: number;
  failedPerSec?: number;
}

function pointAt(t: number, reqs: number, latency: number, failed: number): SeriesPoint {
  return reqs > 0
    ? {
        t,
        reqs,
        failed,
        avg: latency,
        p50: latency,
        p90: latency,
        p95: latency * 1.5,
        p99: latency * 2,
        max: latency * 3,
      }
    : { t, reqs: 0, failed: 0, avg: null, p50: null, p90: null, p95: null, p99: null, max: null };
}

/** A series of fetcher requests over consecutive segments (no histograms: weighted percentiles). */
function series(segments: Segment[], publisherVus = 0): TimeSeries {
  const fetchers: SeriesPoint[] = [];
  const vus: TimeSeries['vus'] = [];
  let t = START;
  for (const s of segments) {
    for (let i = 0; i < s.seconds; i++, t++) {
      const rps = typeof s.rps === 'function' ? s.rps(i) : s.rps;
      fetchers.push(pointAt(t, rps, s.latencyMs ?? 100, s.failedPerSec ?? 0));
      vus.push({ t, vus: s.vus + publisherVus, vusMax: 1000 });
    }
  }
  return {
    start: START,
    end: t - 1,
    stepSeconds: 1,
    total: fetchers,
    byScenario: { fetchers },
    byName: {},
    vus,
    data: [],
    errorsByStatus: {},
    errorsByCode: {},
    endpoints: [],
    malformedLines: 0,
    inputs: [],
  };
}

/** A stepped ramp: 2 s ramp (in-between VU counts), then a 20 s hold at each level. */
function steppedRamp(
  levels: Array<[number, number | ((i: number) => number)]>,
  publisherVus = 0,
): TimeSeries {
  const segments: Segment[] = [];
  let previous = 0;
  for (const [vus, rps] of levels) {
    segments.push({ vus: Math.round((previous + vus) / 2), seconds: 2, rps: 1 });
    // The first seconds after a step are lower (warming up): settleSeconds must drop them.
    segments.push({
      vus,
      seconds: 20,
      rps: typeof rps === 'number' ? (i: number) => (i < 3 ? rps / 4 : rps) : rps,
    });
    previous = vus;
  }
  return series(segments, publisherVus);
}

describe('saturationPoint', () => {
  it('finds the knee: the smallest level reaching 95 % of the peak', () => {
    const result = saturationPoint(
      steppedRamp([
        [10, 100],
        [20, 200],
        [30, 290],
        [40, 300],
        [50, 298],
      ]),
      {
        minHoldSeconds: 10,
        settleSeconds: 5,
      },
    );
    assert.deepEqual(
      result.levels.map((l) => l.vus),
      [10, 20, 30, 40, 50],
    );
    assert.equal(result.peakRps, 300);
    assert.equal(result.saturationVus, 30);
    assert.equal(result.saturated, true);
    assert.equal(result.levels[2].rps, 290, 'the warm-up seconds and the last second are left out');
    assert.equal(result.levels[2].from, START + 2 + 22 * 2 + 5);
    assert.match(result.method, /95 %/);
    assert.match(result.method, /first 5 s/);
  });

  it('reports the highest level and "not saturated" when throughput still rises', () => {
    const result = saturationPoint(
      steppedRamp([
        [10, 100],
        [20, 200],
        [30, 300],
        [40, 400],
      ]),
      { minHoldSeconds: 10 },
    );
    assert.equal(result.saturationVus, 40);
    assert.equal(result.saturated, false);
    assert.match(result.note!, /^Not saturated/);
  });

  it('is not fooled by a noisy plateau', () => {
    const noisy = (base: number) => (i: number) => (i < 3 ? base / 4 : base + (i % 2 ? 12 : -12));
    const result = saturationPoint(
      steppedRamp([
        [10, noisy(150)],
        [20, noisy(290)],
        [30, noisy(300)],
        [40, noisy(296)],
        [50, noisy(303)],
      ]),
      { minHoldSeconds: 10 },
    );
    assert.equal(result.saturationVus, 20);
    assert.equal(result.saturated, true);
  });

  it('says a single level cannot show saturation', () => {
    const result = saturationPoint(series([{ vus: 16, seconds: 30, rps: 120 }]), { minHoldSeconds: 10 });
    assert.equal(result.levels.length, 1);
    assert.equal(result.saturationVus, 16);
    assert.equal(result.saturated, false);
    assert.match(result.note!, /Only one VU level/);
  });

  it('subtracts the publisher VU and ignores the publisher-only plateau', () => {
    const s = steppedRamp(
      [
        [10, 100],
        [20, 200],
        [30, 205],
      ],
      1,
    );
    s.vus.push(...Array.from({ length: 15 }, (_, i) => ({ t: s.end + 1 + i, vus: 1, vusMax: 31 })));
    const result = saturationPoint(s, { minHoldSeconds: 10, otherVus: 1 });
    assert.deepEqual(
      result.levels.map((l) => l.vus),
      [10, 20, 30],
    );
    assert.equal(result.saturationVus, 20);
    assert.match(result.method, /minus 1 publisher VU/);
  });

  it('returns no saturation point when no level was held long enough', () => {
    const result = saturationPoint(steppedRamp([[10, 100]]), { minHoldSeconds: 60 });
    assert.equal(result.saturationVus, null);
    assert.match(result.note!, /No VU level/);
  });

  it('finds plateaus only of the minimum length', () => {
    const vus = [1, 1, 2, 2, 2, 0, 0, 0].map((v, i) => ({ t: START + i, vus: v, vusMax: 2 }));
    assert.deepEqual(findPlateaus(vus, 3), [{ vus: 2, from: START + 2, to: START + 4 }]);
  });
});

describe('steadyWindow', () => {
  it('averages after the ramp up to the last full second and counts publish cycles in the window', () => {
    const s = series([
      { vus: 5, seconds: 10, rps: 10, latencyMs: 500 },
      { vus: 20, seconds: 30, rps: 100, latencyMs: 200, failedPerSec: 1 },
      { vus: 20, seconds: 1, rps: 40, latencyMs: 900 },
    ]);
    const cycles: PublishCycle[] = [
      { start: (START + 2) * 1000, durationMs: 3000, ok: true, steps: [] },
      { start: (START + 12) * 1000, durationMs: 4000, ok: true, steps: [] },
      { start: (START + 20) * 1000, durationMs: 8000, ok: true, steps: [] },
      { start: (START + 30) * 1000, durationMs: 1000, ok: false, steps: [] },
    ];
    const w = steadyWindow(s, 10, cycles);
    assert.equal(w.from, START + 10);
    assert.equal(w.to, START + 39, 'the last, cut-short second is left out');
    assert.equal(w.excludedRampSeconds, 10);
    assert.equal(w.rps, 100);
    assert.equal(w.avgMs, 200);
    assert.equal(w.p95Ms, 300);
    assert.equal(w.errorRate, 0.01);
    assert.deepEqual(w.publishCycles, { completed: 2, failed: 1, avgMs: 6000, p95Ms: 8000 });
    assert.match(w.method!, /ramp-up is excluded/);
  });

  it('detects the ramp from the vus gauge', () => {
    const s = series([
      { vus: 5, seconds: 7, rps: 10 },
      { vus: 20, seconds: 30, rps: 100 },
    ]);
    assert.equal(rampSecondsFromVus(s), 7);
  });
});

describe('window percentiles from the per-second histograms', () => {
  it('merges the histograms of the window instead of averaging per-second percentiles', () => {
    const agg = new Aggregator();
    const source = agg.addSource('test');
    const tags = { scenario: 'fetchers', name: 'n', status: '200' };
    // Second 0: 99 fast requests; second 1: 1 slow request. Weighted p99 would be far off.
    const samples = [];
    for (let i = 0; i < 99; i++) {
      samples.push({ metric: 'http_reqs', time: START * 1000 + i, value: 1, tags });
      samples.push({ metric: 'http_req_duration', time: START * 1000 + i, value: 10, tags });
    }
    samples.push({ metric: 'http_reqs', time: START * 1000 + 1500, value: 1, tags });
    samples.push({ metric: 'http_req_duration', time: START * 1000 + 1500, value: 1000, tags });
    agg.addSamples(source, samples);
    const { series } = agg.finish();
    const stats = windowStats(series, 'fetchers', START, START + 1);
    assert.equal(stats.percentiles, 'histograms');
    assert.equal(stats.reqs, 100);
    assert.ok(Math.abs(stats.p95Ms - 10) < 0.01, `p95 ${stats.p95Ms}`);
    assert.ok(Math.abs(stats.p99Ms - 10) < 0.01, 'nearest rank: the 99th of 100 values is still 10 ms');
    delete series.histograms;
    assert.equal(windowStats(series, 'fetchers', START, START + 1).percentiles, 'weighted per-second');
  });
});

describe('baselineVerdict', () => {
  const baseline = loadBaseline();

  it('uses the published numbers and tolerances by default', () => {
    const v = baselineVerdict({ rps: 1700, avgMs: 200, errorRate: 0 }, baseline);
    assert.equal(v.ok, true);
    assert.equal(v.comparable, true);
    assert.deepEqual(
      v.checks.map((c) => [c.name, c.limit, c.comparison, c.ok]),
      [
        ['throughput', 1618 * 0.9, '>=', true],
        ['latency_avg', 223 * 1.1, '<=', true],
        ['error_rate', 0.001, '<=', true],
      ],
    );
  });

  it('passes exactly at each limit and fails just past it', () => {
    const atLimit = baselineVerdict({ rps: 1618 * 0.9, avgMs: 223 * 1.1, errorRate: 0.001 }, baseline);
    assert.ok(atLimit.checks.every((c) => c.ok));
    const literal = baselineVerdict({ rps: 1456.2, avgMs: 245.3, errorRate: 0.001 }, baseline);
    assert.ok(
      literal.checks.every((c) => c.ok),
      'the limits written as decimals pass too',
    );
    const past = baselineVerdict({ rps: 1456.1, avgMs: 245.4, errorRate: 0.0011 }, baseline);
    assert.deepEqual(
      past.checks.map((c) => c.ok),
      [false, false, false],
    );
    assert.equal(past.ok, false);
    assert.match(past.note, /throughput, latency_avg, error_rate/);
  });

  it('fails each check on its own', () => {
    assert.deepEqual(
      baselineVerdict({ rps: 1000, avgMs: 100, errorRate: 0 }, baseline).checks.map((c) => c.ok),
      [false, true, true],
    );
    assert.deepEqual(
      baselineVerdict({ rps: 2000, avgMs: 300, errorRate: 0 }, baseline).checks.map((c) => c.ok),
      [true, false, true],
    );
    assert.deepEqual(
      baselineVerdict({ rps: 2000, avgMs: 100, errorRate: 0.05 }, baseline).checks.map((c) => c.ok),
      [true, true, false],
    );
  });

  it('takes overridden tolerances', () => {
    const v = baselineVerdict({ rps: 1000, avgMs: 223, errorRate: 0 }, baseline, { minRpsFraction: 0.5 });
    assert.equal(v.checks[0].limit, 809);
    assert.equal(v.ok, true);
  });

  it('says plainly when the target is not comparable', () => {
    const v = baselineVerdict({ rps: 100, avgMs: 20, errorRate: 0 }, baseline, {}, false);
    assert.equal(v.comparable, false);
    assert.match(v.note, /stand-in .* not comparable/);
  });
});

describe('analyseRun', () => {
  const baseline = loadBaseline();

  it('judges a scalability run by its peak and the latency at saturation', () => {
    const s = steppedRamp([
      [10, 1000],
      [20, 1700],
      [30, 1710],
    ]);
    const a = analyseRun({ series: s, publishCycles: [], checks: [] }, null, {
      kind: 'scalability',
      baseline,
      comparable: true,
      saturation: { minHoldSeconds: 10 },
    });
    assert.equal(a.saturation!.saturationVus, 20);
    assert.equal(a.verdict!.checks[0].measured, 1710);
    assert.equal(a.verdict!.checks[1].measured, 100);
    assert.equal(a.verdict!.ok, true);
  });

  it("takes Connect's processes at the saturation level and puts them in the generator/target text", () => {
    const s = steppedRamp([
      [10, 1000],
      [20, 1700],
      [30, 1710],
    ]);
    // One process during the first level, three (the limit) from the second level on.
    const points = s.vus.map((v) => ({ t: v.t, active: v.vus >= 20 ? 3 : 1, max: v.vus >= 20 ? 3 : 1 }));
    const processes = {
      contentGuid: 'g',
      limits: { maxProcesses: 3, minProcesses: null },
      stepSeconds: 1,
      points,
      processes: [],
      hosts: [],
      polls: points.length,
      stopped: null,
    };
    const a = analyseRun({ series: s, publishCycles: [], checks: [] }, null, {
      kind: 'scalability',
      baseline,
      comparable: true,
      saturation: { minHoldSeconds: 10 },
      processes,
    });
    const level = a.saturation!.levels.find((l) => l.vus === 20)!;
    assert.deepEqual(
      [a.processes?.from, a.processes?.to, a.processes?.meanActive, a.processes?.maxActive],
      [level.from, level.to, 3, 3],
    );
    assert.match(a.processes!.note, /over the saturation level \(20 VUs\): 3 of 3 allowed processes/);
    assert.match(a.generator!.reasons.at(-1)!, /^On the target: Connect ran 3 Flask processes/);
    const without = analyseRun({ series: s, publishCycles: [], checks: [] }, null, {
      kind: 'scalability',
      baseline,
      comparable: true,
      saturation: { minHoldSeconds: 10 },
    });
    assert.equal(without.processes, undefined);
    assert.ok(without.generator!.reasons.every((r) => !r.startsWith('On the target')));
  });

  it('gives no verdict when nothing was measured (a run stopped before its first request)', () => {
    const empty = series([{ vus: 0, seconds: 5, rps: 0 }]);
    const a = analyseRun({ series: empty, publishCycles: [], checks: [] }, null, {
      kind: 'load-soak',
      baseline,
      comparable: true,
    });
    assert.equal(a.verdict, null);
    assert.equal(a.steady!.rps, 0);
    assert.match(a.problem!, /^The steady window holds no request of the 'fetchers' scenario/);
    const none = analyseRun(
      { series: { ...empty, total: [], vus: [], byScenario: {} }, publishCycles: [], checks: [] },
      null,
      { kind: 'scalability', baseline, comparable: true },
    );
    assert.match(none.problem!, /^The engine ended without writing any results/);
    const flat = analyseRun({ series: empty, publishCycles: [], checks: [] }, null, {
      kind: 'scalability',
      baseline,
      comparable: true,
    });
    assert.match(flat.problem!, /^No VU level was held long enough/);
    assert.equal(flat.verdict, null);
  });

  it('reads k6 thresholds, where true means FAILED', () => {
    const results = thresholdResults({
      metrics: {
        http_req_duration: { thresholds: { 'p(95)<500': false } },
        checks: { thresholds: { 'rate>0.99': true } },
      },
    });
    assert.deepEqual(results, [
      { metric: 'checks', expression: 'rate>0.99', ok: false, source: 'summary' },
      { metric: 'http_req_duration', expression: 'p(95)<500', ok: true, source: 'summary' },
    ]);
  });
});
