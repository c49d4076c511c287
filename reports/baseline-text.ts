// The published baseline in words, for the reports: what Posit measured and the tolerances a
// run is judged with.
import { loadBaseline } from '../fixtures/baseline.ts';
import { formatCount, formatMs, formatRate, formatRps } from './format.ts';
import type { Baseline } from './run-data.ts';

export interface BaselineText {
  figures: string;
  tolerances: string;
  source: string;
}

export function baselineText(baseline: Baseline): BaselineText {
  const t = baseline.tolerances;
  return {
    figures: `${formatRps(baseline.rps)}, ${formatMs(baseline.avgLatencyMs)} average fetch latency, ${formatCount(baseline.vus)} VUs, ${formatRate(baseline.errorRate)} errors over ${baseline.durationMinutes} minutes on ${baseline.architecture}.`,
    tolerances: `A run passes with throughput at least ${Math.round(t.minRpsFraction * 100)} % of ${formatRps(baseline.rps)}, average latency at most ${Math.round(t.maxLatencyFraction * 100)} % of ${formatMs(baseline.avgLatencyMs)} and an error rate at most ${formatRate(t.maxErrorRate)}.`,
    source: `${baseline.source.title}, ${baseline.source.url} (retrieved ${baseline.source.retrieved}).`,
  };
}

/** The baseline shipped with the suite, or null when its file is unreadable (the report says so). */
export function publishedBaselineText(): BaselineText | null {
  try {
    return baselineText(loadBaseline());
  } catch {
    return null;
  }
}
