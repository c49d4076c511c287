// The run record: one folder per run, written by the harness, read by analysis, reports and the
// nightly job. These types are the only description of its files; every stage imports them.
//
// Layout of a run folder (names are fixed; see harness/record/paths.ts):
//   run.json            RunMeta            what ran, against what, when, how it ended
//   summary.json        k6 --summary-export (legacy shape) as the engine wrote it
//   samples.ndjson.gz   k6 NDJSON samples (kept so `ingest`/`report` can be re-run)
//   timeseries.json     TimeSeries         per-second series built by ingest
//   publish.json        PublishCycle[]     one entry per publisher iteration
//   node-metrics.json   NodeMetrics        local sampler or CloudWatch
//   analysis.json       Analysis           saturation / steady window / verdicts
//   report.html, summary.md, junit.xml     the reports

export type RunKind = 'scalability' | 'load-soak';
export type Profile = 'reference' | 'local' | 'smoke';
export type EngineName = 'k6' | 'node' | 'k6-operator';

export interface RunMeta {
  /** Folder name, e.g. `2026-11-27T08-00-00Z-load-soak`. */
  id: string;
  kind: RunKind;
  profile: Profile;
  /** The command line as typed, with secrets removed. */
  command: string;
  /** Connect URL without credentials, or the stand-in's URL. */
  target: { url: string; kind: 'connect' | 'standin'; comparableToBaseline: boolean; version?: string };
  /** parallelism: the number of k6-operator runners whose files were merged. */
  engine: { name: EngineName; version: string; parallelism?: number };
  gitRevision: string | null;
  options: Record<string, unknown>;
  /** ISO 8601 times. */
  startedAt: string;
  endedAt: string | null;
  status: 'running' | 'completed' | 'interrupted' | 'failed';
  /** k6-style exit code of the engine (0, 99, 107, 108...), null while running. */
  engineExitCode: number | null;
  /** Message for a failed or interrupted run. */
  message?: string;
}

/** Aggregates of one second (or one downsampled bucket) of HTTP samples. */
export interface SeriesPoint {
  /** Bucket start, epoch seconds. */
  t: number;
  /** http_reqs in the bucket. */
  reqs: number;
  /** Requests with http_req_failed = 1. */
  failed: number;
  /** http_req_duration statistics in ms; null when the bucket has no requests. */
  avg: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface TimeSeries {
  /** Epoch seconds of the first and last bucket. */
  start: number;
  end: number;
  stepSeconds: number;
  total: SeriesPoint[];
  /** Keyed by the `scenario` tag. */
  byScenario: Record<string, SeriesPoint[]>;
  /** Keyed by the `name` tag (the request name). */
  byName: Record<string, SeriesPoint[]>;
  /** One entry per bucket: vus and vus_max gauges (last value), data rates in bytes/s. */
  vus: Array<{ t: number; vus: number; vusMax: number }>;
  data: Array<{ t: number; sentPerSec: number; receivedPerSec: number }>;
  /** Count of failed requests per bucket, by `status` and by `error_code` tag. */
  errorsByStatus: Record<string, Array<{ t: number; count: number }>>;
  errorsByCode: Record<string, Array<{ t: number; count: number }>>;
  /** Whole-run per request name: count, failed, avg/p50/p90/p95/p99/max, req/s. */
  endpoints: EndpointStats[];
  /** Lines that could not be parsed, per input file. */
  malformedLines: number;
  inputs: string[];
  /** Added by the harness ingest: the first malformed lines (input file, 1-based line, text cut to 200 chars). */
  malformedExamples?: Array<{ input: string; line: number; text: string }>;
  /** Added by the harness ingest: lines read from all inputs. */
  lines?: number;
  /** Added by the harness ingest: samples that came after their second had been written out. */
  lateSamples?: number;
  /** Added by the harness ingest: how latency percentiles were computed and their error bound. */
  latencyPrecision?: string;
  /**
   * Added by the harness ingest: per scenario, one HDR latency histogram per bucket (µs, 3
   * significant digits, compressed base64 as hdr-histogram-js encodes it), so that analysis can
   * take percentiles over any window exactly to the histogram's bound.
   */
  histograms?: Record<string, Array<{ t: number; h: string }>>;
}

export interface EndpointStats {
  name: string;
  scenario: string;
  method: string;
  count: number;
  failed: number;
  rps: number;
  avg: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface PublishStep {
  /** create | upload | deploy | wait | check (the publisher's steps). */
  name: string;
  durationMs: number;
  ok: boolean;
}

export interface PublishCycle {
  /** Epoch ms when the cycle started. */
  start: number;
  durationMs: number;
  ok: boolean;
  steps: PublishStep[];
  error?: string;
}

export interface NodeSeries {
  /** e.g. `cpu_percent`, `mem_used_bytes`, `net_rx_bytes_per_s`, `load1`, `proc_cpu_percent`. */
  metric: string;
  /** Human label, e.g. `node ip-10-0-1-5 CPU %` or `gunicorn (flask-stock-api) RSS`. */
  label: string;
  unit: 'percent' | 'bytes' | 'bytes/s' | 'count' | 'seconds' | 'none';
  /** Epoch seconds and values; null = a gap (no data for that time). */
  points: Array<{ t: number; v: number | null }>;
}

export interface NodeMetrics {
  source: 'local' | 'cloudwatch' | 'none';
  periodSeconds: number;
  series: NodeSeries[];
  /** Problems that did not stop the run (missing metrics, access denied...). */
  warnings: string[];
}

export interface LevelStats {
  vus: number;
  /** Window used at this level, epoch seconds. */
  from: number;
  to: number;
  rps: number;
  avgMs: number;
  p95Ms: number;
  errorRate: number;
}

export interface Saturation {
  method: string;
  levels: LevelStats[];
  peakRps: number;
  /** Smallest level reaching >= threshold of the peak throughput. */
  saturationVus: number | null;
  thresholdFraction: number;
  /** Added by the harness: false when throughput was still rising at the highest level. */
  saturated?: boolean;
  /** Added by the harness: one sentence on the result ("not saturated: ...", "single level ..."). */
  note?: string;
  /** Added by the harness: the scenario whose requests were counted (e.g. `fetchers`). */
  scenario?: string;
}

export interface SteadyWindow {
  from: number;
  to: number;
  excludedRampSeconds: number;
  rps: number;
  avgMs: number;
  p95Ms: number;
  p99Ms: number;
  errorRate: number;
  publishCycles: { completed: number; failed: number; avgMs: number | null; p95Ms: number | null };
  /** Added by the harness: what the window covers and which requests were counted. */
  method?: string;
}

export interface VerdictCheck {
  /** `throughput`, `latency_avg`, `error_rate`. */
  name: string;
  measured: number;
  baseline: number;
  limit: number;
  comparison: '>=' | '<=';
  ok: boolean;
  description: string;
}

export interface BaselineVerdict {
  ok: boolean;
  comparable: boolean;
  note: string;
  checks: VerdictCheck[];
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
}

export interface Analysis {
  kind: RunKind;
  saturation?: Saturation;
  steady?: SteadyWindow;
  verdict: BaselineVerdict | null;
  thresholds: ThresholdResult[];
  checks: Array<{ name: string; passes: number; fails: number }>;
}

/** fixtures/baseline.json */
export interface Baseline {
  source: { title: string; url: string; retrieved: string };
  architecture: string;
  rps: number;
  avgLatencyMs: number;
  vus: number;
  errorRate: number;
  durationMinutes: number;
  tolerances: { minRpsFraction: number; maxLatencyFraction: number; maxErrorRate: number };
}
