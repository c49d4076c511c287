// Every node-metrics source, in the order the default is chosen (the first that suits the run).
// A new source is one file and one line here.
import { cloudWatchSource } from './cloudwatch-source.ts';
import { localSource } from './local-source.ts';
import { noneSource } from './none-source.ts';
import type { MetricsSource, SourceContext } from './source.ts';

export const metricsSources: readonly MetricsSource[] = [localSource, cloudWatchSource, noneSource];

export function findSource(name: string): MetricsSource | undefined {
  return metricsSources.find((s) => s.name === name);
}

/** The source named by --node-metrics, or the first that suits the run when none was named. */
export function chooseSource(
  name: string | undefined,
  ctx: Pick<SourceContext, 'target' | 'cloudWatch'>,
): MetricsSource {
  const named = name === undefined ? undefined : findSource(name);
  if (named) return named;
  return metricsSources.find((s) => s.suits(ctx)) ?? metricsSources[metricsSources.length - 1];
}
