// The run record: one folder per run, written by the harness, read by analysis, reports and the
// nightly job. These types are the only description of its files. They live here because they are
// what the reports render: reports/ takes a RunRecord and imports nothing from the harness, whose
// run-folder module (harness/record/) writes and reads these files and re-exports the types.
//
// Layout of a run folder (names are fixed; see harness/record/paths.ts):
//   run.json            RunMeta            what ran, against what, when, how it ended
//   summary.json        k6 --summary-export (legacy shape) as the engine wrote it
//   samples.ndjson.gz   k6 NDJSON samples (kept so `ingest`/`report` can be re-run)
//   timeseries.json     TimeSeries         per-second series built by ingest
//   publish.json        PublishCycle[]     one entry per publisher iteration
//   node-metrics.json   NodeMetrics        local sampler or CloudWatch
//   engine-health.ndjson EngineHealthLine  the embedded engine's own CPU and event-loop delay, per second
//   server-timings.json ServerTimings      server-side latency per second (stand-in proxy or ALB)
//   processes.json      ProcessSeries      Connect's running processes of the Flask content, per second
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
  /** parallelism: the number of k6-operator runners whose files were merged; runners: each
   *  one's share, from its own file. */
  engine: { name: EngineName; version: string; parallelism?: number; runners?: RunnerShare[] };
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
  /** The harness process that writes this record, so a reader can tell a record left
   *  "running" by a killed harness from a run still going. */
  writer?: { pid: number; host: string };
}

/** One k6-operator runner of a distributed run: its pod, how it ended and its share of the load. */
export interface RunnerShare {
  pod: string;
  /** The instance_id tag k6-operator puts on its samples (1-based), when they carry one. */
  instance: number | null;
  exitCode: number | null;
  /** Set when the runner ended with an error before the run's end: what ended it and when. */
  lost?: string;
  /** http_reqs in its file. */
  requests: number;
  /** Its requests over the seconds it sent them in; null without requests. */
  reqPerSec: number | null;
  /** Most VUs it ran at once (its vus gauge). */
  maxVus: number;
  /** Scenarios its requests came from. */
  scenarios: string[];
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
  /** Added by the harness ingest: sentences on what was counted together or skipped (tag values beyond a limit, invalid values). */
  notes?: string[];
  /** Added by the harness ingest: samples skipped because their value is not a finite number ≥ 0. */
  invalidValues?: number;
}

/** One second of the embedded engine's own health: the line engine/health.ts writes, as it defines it. */
export type { EngineHealthLine } from '../engine/health.ts';

/** Server-side time per request, per second: what the server (not the network or the generator) took. */
export interface ServerTimings {
  /** `standin-proxy` (upstream time measured by the stand-in's proxy) or `alb` (CloudWatch TargetResponseTime). */
  source: 'standin-proxy' | 'alb';
  /** One sentence on what was measured. */
  description: string;
  /** Epoch seconds; sum and count of the times in ms; p95 when the source gives it. */
  points: Array<{ t: number; count: number; sumMs: number; p95Ms: number | null }>;
  /** Seconds per point (1 for the stand-in, 60 for CloudWatch). */
  periodSeconds: number;
}

/**
 * The processes Connect ran for the fetchers' Flask content, polled once a second from
 * `GET /v1/content/{guid}/jobs` during the load (active app jobs: status 0, no end_time, a
 * `run_*` tag such as `run_python_api`).
 */
export interface ProcessSeries {
  contentGuid: string;
  /** The content's max_processes and min_processes; null = not set (the server default applies). */
  limits: { maxProcesses: number | null; minProcesses: number | null } | null;
  /** Seconds per point: 1, doubled whenever a long run would hold more than `maxPoints` points. */
  stepSeconds: number;
  /** Epoch seconds (bucket start); active app processes: mean and max over the polls in the bucket. */
  points: Array<{ t: number; active: number; max: number }>;
  /** Distinct processes (`host:pid`) and hosts seen active, at most 1000 and 100. */
  processes: string[];
  hosts: string[];
  /** Answered polls. */
  polls: number;
  /** Set when polling never started or stopped early: one sentence saying why. */
  stopped: string | null;
}

/** Figures of the process series over the measured window (steady window, or the saturation level). */
export interface ProcessFigures {
  from: number;
  to: number;
  meanActive: number;
  maxActive: number;
  /** The content's max_processes; null when not set or unknown. */
  maxProcesses: number | null;
  /** One sentence, e.g. "Connect ran 3 of 3 allowed Flask processes (max_processes 3) ...". */
  note: string;
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
  /** The node-metrics source's name (local, cloudwatch, none, …). */
  source: string;
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
  /** Universal Scalability Law fitted to the levels (at least three levels with throughput). */
  usl?: UslFit;
}

/**
 * X(N) = λN / (1 + σ(N−1) + κN(N−1)): σ contention, κ coherency (crosstalk), λ throughput of one
 * VU. N* = √((1−σ)/κ) is where throughput peaks.
 */
