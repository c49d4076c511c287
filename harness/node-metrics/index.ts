// Node metrics: one port (source.ts), several sources (sources.ts). A run starts a recorder
// before the load and stops it after; every source answers with the same NodeMetrics.
export { createCloudWatchClient, fetchCloudWatchMetrics } from './cloudwatch.ts';
export { type CloudWatchOptions, cloudWatchHelp, cloudWatchOptionsFromArgs } from './cloudwatch-options.ts';
export { type LocalSampler, type LocalSamplerOptions, startLocalSampler } from './local.ts';
export type { LabelledProcess } from './process-tree.ts';
export type {
  MetricsSource,
  NodeMetricsRecorder,
  SourceArgs,
  SourceContext,
  SourceOptions,
} from './source.ts';
export {
  chooseSource,
  findSource,
  metricsSources,
  sourceOptionSpec,
  sourceOptionsFromArgs,
  sourceOptionsHelp,
} from './sources.ts';
