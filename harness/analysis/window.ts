// Request statistics over a time window of the series: the building block of the saturation
// levels and the load-soak steady window. Percentiles come from the merged per-second HDR
// histograms when the series has them (exact to the histogram's 0.1 % bound), else from the
// request-weighted mean of the per-second percentiles (an approximation, and said so).
import { decodeHistogram, newHistogram, percentileMs, releaseHistogram } from '../ingest/histogram.ts';
import type { SeriesPoint, TimeSeries } from '../record/types.ts';

export interface WindowStats {
  from: number;
  to: number;
  seconds: number;
  reqs: number;
  failed: number;
  rps: number;
  avgMs: number;
  p95Ms: number;
  p99Ms: number;
  errorRate: number;
  /** How the percentiles were obtained. */
  percentiles: 'histograms' | 'weighted per-second';
}

/** The scenario to measure: `fetchers` when present, else the only scenario, else all requests. */
export function fetchScenario(series: TimeSeries): string | null {
  if (series.byScenario.fetchers) return 'fetchers';
  const names = Object.keys(series.byScenario);
  return names.length === 1 ? names[0] : null;
}

export function pointsOf(series: TimeSeries, scenario: string | null): SeriesPoint[] {
  return scenario ? (series.byScenario[scenario] ?? []) : series.total;
}

/** Statistics of the buckets with from <= t <= to (epoch seconds, inclusive). */
export function windowStats(
  series: TimeSeries,
  scenario: string | null,
  from: number,
  to: number,
): WindowStats {
  const points = pointsOf(series, scenario).filter((p) => p.t >= from && p.t <= to);
  const seconds = Math.max(0, to - from + 1);
  let reqs = 0;
  let failed = 0;
  let timed = 0;
  let sum = 0;
  for (const p of points) {
    reqs += p.reqs;
    failed += p.failed;
    if (p.avg !== null) {
      // Bucket averages are per timed request; reqs approximates how many were timed.
      timed += p.reqs;
      sum += p.avg * p.reqs;
    }
  }
  const histograms = scenario ? series.histograms?.[scenario] : undefined;
  let p95Ms = 0;
  let p99Ms = 0;
  let percentiles: WindowStats['percentiles'] = 'weighted per-second';
  if (histograms?.length) {
    const merged = newHistogram();
    for (const entry of histograms)
      if (entry.t >= from && entry.t <= to) merged.add(decodeHistogram(entry.h));
    if (merged.totalCount > 0) {
      p95Ms = percentileMs(merged, 95);
      p99Ms = percentileMs(merged, 99);
    }
    releaseHistogram(merged);
    percentiles = 'histograms';
  } else if (timed > 0) {
    for (const p of points) {
      if (p.p95 === null || p.p99 === null) continue;
      p95Ms += (p.p95 * p.reqs) / timed;
      p99Ms += (p.p99 * p.reqs) / timed;
    }
  }
  return {
    from,
    to,
    seconds,
    reqs,
    failed,
    rps: seconds > 0 ? reqs / seconds : 0,
    avgMs: timed > 0 ? sum / timed : 0,
    p95Ms,
    p99Ms,
    errorRate: reqs > 0 ? failed / reqs : 0,
    percentiles,
  };
}
