// Where every sample ends up: one sink per metric and per sub-metric, the group/check tree, and
// the thresholds evaluated against them. The runtime feeds samples with add(); the end of the test
// reads summaryData() (handleSummary's `data`) and thresholdResults().
import { Breakdown, type BreakdownCheck, type BreakdownNode, noteCheck } from './breakdown.ts';
import { InvalidOptionsError } from './errors.ts';
import { GroupTree } from './groups.ts';
import type { MetricRegistry } from './registry.ts';
import { type SampleEntry, SampleGroup } from './sample-groups.ts';
import { CounterSink, GaugeSink, newSink, RateSink, type Sink } from './sinks.ts';
import {
  parseThresholdKey,
  parseThresholdSource,
  type ThresholdExpression,
  type ThresholdSpec,
  thresholdPasses,
} from './thresholds.ts';
import { formatDuration } from './time.ts';
import { parseSummaryTrendStats, type TrendStat } from './trend-stats.ts';
import type {
  MetricInfo,
  MetricType,
  SummaryData,
  SummaryGroup,
  SummaryMetric,
  SummaryValues,
  ThresholdSource,
  ThresholdsOption,
  ValueType,
} from './types.ts';

export interface MetricsEngineOptions {
  registry: MetricRegistry;
  thresholds: ThresholdsOption;
  summaryTrendStats: string[];
  /** Enabled system tags; when given without `expected_response`, that sub-metric is not made. */
  systemTags?: Set<string>;
  /** Keep every metric per group and per scenario too (`--summary-mode=full`). */
  breakdown?: boolean;
}

/** One group's or scenario's part of the full summary: its checks, its metrics, its sub-groups. */
export interface SummaryNode {
  checks: BreakdownCheck[];
  metrics: Record<string, SummaryMetric>;
  groups: Array<[string, SummaryNode]>;
}

/** What `--summary-mode=full` shows after the totals: the test's groups, then each scenario. */
export interface SummaryBreakdown {
  groups: Array<[string, SummaryNode]>;
  scenarios: Array<[string, SummaryNode]>;
}

export interface SummaryState {
  testRunDurationMs: number;
  isStdOutTTY: boolean;
  isStdErrTTY: boolean;
  noColor: boolean;
  setupData?: unknown;
  summaryTimeUnit?: string;
}

export interface ThresholdResult {
  /** Metric or sub-metric name, e.g. `http_req_duration{status:200}`. */
  metric: string;
  threshold: string;
  ok: boolean;
  abortOnFail: boolean;
}

export interface ThresholdVerdict {
  failed: boolean;
  /** The first abortOnFail threshold that failed once its delayAbortEval had passed. */
  abort: null | { metric: string; threshold: string };
  /**
   * The metrics (sub-metrics by their full name) with a failed threshold, sorted by name as k6
   * lists them in its "thresholds on metrics '…' have been crossed" error
   * (grafana/k6 internal/metrics/engine/engine.go, evaluateThresholds).
   */
  breached: string[];
  /** Those of `breached` whose metric has samples: k6 skips empty ones while the test runs. */
  breachedWithSamples: string[];
}

interface ThresholdState {
  spec: ThresholdSpec;
  ok: boolean;
}

interface Tracked {
  /** Summary key: the metric name, or `name{suffix}` for a sub-metric. */
  name: string;
  type: MetricType;
  contains: ValueType;
  sink: Sink;
  thresholds: ThresholdState[];
}

interface Submetric extends Tracked {
  suffix: string;
  tags: Record<string, string>;
  tagNames: string[];
  tagValues: string[];
}

interface Metric extends Tracked {
  submetrics: Submetric[];
}

const EXPECTED_RESPONSE_SUFFIX = 'expected_response:true';

