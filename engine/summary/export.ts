// `--summary-export=FILE`: k6's legacy JSON (k6 docs: https://grafana.com/docs/k6/latest/results-output/end-of-test/), derived from handleSummary's data.
// It differs from that data in ways that are easy to get wrong: rate metrics call their ratio
// `value`, threshold booleans are true when the threshold FAILED, and groups/checks are maps.
import type { SummaryData, SummaryGroup } from '../metrics/types.ts';

export interface LegacyCheck {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

export interface LegacyGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, LegacyGroup>;
  checks: Record<string, LegacyCheck>;
}

export type LegacyMetric = Record<string, number | Record<string, boolean>>;

export interface LegacySummaryExport {
  root_group: LegacyGroup;
  metrics: Record<string, LegacyMetric>;
  setup_data?: unknown;
}

export function legacySummaryExport(data: SummaryData): LegacySummaryExport {
  const metrics: Record<string, LegacyMetric> = {};
  for (const [name, metric] of Object.entries(data.metrics)) {
    const flat: LegacyMetric = {};
    for (const [key, value] of Object.entries(metric.values)) {
      flat[metric.type === 'rate' && key === 'rate' ? 'value' : key] = value;
    }
    if (metric.thresholds) {
      const failed: Record<string, boolean> = {};
      for (const [expr, { ok }] of Object.entries(metric.thresholds)) failed[expr] = !ok;
      flat.thresholds = failed;
    }
    metrics[name] = flat;
  }
  const out: LegacySummaryExport = { root_group: legacyGroup(data.root_group), metrics };
  if (data.setup_data !== undefined) out.setup_data = data.setup_data;
  return out;
}

/** The file content k6 writes: pretty-printed with a 4-space indent. */
export function formatLegacySummaryExport(data: SummaryData): string {
  return JSON.stringify(legacySummaryExport(data), null, 4);
}

function legacyGroup(group: SummaryGroup): LegacyGroup {
  const groups: Record<string, LegacyGroup> = {};
  for (const child of group.groups) groups[child.name] = legacyGroup(child);
  const checks: Record<string, LegacyCheck> = {};
  for (const c of group.checks) checks[c.name] = { ...c };
  return { name: group.name, path: group.path, id: group.id, groups, checks };
}