export interface UslFit {
  sigma: number;
  kappa: number;
  lambda: number;
  /** Coefficient of determination of the fit on the measured levels (1 = perfect). */
  r2: number;
  /** N*; null when κ is 0 (no peak: throughput only flattens). */
  peakVus: number | null;
  /** X(N*), or the asymptote λ/σ when there is no peak. */
  peakRps: number;
  /** N* rounded and bounded by the measured levels: what `--vus auto` takes when the fit is good. */
  boundedVus: number;
  /** Good enough to act on: r2 ≥ 0.9, at least 4 levels, N* within 2× the highest level measured. */
  good: boolean;
  /** One sentence on the fit and how far to trust it. */
  note: string;
  levels: number;
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
  /** Requests counted in the window, and of those the ones that got an HTTP answer (status ≠ 0). */
  requests?: number;
  answered?: number;
  /** Requests still waiting at the end of the window (the target stopped answering), counted
   *  in `requests` and as failed in `errorRate`, as k6 counts a request timeout. */
  unanswered?: number;
  /** Server-side average (and p95) time per request over the window, ms; see serverSource. */
  serverAvgMs?: number | null;
  serverP95Ms?: number | null;
  /** What the server figures are: the stand-in proxy's upstream time, or the ALB's TargetResponseTime. */
  serverSource?: string;
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
  /** The aggregated value compared (from the NDJSON evaluation; the summary export does not give it). */
  measured?: number | null;
  abortOnFail?: boolean;
  /** `summary` (k6's --summary-export) or `ndjson` (evaluated on the ingested samples). */
  source?: 'summary' | 'ndjson';
}

/** Was the load generator, rather than the target, the limit? */
export interface GeneratorHealth {
  verdict: 'ok' | 'limited' | 'unknown';
  /** Sentences, one per finding (limits crossed, or why it looks fine / cannot be told). */
  reasons: string[];
  figures: {
    /** Engine process CPU over the steady window, % of one core (mean and p95 of per-second values). */
    engineCpuPercent: number | null;
    engineCpuP95Percent: number | null;
    /** CPUs the engine may use. */
    cpus: number | null;
    /** Event-loop delay p99 over the window (max of per-second p99s, and their median), ms. */
    eventLoopP99MaxMs: number | null;
    eventLoopP99MedianMs: number | null;
    /** Machine CPU % (all cores) when generator and target share the machine. */
    machineCpuPercent: number | null;
    droppedIterations: number | null;
    /** Little's law: VUs ≈ req/s × mean time per request (no think time), so busy = rps × avg / VUs. */
    vus: number | null;
    littleBusyFraction: number | null;
    /** Where the figures came from. */
    sources: string[];
  };
}

export interface Analysis {
  kind: RunKind;
  saturation?: Saturation;
  steady?: SteadyWindow;
  verdict: BaselineVerdict | null;
  thresholds: ThresholdResult[];
  checks: Array<{ name: string; passes: number; fails: number }>;
  /** Set when the run measured nothing usable: the sentence saying what is missing. Such a run fails. */
  problem?: string;
  generator?: GeneratorHealth;
  /** Connect's processes of the Flask content over the measured window (processes.json). */
  processes?: ProcessFigures;
  /** Seconds of the measured window in which fetch VUs ran and no request completed. */
  stalls?: Stall[];
}

/** A run of seconds with fetch VUs running and not one fetch request completed. */
export interface Stall {
  /** Epoch seconds, inclusive. */
  from: number;
  to: number;
  seconds: number;
  /** Fetch VUs running (each had a request waiting). */
  vus: number;
  /** target: the engine ran and got no answer; generator: the engine process did not run;
   *  unknown: no engine health lines to tell. */
  cause: 'target' | 'generator' | 'unknown';
  /** The stall lasted to the end of the window: its requests were never answered. */
  untilEnd: boolean;
  /** One sentence saying what happened and when. */
  note?: string;
}

/** fixtures/baseline.json: its type lives with the file's reader. */
export type { Baseline } from '../fixtures/baseline.ts';

/** k6 `--summary-export` (legacy shape): values flattened, rate → value, thresholds true = FAILED. */
export interface SummaryExport {
  metrics: Record<string, SummaryExportMetric>;
  root_group?: SummaryExportGroup;
}

/** Statistic name → value (`count`, `rate`, `value`, `avg`, `p(95)`...), plus the thresholds. */
export interface SummaryExportMetric {
  [stat: string]: number | Record<string, boolean> | undefined;
  thresholds?: Record<string, boolean>;
}

export interface SummaryExportGroup {
  name: string;
  path: string;
  groups?: Record<string, SummaryExportGroup>;
  checks?: Record<string, { name: string; path: string; passes: number; fails: number }>;
}

/** A run folder as read back: run.json plus whichever other files are there and sound. */
export interface RunRecord {
  dir: string;
  meta: RunMeta;
  summary?: SummaryExport;
  timeseries?: TimeSeries;
  publish?: PublishCycle[];
  nodeMetrics?: NodeMetrics;
  analysis?: Analysis;
  /** Server-side timings (the stand-in's proxy); optional, so not named when absent. */
  serverTimings?: ServerTimings;
  /** Connect's processes of the Flask content; optional (older runs have none), so not named when absent. */
  processes?: ProcessSeries;
  /** Sentences about record files that are missing or unreadable (an interrupted or failed run
   *  still has a record; reports name what they cannot show). */
  missing: string[];
}

/** regression.json (nightly): today's figures against the history of comparable runs. */
export interface FigureVerdict {
  figure: 'rps' | 'avgMs' | 'p95Ms' | 'errorRate';
  label: string;
  today: number;
  median: number;
  /** Robust standard deviation of the history (1.4826 × MAD). */
  sigma: number;
  /** How far the figure may move the bad way before it is a regression (absolute units). */
  allowed: number;
  /** Relative change against the median (+ = higher). Null when the median is 0. */
  change: number | null;
  regressed: boolean;
  sentence: string;
}

export interface RegressionReport {
  comparableRuns: number;
  enoughHistory: boolean;
  regressed: boolean;
  figures: FigureVerdict[];
  method: string;
}