export class MetricsEngine {
  private readonly registry: MetricRegistry;
  private readonly trendStats: TrendStat[];
  private readonly metrics = new Map<string, Metric>();
  /** Every metric and sub-metric that exists so far. */
  private readonly tracked: Tracked[] = [];
  /** Every threshold with the metric it watches, in the order the options declare them. */
  private readonly declared: Array<{ owner: Tracked; state: ThresholdState }> = [];
  private readonly groups = new GroupTree();
  private lastGroup: string | undefined;
  /** The metrics of each shape of sample group (keyed by its shared names array). */
  private readonly groupMetrics = new Map<readonly string[], Metric[]>();
  /** Every check by name, in the order its first result came (the summary lists them so). */
  private readonly checkOrder = new Map<string, BreakdownCheck>();
  private readonly breakdown: Breakdown | null;

  constructor(opts: MetricsEngineOptions) {
    this.registry = opts.registry;
    this.trendStats = parseSummaryTrendStats(opts.summaryTrendStats);
    this.breakdown = opts.breakdown ? new Breakdown() : null;
    for (const [key, value] of Object.entries(opts.thresholds ?? {})) this.addThresholds(key, value);
    if (!opts.systemTags || opts.systemTags.has('expected_response')) {
      if (this.registry.get('http_req_duration')) {
        this.submetric(this.metric('http_req_duration'), EXPECTED_RESPONSE_SUFFIX, {
          expected_response: 'true',
        });
      }
    }
  }

  add(samples: ReadonlyArray<SampleEntry>): void {
    for (let s = 0; s < samples.length; s++) this.addEntry(samples[s]);
  }

  /** Adds one sample, or every sample of a group. */
  addEntry(sample: SampleEntry): void {
    if (sample instanceof SampleGroup) {
      this.addGroup(sample);
      return;
    }
    const metric = this.metrics.get(sample.metric) ?? this.metric(sample.metric);
    const tags = sample.tags;
    this.addValue(metric, sample.value, tags);
    if (this.breakdown !== null)
      this.breakdown.add(metric.name, metric.type, metric.contains, sample.value, tags);
    if (sample.metric === 'checks' && tags.check !== undefined)
      noteCheck(this.checkOrder, tags.check, sample.value !== 0);
    // As k6's GroupSummary: the tree is built from group_duration and checks samples that carry a
    // `group` tag (none when --system-tags leaves `group` out), and from nothing else.
    if (tags.group === undefined) return;
    if (sample.metric === 'group_duration') this.noteGroup(tags.group);
    else if (sample.metric === 'checks') {
      this.noteGroup(tags.group);
      if (tags.check !== undefined) this.groups.noteCheck(tags.group, tags.check, sample.value !== 0);
    }
  }

  private addGroup(g: SampleGroup): void {
    const names = g.metrics;
    let metrics = this.groupMetrics.get(names);
    if (metrics === undefined) {
      metrics = names.map((n) => this.metric(n));
      this.groupMetrics.set(names, metrics);
    }
    const tags = g.tags;
    for (let i = 0; i < metrics.length; i++) this.addValue(metrics[i], g.value(i), tags);
    const breakdown = this.breakdown;
    if (breakdown !== null) {
      for (let i = 0; i < metrics.length; i++) {
        const m = metrics[i];
        breakdown.add(m.name, m.type, m.contains, g.value(i), tags);
      }
    }
  }

  /** Every check by name with its passes and fails, in the order its first result came. */
  checksInOrder(): BreakdownCheck[] {
    return [...this.checkOrder.values()].map((c) => ({ ...c }));
  }

  /** The per-group and per-scenario figures (null unless the engine was made with `breakdown`). */
  summaryBreakdown(testRunDurationMs: number): SummaryBreakdown | null {
    const breakdown = this.breakdown;
    if (breakdown === null) return null;
    const node = (n: BreakdownNode): SummaryNode => {
      const metrics: Record<string, SummaryMetric> = {};
      for (const [name, m] of n.metrics) {
        metrics[name] = {
          type: m.type,
          contains: m.contains,
          values: this.sinkValues(m.sink, testRunDurationMs),
        };
      }
      return {
        checks: [...n.checks.values()].map((c) => ({ ...c })),
        metrics,
        groups: [...n.groups].map(([name, g]) => [name, node(g)]),
      };
    };
    return {
      groups: [...breakdown.root.groups].map(([name, g]) => [name, node(g)]),
      scenarios: [...breakdown.scenarios].map(([name, g]) => [name, node(g)]),
    };
  }

