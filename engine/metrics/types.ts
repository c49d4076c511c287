// The data the embedded engine's runtime hands to its metrics side, and the shapes k6 writes.
// Everything that produces or consumes samples imports these types (runtime, outputs, summary,
// harness live stream), so the format is described once: k6's documented metric and sample shapes.

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type ValueType = 'default' | 'time' | 'data';

/** One measured value, as k6 emits it (one NDJSON Point line). */
export interface Sample {
  metric: string;
  /** Epoch milliseconds (fractional allowed); written as RFC3339 with nanoseconds in NDJSON. */
  time: number;
  value: number;
  /** Indexable tags: string → string, `{}` when none. */
  tags: Record<string, string>;
  /** Non-indexable values (vu, iter when enabled, user metadata); left out when empty. */
  metadata?: Record<string, string>;
}

/** A threshold as the user wrote it: a string, or k6's object form. */
export type ThresholdSource =
  | string
  | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string | null };

/** `options.thresholds`: metric name (optionally `name{tag:value,...}`) → list of thresholds. */
export type ThresholdsOption = Record<string, ThresholdSource[] | ThresholdSource>;

/** A metric as announced in an NDJSON Metric line. */
export interface MetricInfo {
  name: string;
  type: MetricType;
  contains: ValueType;
  thresholds: ThresholdSource[];
  submetrics: Array<{ name: string; suffix: string; tags: Record<string, string> }> | null;
}

/** Values of one metric in the handleSummary data object (k6's legacy-shaped default). */
export type SummaryValues = Record<string, number>;

export interface SummaryMetric {
  type: MetricType;
  contains: ValueType;
  values: SummaryValues;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryCheck {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

export interface SummaryGroup {
  name: string;
  path: string;
  id: string;
  groups: SummaryGroup[];
  checks: SummaryCheck[];
}

/** The `data` argument of handleSummary (k6 ≤ 2.2 default shape). */
export interface SummaryData {
  root_group: SummaryGroup;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, SummaryMetric>;
  setup_data?: unknown;
}
