// Thresholds declared in k6 NDJSON Metric lines, evaluated on the ingested samples: what a merged
// k6-operator run (no summary export) needs for its threshold verdicts. The embedded engine's own
// metrics engine does the work (k6's expression syntax, sinks and exact percentiles), one engine
// per thresholded metric since Metric lines arrive one at a time while the files are read.
//
// k6 writes a metric's own thresholds in its Metric line, but a sub-metric (`name{tag:value}`)
// appears only as a name in `submetrics`, without its thresholds; those cannot be evaluated from
// NDJSON and are named in `unevaluated`. A Metric line whose name is itself a sub-metric key is
// evaluated on its parent's samples.
import { MetricsEngine } from '../../engine/metrics/engine.ts';
import { MetricRegistry } from '../../engine/metrics/registry.ts';
import { parseThresholdKey, parseThresholdSource } from '../../engine/metrics/thresholds.ts';
import type { MetricType, ThresholdSource, ValueType } from '../../engine/metrics/types.ts';
import type { SampleWatcher } from '../ingest/index.ts';
import type { ThresholdResult } from '../record/types.ts';

interface Declared {
  key: string;
  metric: string;
  engine: MetricsEngine;
  /** Summary value names the expressions read (`avg`, `p(95)`, `count`, `rate`, `value`...). */
  reads: string[];
  sources: ThresholdSource[];
}

const TYPES = new Set(['counter', 'gauge', 'rate', 'trend']);
const CONTAINS = new Set(['default', 'time', 'data']);

export class NdjsonThresholds implements SampleWatcher {
  private readonly declared = new Map<string, Declared>();
  /** Parent metric name → the declarations fed by its samples. */
  private readonly byMetric = new Map<string, Declared[]>();
  /** Sentences about thresholds that could not be read or evaluated. */
  readonly problems: string[] = [];
  /** Sub-metrics named in Metric lines whose thresholds NDJSON does not carry. */
  readonly unevaluated = new Set<string>();

  get watching(): number {
    return this.byMetric.size;
  }

  watches(metric: string): boolean {
    return this.byMetric.has(metric);
  }

  declare(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const d = data as {
      name?: unknown;
      type?: unknown;
      contains?: unknown;
      thresholds?: unknown;
      submetrics?: unknown;
    };
    if (typeof d.name !== 'string' || typeof d.type !== 'string' || !TYPES.has(d.type)) return;
    if (Array.isArray(d.submetrics)) {
      for (const sub of d.submetrics as Array<{ name?: unknown }>) {
        if (typeof sub?.name === 'string' && !sub.name.endsWith('{expected_response:true}'))
          this.unevaluated.add(sub.name);
      }
    }
    if (!Array.isArray(d.thresholds) || d.thresholds.length === 0 || this.declared.has(d.name)) return;
    const type = d.type as MetricType;
    const contains = (
      typeof d.contains === 'string' && CONTAINS.has(d.contains) ? d.contains : 'default'
    ) as ValueType;
    const sources = d.thresholds as ThresholdSource[];
    try {
      const { metric } = parseThresholdKey(d.name);
      const registry = new MetricRegistry();
      registry.define(metric, type, contains);
      const reads = sources.map((source) => {
        const spec = parseThresholdSource(source, d.name as string, type);
        return spec.expression.aggregation;
      });
      const engine = new MetricsEngine({
        registry,
        thresholds: { [d.name]: sources },
        summaryTrendStats: reads.filter((r) => type === 'trend' && r !== 'count'),
        systemTags: new Set(),
      });
      const entry: Declared = { key: d.name, metric, engine, reads, sources };
      this.declared.set(d.name, entry);
      this.unevaluated.delete(d.name);
      const list = this.byMetric.get(metric) ?? [];
      list.push(entry);
      this.byMetric.set(metric, list);
    } catch (error) {
      this.problems.push(
        `The thresholds of ${d.name} in the NDJSON could not be read: ${(error as Error).message}`,
      );
    }
  }

  add(metric: string, timeMs: number, value: number, tags: Record<string, string>): void {
    const list = this.byMetric.get(metric);
    if (!list) return;
    for (const entry of list) entry.engine.add([{ metric, time: timeMs, value, tags }]);
  }

  /** Verdicts at the end of the test; `elapsedMs` is the test's duration (for a counter's rate). */
  results(elapsedMs: number): ThresholdResult[] {
    const out: ThresholdResult[] = [];
    for (const entry of this.declared.values()) {
      const summary = entry.engine.summaryData({
        testRunDurationMs: elapsedMs,
        isStdOutTTY: false,
        isStdErrTTY: false,
        noColor: true,
      });
      const values = summary.metrics[entry.key]?.values ?? {};
      entry.engine.thresholdResults().forEach((result, i) => {
        const read = entry.reads[i];
        out.push({
          metric: result.metric,
          expression: result.threshold,
          ok: result.ok,
          measured: typeof values[read] === 'number' ? values[read] : null,
          abortOnFail: result.abortOnFail,
          source: 'ndjson',
        });
      });
    }
    return out.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
  }
}