  private addValue(metric: Metric, value: number, tags: Record<string, string>): void {
    metric.sink.add(value);
    const subs = metric.submetrics;
    for (let i = 0; i < subs.length; i++) {
      if (matches(subs[i], tags)) subs[i].sink.add(value);
    }
  }

  private noteGroup(group: string | undefined): void {
    if (group !== undefined && group !== this.lastGroup) {
      this.groups.noteGroup(group);
      this.lastGroup = group;
    }
  }

  /**
   * Evaluates every threshold at this point of the test. While the test runs (`running`), a
   * metric without samples is skipped, as k6 skips empty sinks then: its thresholds keep their
   * last verdict (not failed, at first), so it neither aborts the test nor shows as tainted in the
   * REST API. The end-of-test evaluation judges every threshold, empty or not.
   */
  evaluateThresholds(testElapsedMs: number, running = false): ThresholdVerdict {
    let failed = false;
    let abort: ThresholdVerdict['abort'] = null;
    const breached = new Set<string>();
    const breachedWithSamples = new Set<string>();
    for (const { owner, state } of this.declared) {
      const spec = state.spec;
      if (running && owner.sink.samples === 0) continue;
      const value = aggregate(owner.sink, spec.expression, testElapsedMs);
      // No value to compare (a rate without samples, a counter's rate before any time passed):
      // k6 counts the threshold as passed (grafana/k6 metrics/thresholds.go, runNoTaint).
      state.ok = value === undefined || thresholdPasses(spec.expression, value);
      if (state.ok) continue;
      failed = true;
      breached.add(owner.name);
      if (owner.sink.samples > 0) breachedWithSamples.add(owner.name);
      if (
        abort === null &&
        spec.abortOnFail &&
        owner.sink.samples > 0 &&
        testElapsedMs >= spec.delayAbortEvalMs
      ) {
        abort = { metric: owner.name, threshold: spec.source };
      }
    }
    return {
      failed,
      abort,
      breached: [...breached].sort(),
      breachedWithSamples: [...breachedWithSamples].sort(),
    };
  }

  /** The outcome of the last evaluation, in declaration order. */
  thresholdResults(): ThresholdResult[] {
    return this.declared.map(({ owner, state }) => ({
      metric: owner.name,
      threshold: state.spec.source,
      ok: state.ok,
      abortOnFail: state.spec.abortOnFail,
    }));
  }

