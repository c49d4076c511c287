// What every `--out` output is: it gets the samples in batches and is closed at the end.
import type { MetricInfo, Sample } from '../metrics/types.ts';

export interface Output {
  add(batch: Sample[]): void;
  /**
   * Writes what is left. A file output rejects when the file could not be written completely (the
   * engine then exits with EXIT.outputFailed); a remote output never rejects: its failures were
   * logged while the test ran and are summed up in one log line here, as k6 does.
   */
  close(): Promise<void>;
}

export interface OutputDeps {
  /** The metric's type and thresholds (for outputs that announce metrics, like json). */
  metricInfo(name: string): MetricInfo;
  /** The environment the outputs read their K6_* settings from (the process's, for the CLI). */
  env: Record<string, string | undefined>;
  /**
   * The test's system tags (options.systemTags, --system-tags, or k6's default set). Outputs that
   * give tags columns (csv) need them before the first sample.
   */
  systemTags: readonly string[];
  /** A line in the engine's log (never with credentials). */
  log(level: 'info' | 'warning' | 'error', text: string): void;
}

export interface OutputType {
  /** How to write it, for the error that lists the supported outputs. */
  usage: string;
  /** Opens `target` (the text after `=`; "" when none); rejects with a sentence when it cannot. */
  open(target: string, deps: OutputDeps): Promise<Output>;
}
