// Turns GetMetricData answers into run-record series: one point per expected minute, a gap
// (null) where CloudWatch has nothing, and a warning for each answer that is not Complete.
// Pure, so paging and gap rules are tested with fixtures.
import type { GetMetricDataOutput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { NodeSeries } from '../record/types.ts';
import type { PlannedQuery } from './cloudwatch-queries.ts';

export interface CollectedResult {
  points: Map<number, number>;
  /** Status of the last page that carried the query, with its messages. */
  status: string;
  messages: string[];
}

/** Merges the results of every page (and every chunk) by query Id, in page order. */
export function collectPages(pages: GetMetricDataOutput[]): {
  byId: Map<string, CollectedResult>;
  messages: string[];
} {
  const byId = new Map<string, CollectedResult>();
  const messages: string[] = [];
  for (const page of pages) {
    for (const m of page.Messages ?? []) messages.push(`${m.Code ?? 'Message'}: ${m.Value ?? ''}`);
    for (const r of page.MetricDataResults ?? []) addResult(byId, r);
  }
  return { byId, messages };
}

function addResult(byId: Map<string, CollectedResult>, r: MetricDataResult) {
  if (!r.Id) return;
  const entry = byId.get(r.Id) ?? { points: new Map<number, number>(), status: 'Complete', messages: [] };
  const times = r.Timestamps ?? [];
  const values = r.Values ?? [];
  for (let i = 0; i < times.length && i < values.length; i++) {
    entry.points.set(Math.floor(times[i].getTime() / 1000), values[i]);
  }
  entry.status = r.StatusCode ?? entry.status;
  for (const m of r.Messages ?? []) entry.messages.push(`${m.Code ?? 'Message'}: ${m.Value ?? ''}`);
  byId.set(r.Id, entry);
}

export function toNodeSeries(
  plan: PlannedQuery[],
  collected: Map<string, CollectedResult>,
  minutes: number[],
  /** Queries whose call failed: already warned about, so no second warning each. */
  failed: Set<string> = new Set(),
): { series: NodeSeries[]; warnings: string[] } {
  const warnings: string[] = [];
  const series = plan.map(({ query, series: meta, zeroWhenPublished }) => {
    const result = collected.get(query.Id);
    const published = zeroWhenPublished ? collected.get(zeroWhenPublished)?.points : undefined;
    const times = [...new Set([...minutes, ...(result?.points.keys() ?? [])])].sort((a, b) => a - b);
    const points = times.map((t) => {
      const v = result?.points.get(t);
      if (v !== undefined) return { t, v };
      return { t, v: published?.has(t) ? 0 : null };
    });
    if (result && result.status !== 'Complete') {
      const why = result.messages.length > 0 ? ` (${result.messages.join('; ')})` : '';
      warnings.push(
        `CloudWatch answered ${result.status} for "${meta.label}"${why}; the minutes it did not return are gaps.`,
      );
    } else if (!zeroWhenPublished && !failed.has(query.Id) && (result?.points.size ?? 0) === 0) {
      warnings.push(
        `CloudWatch had no data for "${meta.label}" in the run window (${describeMetric(query)}); check the name, or fetch again later if the run has just ended, as CloudWatch publishes each minute with a delay.`,
      );
    }
    return { ...meta, points };
  });
  return { series, warnings };
}

export function describeMetric(query: PlannedQuery['query']): string {
  const m = query.MetricStat?.Metric;
  const dims = (m?.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(', ');
  return `${m?.Namespace} ${m?.MetricName} ${query.MetricStat?.Stat} {${dims}}`;
}
