// Long runs have one point per second per series; a 30-minute soak would make the report
// heavy and the charts unreadable. Points are merged into equal time buckets, each statistic
// the way it can honestly be merged: counts add up, rates are means over the bucket, and
// tail statistics (p99, max) keep the bucket's worst value so spikes stay visible.
import type { SeriesPoint } from './run-data.ts';

export const maxChartPoints = 600;

/** Bucket width (a whole multiple of the step) that keeps a span within `maxPoints` buckets. */
export function bucketSecondsFor(
  spanSeconds: number,
  stepSeconds: number,
  maxPoints = maxChartPoints,
): number {
  const step = stepSeconds > 0 ? stepSeconds : 1;
  const steps = Math.max(1, Math.ceil(spanSeconds / step));
  return step * Math.max(1, Math.ceil(steps / maxPoints));
}

/** Groups time-ordered points by bucket; `t` of a group is its bucket start. */
export function groupByBucket<T extends { t: number }>(
  points: T[],
  bucketSeconds: number,
  origin: number,
): Array<{ t: number; items: T[] }> {
  const groups: Array<{ t: number; items: T[] }> = [];
  for (const point of points) {
    const t = origin + Math.floor((point.t - origin) / bucketSeconds) * bucketSeconds;
    const last = groups[groups.length - 1];
    if (last && last.t === t) last.items.push(point);
    else groups.push({ t, items: [point] });
  }
  return groups;
}

function weightedMean(items: SeriesPoint[], pick: (p: SeriesPoint) => number | null): number | null {
  let sum = 0;
  let weight = 0;
  for (const item of items) {
    const value = pick(item);
    if (value === null || item.reqs <= 0) continue;
    sum += value * item.reqs;
    weight += item.reqs;
  }
  return weight > 0 ? sum / weight : null;
}

function worst(items: SeriesPoint[], pick: (p: SeriesPoint) => number | null): number | null {
  let result: number | null = null;
  for (const item of items) {
    const value = pick(item);
    if (value !== null && (result === null || value > result)) result = value;
  }
  return result;
}

/**
 * Request buckets: counts add up, avg is request-weighted, p50/p90/p95 are request-weighted
 * means of the per-second values (an approximation, labelled as such on the chart), p99 and max
 * keep the highest value.
 */
export function downsampleSeries(
  points: SeriesPoint[],
  bucketSeconds: number,
  origin: number,
): SeriesPoint[] {
  if (points.length === 0) return [];
  return groupByBucket(points, bucketSeconds, origin).map(({ t, items }) => ({
    t,
    reqs: items.reduce((sum, p) => sum + p.reqs, 0),
    failed: items.reduce((sum, p) => sum + p.failed, 0),
    avg: weightedMean(items, (p) => p.avg),
    p50: weightedMean(items, (p) => p.p50),
    p90: weightedMean(items, (p) => p.p90),
    p95: weightedMean(items, (p) => p.p95),
    p99: worst(items, (p) => p.p99),
    max: worst(items, (p) => p.max),
  }));
}

export type Merge = 'mean' | 'max' | 'sum';

/** Merges one value per bucket; nulls are gaps and stay null when a bucket has only gaps. */
export function downsampleValues(
  points: Array<{ t: number; v: number | null }>,
  bucketSeconds: number,
  origin: number,
  merge: Merge,
): Array<{ t: number; v: number | null }> {
  return groupByBucket(points, bucketSeconds, origin).map(({ t, items }) => {
    const values = items.map((p) => p.v).filter((v): v is number => v !== null && Number.isFinite(v));
    if (values.length === 0) return { t, v: null };
    if (merge === 'max') return { t, v: Math.max(...values) };
    const sum = values.reduce((a, b) => a + b, 0);
    return { t, v: merge === 'sum' ? sum : sum / values.length };
  });
}
