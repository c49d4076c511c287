// What every `--out` output is: it gets the samples in batches and is closed at the end.
import type { MetricInfo, Sample } from '../metrics/types.ts';

export interface Output {
  add(batch: Sample[]): void;
  /** Writes what is left; rejects when the output could not be written completely. */
  close(): Promise<void>;
}

export interface OutputDeps {
  /** The metric's type and thresholds (for outputs that announce metrics, like json). */
  metricInfo(name: string): MetricInfo;
}

export interface OutputType {
  /** How to write it, for the error that lists the supported outputs. */
  usage: string;
  /** Opens `target` (the text after `=`; "" when none); rejects with a sentence when it cannot. */
  open(target: string, deps: OutputDeps): Promise<Output>;
}
