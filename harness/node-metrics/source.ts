// The port every node-metrics source sits behind. A source is one file exporting a MetricsSource
// (its options, their help and parsing included) and one line in sources.ts; the command line, the
// pipeline, the report command and the record know only this.
import type { NodeMetrics } from '../record/types.ts';
import type { LabelledProcess } from './process-tree.ts';

/** The command-line values a source reads (keys without the dashes, as `util.parseArgs` gives them). */
export type SourceArgs = Record<string, string | string[] | boolean | undefined>;

/** Each source's parsed options by source name; a source whose options were not given is absent. */
export type SourceOptions = Record<string, unknown>;

/** What a run knows that a source may need. */
export interface SourceContext {
  /** What is under test: a real Connect, or the local stand-in on this machine. */
  target: 'connect' | 'standin';
  /** Processes on this machine worth following (asked again at every sample: apps restart). */
  processes: () => LabelledProcess[];
  /** What each source's own options said (see MetricsSource.parseOptions). */
  options: SourceOptions;
  /** Tests hand in a client by source name (a CloudWatch client for `cloudwatch`); runs build their own. */
  clients?: Record<string, unknown>;
  /** Sampling interval of sources that sample (default 1000). */
  intervalMs?: number;
}

export interface NodeMetricsRecorder {
  /** Ends the recording and returns the series; never rejects, problems become warnings. */
  stop(): Promise<NodeMetrics>;
}

/** One command-line option of a source, as `util.parseArgs` takes it. */
export interface SourceOption {
  type: 'string' | 'boolean';
  multiple?: boolean;
}

export interface MetricsSource {
  /** The value of --node-metrics, and NodeMetrics.source in the record. */
  name: string;
  /** How messages name it, e.g. `CloudWatch` (default: the name). */
  title?: string;
  /** One line for --help. */
  help: string;
  /** The source's own command-line options (names without the dashes), e.g. `cw-cluster`. */
  options?: Record<string, SourceOption>;
  /** Help lines for those options, shown by `run --help` and `report --help`. */
  optionsHelp?: string[];
  /**
   * Reads the source's options: null when none of them was given; throws an Error whose message
   * is the one sentence to show when one is wrong. `env` is where credentials and defaults come from.
   */
  parseOptions?(args: SourceArgs, env: Record<string, string | undefined>): unknown;
  /** A sentence saying what is missing when the options cannot feed this source; null when they can. */
  unusable(ctx: Pick<SourceContext, 'options'>): string | null;
  /** Whether this source is the one to use when --node-metrics is not given. */
  suits(ctx: Pick<SourceContext, 'target' | 'options'>): boolean;
  /** One line for logs and the run's metadata; never includes credentials. */
  describe(ctx: SourceContext): string;
  start(ctx: SourceContext): NodeMetricsRecorder;
  /** Fetches a past window again (`npm run report -- <run> --<its options>`), for sources that can. */
  refetch?(options: unknown, window: { start: Date; end: Date }): Promise<NodeMetrics>;
}