  /**
   * handleSummary's `data` (k6 docs: https://grafana.com/docs/k6/latest/results-output/end-of-test/custom-summary/). Thresholds are evaluated once more at
   * testRunDurationMs, so the verdicts are the end-of-test ones.
   */
  summaryData(state: SummaryState): SummaryData {
    this.evaluateThresholds(state.testRunDurationMs);
    const metrics: Record<string, SummaryMetric> = {};
    const shown = this.tracked.filter(isObserved);
    shown.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const t of shown) {
      const entry: SummaryMetric = {
        type: t.type,
        contains: t.contains,
        values: this.values(t, state.testRunDurationMs),
      };
      if (t.thresholds.length > 0) {
        entry.thresholds = {};
        for (const th of t.thresholds) entry.thresholds[th.spec.source] = { ok: th.ok };
      }
      metrics[t.name] = entry;
    }
    const data: SummaryData = {
      root_group: this.groups.toSummary(),
      options: {
        summaryTrendStats: this.trendStats.map((s) => s.name),
        summaryTimeUnit: state.summaryTimeUnit ?? '',
        noColor: state.noColor,
      },
      state: {
        isStdOutTTY: state.isStdOutTTY,
        isStdErrTTY: state.isStdErrTTY,
        testRunDurationMs: state.testRunDurationMs,
      },
      metrics,
    };
    // k6 always sets the key, undefined without setup data (grafana/k6 internal/js/summary.go,
    // summarizeMetricsToObject): `'setup_data' in data` is true, JSON.stringify leaves it out.
    data.setup_data = state.setupData;
    return data;
  }

  /**
   * The percentile of each trend threshold (`p(N)` as written, e.g. `p(99.9)`), for the THRESHOLDS
   * lines of the text summary: k6 computes them even when summaryTrendStats leaves them out
   * (grafana/k6 internal/output/summary/data.go, summaryThresholds).
   */
  thresholdPercentiles(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const { owner, state } of this.declared) {
      if (owner.type !== 'trend') continue;
      const written = /^p\((\d+(?:\.\d+)?)\)\s*[<>=]/.exec(state.spec.source.trim());
      if (!written || state.spec.expression.percentile === undefined) continue;
      out[owner.name] ??= {};
      out[owner.name][`p(${written[1]})`] = aggregate(owner.sink, state.spec.expression, 0) ?? 0;
    }
    return out;
  }

  /**
   * The metrics and sub-metrics seen so far (with samples, or with thresholds) as k6's REST API
   * shows them (api/v1/metric.go in grafana/k6): `sample` holds the sink's figures at
   * `elapsedMs` in k6's REST shape (counter count/rate, gauge value, rate rate, trend
   * min/max/avg/med/p(90)/p(95)); `tainted` is null without thresholds, else whether one failed at
   * the last evaluation.
   */
  observed(elapsedMs: number): ObservedMetric[] {
    return this.tracked.filter(isObserved).map((t) => ({
      name: t.name,
      type: t.type,
      contains: t.contains,
      tainted: t.thresholds.length === 0 ? null : t.thresholds.some((th) => !th.ok),
      sample: restSample(t.sink, elapsedMs),
    }));
  }

  /** How many metrics have a threshold that failed at the last evaluation (k6's "tainted"). */
  breachedCount(): number {
    return this.tracked.filter((t) => t.thresholds.some((th) => !th.ok)).length;
  }

  /** The group and check tree so far. */
  groupTree(): SummaryGroup {
    return this.groups.toSummary();
  }

  /** What an NDJSON Metric line announces for `name` (a metric, or a `name{tag:value}` sub-metric). */
  metricInfo(name: string): MetricInfo {
    const t = this.tracked.find((x) => x.name === name) ?? this.metric(name);
    const thresholds: ThresholdSource[] = t.thresholds.map(({ spec }) =>
      spec.abortOnFail
        ? {
            threshold: spec.source,
            abortOnFail: true,
            delayAbortEval: spec.delayAbortEval === null ? null : formatDuration(spec.delayAbortEvalMs),
          }
        : spec.source,
    );
    const subs = 'submetrics' in t ? (t as Metric).submetrics : [];
    return {
      name: t.name,
      type: t.type,
      contains: t.contains,
      thresholds,
      submetrics:
        subs.length > 0 ? subs.map((s) => ({ name: s.name, suffix: s.suffix, tags: { ...s.tags } })) : null,
    };
  }

  private values(t: Tracked, elapsedMs: number): SummaryValues {
    return this.sinkValues(t.sink, elapsedMs);
  }

  private sinkValues(sink: Sink, elapsedMs: number): SummaryValues {
    if (sink instanceof CounterSink) return { count: sink.count, rate: sink.rate(elapsedMs) };
    if (sink instanceof GaugeSink) return { value: sink.value, min: sink.min, max: sink.max };
    if (sink instanceof RateSink) return { rate: sink.rate, passes: sink.passes, fails: sink.fails };
    const values: SummaryValues = {};
    for (const stat of this.trendStats) values[stat.name] = stat.read(sink);
    return values;
  }

  private addThresholds(key: string, value: ThresholdsOption[string]): void {
    const parsed = parseThresholdKey(key);
    const info = this.registry.get(parsed.metric);
    if (!info) {
      throw new InvalidOptionsError(
        `The threshold "${key}" refers to the metric "${parsed.metric}", which does not exist. ` +
          `Check the spelling, or create the custom metric in init code (outside any function).`,
      );
    }
    const metric = this.metric(parsed.metric);
    const target = parsed.suffix === null ? metric : this.submetric(metric, parsed.suffix, parsed.tags);
    const sources = Array.isArray(value) ? value : [value];
    for (const source of sources) {
      const state = { spec: parseThresholdSource(source, key, info.type), ok: true };
      target.thresholds.push(state);
      this.declared.push({ owner: target, state });
    }
  }

  private metric(name: string): Metric {
    const known = this.metrics.get(name);
    if (known) return known;
    const info = this.registry.get(name);
    if (!info) {
      throw new Error(
        `A sample names the metric "${name}", which was never defined; define it in the registry first.`,
      );
    }
    const metric: Metric = {
      name,
      type: info.type,
      contains: info.contains,
      sink: newSink(info.type),
      thresholds: [],
      submetrics: [],
    };
    this.metrics.set(name, metric);
    this.tracked.push(metric);
    return metric;
  }

  private submetric(parent: Metric, suffix: string, tags: Record<string, string>): Submetric {
    // One sub-metric per tag set, named after the first key that asked for it, as k6's
    // AddSubmetric finds an existing one by its tags (grafana/k6 metrics/metric.go).
    const names = Object.keys(tags);
    const existing = parent.submetrics.find(
      (s) => s.tagNames.length === names.length && names.every((n) => s.tags[n] === tags[n]),
    );
    if (existing) return existing;
    const sub: Submetric = {
      name: `${parent.name}{${suffix}}`,
      type: parent.type,
      contains: parent.contains,
      sink: newSink(parent.type),
      thresholds: [],
      suffix,
      tags,
      tagNames: Object.keys(tags),
      tagValues: Object.values(tags),
    };
    parent.submetrics.push(sub);
    this.tracked.push(sub);
    return sub;
  }
}

