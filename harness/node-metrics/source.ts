// The port every node-metrics source sits behind. A source is one file exporting a MetricsSource
// and one line in sources.ts; the command line, the pipeline and the record know only this.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { NodeMetrics } from '../record/types.ts';
import type { CloudWatchOptions } from './cloudwatch-options.ts';
import type { LabelledProcess } from './process-tree.ts';

/** What a run knows that a source may need. */
export interface SourceContext {
  /** What is under test: a real Connect, or the local stand-in on this machine. */
  target: 'connect' | 'standin';
  /** Processes on this machine worth following (asked again at every sample: apps restart). */
  processes: () => LabelledProcess[];
  /** The --cw-* options, when any were given. */
  cloudWatch: CloudWatchOptions | null;
  /** Tests hand in a client; runs build one from the AWS default chain. */
  cloudWatchClient?: CloudWatchClient;
  /** Sampling interval of sources that sample (default 1000). */
  intervalMs?: number;
}

export interface NodeMetricsRecorder {
  /** Ends the recording and returns the series; never rejects, problems become warnings. */
  stop(): Promise<NodeMetrics>;
}

export interface MetricsSource {
  /** The value of --node-metrics, and NodeMetrics.source in the record. */
  name: string;
  /** One line for --help. */
  help: string;
  /** A sentence saying what is missing when the options cannot feed this source; null when they can. */
  unusable(ctx: Pick<SourceContext, 'cloudWatch'>): string | null;
  /** Whether this source is the one to use when --node-metrics is not given. */
  suits(ctx: Pick<SourceContext, 'target' | 'cloudWatch'>): boolean;
  /** One line for logs and the run's metadata; never includes credentials. */
  describe(ctx: SourceContext): string;
  start(ctx: SourceContext): NodeMetricsRecorder;
}
