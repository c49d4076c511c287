// Every node-metrics source, in the order the default is chosen (the first that suits the run).
// A new source is one file and one line here.
import { cloudWatchSource } from './cloudwatch-source.ts';
import { localSource } from './local-source.ts';
import { noneSource } from './none-source.ts';
import { prometheusSource } from './prometheus-source.ts';
import type { MetricsSource, SourceArgs, SourceContext, SourceOption, SourceOptions } from './source.ts';

export const metricsSources: readonly MetricsSource[] = [
  prometheusSource,
  localSource,
  cloudWatchSource,
  noneSource,
];

export function findSource(name: string): MetricsSource | undefined {
  return metricsSources.find((s) => s.name === name);
}

/** The source named by --node-metrics, or the first that suits the run when none was named. */
export function chooseSource(
  name: string | undefined,
  ctx: Pick<SourceContext, 'target' | 'options'>,
): MetricsSource {
  const named = name === undefined ? undefined : findSource(name);
  if (named) return named;
  return metricsSources.find((s) => s.suits(ctx)) ?? metricsSources[metricsSources.length - 1];
}

/** Every source's own options, for the command-line parser. */
export function sourceOptionSpec(): Record<string, SourceOption> {
  return Object.assign({}, ...metricsSources.map((s) => s.options ?? {}));
}

/** Every source's option help, in source order. */
export function sourceOptionsHelp(): string[] {
  return metricsSources.flatMap((s) => s.optionsHelp ?? []);
}

/** Each source's parsed options (sources whose options were not given are left out); throws the
 *  first source's sentence when an option is wrong. */
export function sourceOptionsFromArgs(
  args: SourceArgs,
  env: Record<string, string | undefined> = process.env,
): SourceOptions {
  const out: SourceOptions = {};
  for (const s of metricsSources) {
    const parsed = s.parseOptions?.(args, env);
    if (parsed !== null && parsed !== undefined) out[s.name] = parsed;
  }
  return out;
}