export interface ObservedMetric {
  name: string;
  type: MetricType;
  contains: ValueType;
  tainted: boolean | null;
  sample: Record<string, number>;
}

function restSample(sink: Sink, elapsedMs: number): Record<string, number> {
  if (sink instanceof CounterSink) return { count: sink.count, rate: sink.rate(elapsedMs) };
  if (sink instanceof GaugeSink) return { value: sink.value };
  if (sink instanceof RateSink) return { rate: sink.rate };
  const empty = sink.samples === 0;
  return {
    avg: empty ? 0 : sink.avg,
    max: sink.max,
    med: empty ? 0 : sink.med,
    min: sink.min,
    'p(90)': empty ? 0 : sink.percentile(90),
    'p(95)': empty ? 0 : sink.percentile(95),
  };
}

/**
 * Whether k6 lists the metric (grafana/k6 internal/metrics/engine, markObserved): it has samples,
 * or thresholds, or it is the parent of a sub-metric with thresholds (`checks` is listed for a
 * `checks{check:x}` threshold even when no check ran).
 */
function isObserved(t: Tracked): boolean {
  if (t.sink.samples > 0 || t.thresholds.length > 0) return true;
  return 'submetrics' in t && (t as Metric).submetrics.some((s) => s.thresholds.length > 0);
}

/** A sample belongs to a sub-metric when it has every one of the sub-metric's tags with equal values. */
function matches(sub: Submetric, tags: Record<string, string>): boolean {
  const names = sub.tagNames;
  for (let i = 0; i < names.length; i++) {
    if (tags[names[i]] !== sub.tagValues[i]) return false;
  }
  return true;
}

/**
 * The number a threshold compares, read from the sink (the aggregation was checked at start), or
 * undefined when k6 has none: a rate metric without samples, a counter's rate at time 0.
 */
function aggregate(sink: Sink, expr: ThresholdExpression, elapsedMs: number): number | undefined {
  if (sink instanceof CounterSink) {
    if (expr.aggregation !== 'rate') return sink.count;
    return elapsedMs > 0 ? sink.rate(elapsedMs) : undefined;
  }
  if (sink instanceof GaugeSink) return sink.value;
  if (sink instanceof RateSink) return sink.samples > 0 ? sink.rate : undefined;
  if (expr.percentile !== undefined) return sink.percentile(expr.percentile);
  switch (expr.aggregation) {
    case 'avg':
      return sink.avg;
    case 'min':
      return sink.min;
    case 'max':
      return sink.max;
    default:
      return sink.med;
  }
}
