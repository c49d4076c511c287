// Turns k6's --summary-export file (the legacy shape,
// https://grafana.com/docs/k6/latest/results-output/end-of-test/) back into handleSummary's data
// shape (https://grafana.com/docs/k6/latest/results-output/end-of-test/custom-summary/), using the
// metric kinds announced in the NDJSON.
import type {
  MetricType,
  SummaryCheck,
  SummaryData,
  SummaryGroup,
  SummaryMetric,
  ValueType,
} from '../metrics/types.ts';

interface LegacyGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, LegacyGroup>;
  checks: Record<string, SummaryCheck>;
}

function group(g: LegacyGroup): SummaryGroup {
  return {
    name: g.name,
    path: g.path,
    id: g.id,
    groups: Object.values(g.groups ?? {}).map(group),
    checks: Object.values(g.checks ?? {}),
  };
}

function guessType(values: Record<string, unknown>): MetricType {
  if ('passes' in values) return 'rate';
  if ('count' in values && 'rate' in values) return 'counter';
  if ('value' in values && 'min' in values) return 'gauge';
  return 'trend';
}

export function fromLegacyExport(
  legacy: { root_group: LegacyGroup; metrics: Record<string, Record<string, unknown>>; setup_data?: unknown },
  kinds: Map<string, { type: MetricType; contains: ValueType }>,
  state: SummaryData['state'],
  summaryTrendStats: string[],
): SummaryData {
  const metrics: Record<string, SummaryMetric> = {};
  for (const [name, raw] of Object.entries(legacy.metrics ?? {})) {
    const base = kinds.get(name.replace(/\{.*$/, ''));
    const { thresholds, ...values } = raw as Record<string, number> & {
      thresholds?: Record<string, boolean>;
    };
    const type = base?.type ?? guessType(values);
    if (type === 'rate' && 'value' in values) {
      values.rate = values.value;
      delete (values as Record<string, number>).value;
    }
    const entry: SummaryMetric = { type, contains: base?.contains ?? 'default', values };
    if (thresholds)
      entry.thresholds = Object.fromEntries(
        Object.entries(thresholds).map(([k, failed]) => [k, { ok: !failed }]),
      );
    metrics[name] = entry;
  }
  const data: SummaryData = {
    root_group: group(legacy.root_group),
    options: { summaryTrendStats, summaryTimeUnit: '', noColor: false },
    state,
    metrics,
  };
  if (legacy.setup_data !== undefined) data.setup_data = legacy.setup_data;
  return data;
}
