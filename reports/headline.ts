// The handful of figures a reader looks at first, taken from the best source the run folder
// has: the analysis (steady window of a load-soak, saturation level of a scalability run), then
// k6's own summary, then the per-second series. The source is always named next to the figures.

import type { LevelStats, PublishCycle, RunRecord, SummaryExportMetric, TimeSeries } from './run-data.ts';

export interface Headline {
  rps: number | null;
  avgMs: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  errorRate: number | null;
  vus: number | null;
  /** Total requests over the figures' window. */
  requests: number | null;
  publish: { completed: number; failed: number; avgMs: number | null } | null;
  /** Where the figures come from, as a sentence fragment ("steady window 02:00–30:00"). */
  source: string;
}

export function saturationLevel(files: RunRecord): LevelStats | null {
  const saturation = files.analysis?.saturation;
  if (!saturation || saturation.saturationVus === null) return null;
  return saturation.levels.find((level) => level.vus === saturation.saturationVus) ?? null;
}

export function maxVus(series: TimeSeries | undefined, from = -Infinity, to = Infinity): number | null {
  if (!series || series.vus.length === 0) return null;
  const inWindow = series.vus.filter((p) => p.t >= from && p.t <= to);
  return inWindow.length ? Math.max(...inWindow.map((p) => p.vus)) : null;
}

export function publishFigures(cycles: PublishCycle[] | undefined): Headline['publish'] {
  if (!cycles) return null;
  const ok = cycles.filter((c) => c.ok);
  return {
    completed: ok.length,
    failed: cycles.length - ok.length,
    avgMs: ok.length ? ok.reduce((sum, c) => sum + c.durationMs, 0) / ok.length : null,
  };
}

function fromSeries(series: TimeSeries): Omit<Headline, 'publish' | 'source' | 'vus'> {
  let reqs = 0;
  let failed = 0;
  let weighted = 0;
  let p95 = 0;
  let p99: number | null = null;
  for (const point of series.total) {
    reqs += point.reqs;
    failed += point.failed;
    if (point.avg !== null) weighted += point.avg * point.reqs;
    if (point.p95 !== null) p95 += point.p95 * point.reqs;
    if (point.p99 !== null) p99 = Math.max(p99 ?? 0, point.p99);
  }
  const seconds = series.total.length * (series.stepSeconds || 1);
  return {
    rps: seconds > 0 ? reqs / seconds : null,
    avgMs: reqs > 0 ? weighted / reqs : null,
    p95Ms: reqs > 0 ? p95 / reqs : null,
    p99Ms: p99,
    errorRate: reqs > 0 ? failed / reqs : null,
    requests: reqs,
  };
}

function numberAt(object: SummaryExportMetric | undefined, key: string): number | null {
  const value = object?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function headlineOf(files: RunRecord): Headline {
  const publish = publishFigures(files.publish);
  const steady = files.analysis?.steady;
  if (steady) {
    const seconds = steady.to - steady.from;
    return {
      rps: steady.rps,
      avgMs: steady.avgMs,
      p95Ms: steady.p95Ms,
      p99Ms: steady.p99Ms,
      errorRate: steady.errorRate,
      vus: maxVus(files.timeseries, steady.from, steady.to),
      requests: seconds > 0 ? steady.rps * seconds : null,
      publish: {
        completed: steady.publishCycles.completed,
        failed: steady.publishCycles.failed,
        avgMs: steady.publishCycles.avgMs,
      },
      source: `steady window (first ${Math.round(steady.excludedRampSeconds)} s of ramp-up excluded)`,
    };
  }
  const level = saturationLevel(files);
  if (level) {
    return {
      rps: level.rps,
      avgMs: level.avgMs,
      p95Ms: level.p95Ms,
      p99Ms: null,
      errorRate: level.errorRate,
      vus: level.vus,
      requests: level.rps * (level.to - level.from),
      publish,
      source: `the saturation level (${level.vus} VUs)`,
    };
  }
  const metrics = files.summary?.metrics;
  if (metrics?.http_reqs) {
    const duration = metrics.http_req_duration;
    return {
      rps: numberAt(metrics.http_reqs, 'rate'),
      avgMs: numberAt(duration, 'avg'),
      p95Ms: numberAt(duration, 'p(95)'),
      p99Ms: numberAt(duration, 'p(99)'),
      errorRate: numberAt(metrics.http_req_failed, 'value'),
      vus: numberAt(metrics.vus_max, 'max') ?? numberAt(metrics.vus, 'max'),
      requests: numberAt(metrics.http_reqs, 'count'),
      publish,
      source: 'the whole run (k6 summary, all requests)',
    };
  }
  if (files.timeseries && files.timeseries.total.length > 0) {
    return {
      ...fromSeries(files.timeseries),
      vus: maxVus(files.timeseries),
      publish,
      source: 'the whole run (per-second series; p95 and p99 approximated from per-second values)',
    };
  }
  return {
    rps: null,
    avgMs: null,
    p95Ms: null,
    p99Ms: null,
    errorRate: null,
    vus: null,
    requests: null,
    publish,
    source: 'nothing: the run recorded no requests',
  };
}
