// The names that pick one number out of a trend: summaryTrendStats entries ("avg", "p(99.9)",
// "count") and threshold aggregations on trends use the same vocabulary.
import { InvalidOptionsError } from './errors.ts';
import type { TrendSink } from './sinks.ts';

export const DEFAULT_SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

export type TrendStat = { name: string; read: (sink: TrendSink) => number };

const PERCENTILE = /^p\(\s*(\d+(?:\.\d+)?|\.\d+)\s*\)$/;

/** The percentile (0–100) named by `p(N)`, or null when `text` is not a valid `p(N)`. */
export function percentileOf(text: string): number | null {
  const m = PERCENTILE.exec(text.trim());
  if (!m) return null;
  const pct = Number(m[1]);
  return pct >= 0 && pct <= 100 ? pct : null;
}

/** A reader for one trend statistic, or null when the name is not one k6 knows. */
export function trendStat(name: string): TrendStat | null {
  switch (name) {
    case 'avg':
      return { name, read: (s) => s.avg };
    case 'min':
      return { name, read: (s) => s.min };
    case 'max':
      return { name, read: (s) => s.max };
    case 'med':
      return { name, read: (s) => s.med };
    case 'count':
      return { name, read: (s) => s.count };
  }
  const pct = percentileOf(name);
  return pct === null ? null : { name, read: (s) => s.percentile(pct) };
}

/** Validated readers for `summaryTrendStats`, in the user's order. */
export function parseSummaryTrendStats(stats: string[]): TrendStat[] {
  return stats.map((name) => {
    const stat = trendStat(name);
    if (!stat) {
      throw new InvalidOptionsError(
        `summaryTrendStats entry "${name}" is not valid; use avg, min, med, max, count or p(N) with 0 ≤ N ≤ 100.`,
      );
    }
    return stat;
  });
}
