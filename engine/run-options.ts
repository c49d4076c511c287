// What a caller of the engine gives (RunOptions) and gets back (RunResult).
import type { Writable } from 'node:stream';
import type { ThresholdResult } from './metrics/engine.ts';
import type { Sample, SummaryData } from './metrics/types.ts';
import type { OptionOverrides } from './options.ts';
import type { Progress } from './progress.ts';
import type { RunSettings } from './run-settings.ts';

export type { StopMode } from './executors/scenario-run.ts';

import type { StopMode } from './executors/scenario-run.ts';

export interface RunOptions extends OptionOverrides, RunSettings {
  /** Path of the script (an ES module, e.g. an esbuild bundle). */
  script: string;
  /** `-e K=V` values for `__ENV`. */
  env?: Record<string, string>;
  /** `--out` values, e.g. `json=FILE` (`.gz`, `-` for stdout). */
  out?: string[];
  /** Where outputs read their K6_PROMETHEUS_RW_* / K6_INFLUXDB_* settings (default: process.env, as k6). */
  outputEnv?: Record<string, string | undefined>;
  summaryExport?: string;
  quiet?: boolean;
  noColor?: boolean;
  /** `console.debug` lines are printed only with --verbose, as in k6. */
  verbose?: boolean;
  /**
   * Synchronous VUs: each VU's code runs in its own worker thread that blocks on its calls, as k6's
   * synchronous style needs. Unset: on when a function the VUs run is not async and the scenarios
   * need at most MAX_SYNC_VUS VUs. true: always (refused above the limit). false: never.
   */
  syncVus?: boolean;
  /** Put the process environment into `__ENV` (the CLI does, like `k6 run`; the library does not by default). */
  includeSystemEnvVars?: boolean;
  /** --no-thresholds: thresholds are neither evaluated nor shown, and never fail the test. */
  noThresholds?: boolean;
  /** --summary-mode: 'disabled' (or --no-summary) skips the summary, handleSummary() and --summary-export. */
  summaryMode?: 'compact' | 'full' | 'legacy' | 'disabled';
  /** --console-output: console.* lines go to this file instead of the log. */
  consoleOutput?: string;
  /** --log-output: where log lines go (default stderr); `file` keeps lines at `level` or above. */
  logOutput?: 'stderr' | 'stdout' | 'none' | { file: string; level: string };
  /** --log-format: k6's default logfmt-style text, json, or the bare message. */
  logFormat?: 'text' | 'json' | 'raw';
  /**
   * k6's REST API (`-a/--address host:port`, e.g. 127.0.0.1:6565; port 0 picks a free one): served
   * while the test runs, as k6 ≥ 2.0 serves it only when an address is given. When it cannot listen
   * the test fails with exit 106 (k6's CannotStartRESTAPI), unless `addressFromEnv` (K6_ADDRESS,
   * as k6 only warns then).
   */
  address?: string;
  addressFromEnv?: boolean;
  /** Told the REST API's address once it listens (e.g. for port 0). */
  onRestApi?: (address: string) => void;
  /** Feature flag names k6 does not know (--features, K6_FEATURES, the config file): logged as k6 logs them. */
  unknownFeatures?: { names: string[]; source: 'cli' | 'env' | 'json' };
  /** `inspect`: load the script, print its merged options as JSON and stop. */
  inspect?: boolean;
  onSamples?: (samples: Sample[]) => void;
  onProgress?: (progress: Progress) => void;
  /** Aborting it stops the test like a first Ctrl+C (graceful); `stop('hard')` on the handle stops at once. */
  signal?: AbortSignal;
  /** Aborting it stops the test at once, like a second Ctrl+C (for callers without the handle). */
  hardStopSignal?: AbortSignal;
  stdout?: Writable;
  stderr?: Writable;
}

export interface RunResult {
  exitCode: number;
  /** handleSummary's data; null when the test never started (bad script or options). */
  summary: SummaryData | null;
  thresholds: ThresholdResult[];
  /** The test was stopped before its planned end (signal, test.abort(), abortOnFail, a timeout). */
  interrupted: boolean;
}

export interface TestHandle {
  stop(mode?: StopMode): void;
  readonly result: Promise<RunResult>;
}
