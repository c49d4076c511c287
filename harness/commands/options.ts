// Command-line options of the harness commands, checked up front: a mistake is one sentence at
// the prompt (exit 2), never a stack trace or a half-started run.
import { parseArgs } from 'node:util';
import { parseDuration } from '../../scenarios/lib/durations.ts';
import {
  checkNamespace,
  DEFAULT_IMAGE,
  DEFAULT_STORAGE_SIZE,
  type K6OperatorSettings,
} from '../k6-operator/index.ts';
import {
  findSource,
  metricsSources,
  type SourceArgs,
  type SourceOptions,
  sourceOptionSpec,
  sourceOptionsFromArgs,
} from '../node-metrics/index.ts';
import { checkK6Out } from '../pipeline/k6-out.ts';
import {
  type EngineChoice,
  type IngestCommandOptions,
  MAX_RUN_SECONDS,
  type NodeMetricsChoice,
  type RunCommandOptions,
} from '../pipeline/options.ts';
import { defaultOutDir } from '../record/paths.ts';
import type { Profile, RunKind } from '../record/types.ts';

export type { EngineChoice, IngestCommandOptions, NodeMetricsChoice, RunCommandOptions };

export class UsageError extends Error {
  override name = 'UsageError';
}

const PROFILES: Profile[] = ['reference', 'local', 'smoke'];
const ENGINES: EngineChoice[] = ['auto', 'k6', 'node', 'k6-operator'];
const NODE_METRICS: NodeMetricsChoice[] = metricsSources.map((s) => s.name);

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(args: string[], options: OptionSpec, command: string): Parsed {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${message}. Run \`${command} --help\` for the options.`);
  }
}

export function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${value}'.`);
  }
  return value as T;
}

/** A --vus number: a whole number of VUs the engines accept. */
export function vusNumber(text: string, orAuto = false): number {
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 100000) return Number(text);
  throw new UsageError(
    `--vus must be a whole number of virtual users from 1 to 100000${orAuto ? " or 'auto'" : ''}, got '${text}'.`,
  );
}

/** A --duration a run may have: k6's syntax, at least 1 s, at most a week. */
export function checkedDuration(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let seconds: number;
  try {
    seconds = parseDuration(text, '--duration');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (seconds > MAX_RUN_SECONDS) {
    throw new UsageError(
      `--duration ${text} is longer than a run may last (${MAX_RUN_SECONDS / 3600}h, a week); give a shorter hold.`,
    );
  }
  return text;
}

export function parseRunOptions(kind: RunKind, args: string[]): RunCommandOptions | 'help' {
  const { values, positionals } = parse(
    args,
    {
      engine: { type: 'string' },
      profile: { type: 'string' },
      vus: { type: 'string' },
      duration: { type: 'string' },
      out: { type: 'string' },
      baseline: { type: 'string' },
      'fail-on-baseline': { type: 'boolean' },
      'flask-content': { type: 'string' },
      'publish-fixtures': { type: 'boolean' },
      'node-metrics': { type: 'string' },
      'k6-env': { type: 'string', multiple: true },
      'k6-out': { type: 'string', multiple: true },
      ...K6_OPERATOR_OPTIONS,
      ...sourceOptionSpec(),
    },
    `npm run ${kind} --`,
  );
  if (values.help) return 'help';
  if (positionals.length) {
    throw new UsageError(
      `${kind} takes no arguments, got '${positionals.join(' ')}'. Run \`npm run ${kind} -- --help\` for the options.`,
    );
  }
  // An empty value counts as not given (CI passes `--flask-content ""` when a variable is unset).
  const str = (name: string) => (values[name] as string | undefined) || undefined;
  let vus: number | 'auto' | undefined;
  const vusText = str('vus');
  if (vusText !== undefined) {
    if (vusText === 'auto') {
      if (kind !== 'load-soak')
        throw new UsageError(
          '--vus auto is for load-soak (it reads the latest scalability run); give scalability a number.',
        );
      vus = 'auto';
    } else {
      vus = vusNumber(vusText, kind === 'load-soak');
    }
  }
  const duration = checkedDuration(str('duration'));
  if (str('flask-content') !== undefined && values['publish-fixtures']) {
    throw new UsageError(
      'Give either --flask-content (use existing content) or --publish-fixtures (publish and delete afterwards), not both.',
    );
  }
  const sourceOptions = sourceOptionsFrom(values);
  const nodeMetrics = oneOf('node-metrics', str('node-metrics'), NODE_METRICS);
  const unusable =
    nodeMetrics === undefined ? null : findSource(nodeMetrics)?.unusable({ options: sourceOptions });
  if (unusable) throw new UsageError(unusable);
  const k6Out = ((values['k6-out'] as string[] | undefined) ?? [])
    .filter((v) => v.trim() !== '')
    .map((v) => {
      try {
        return checkK6Out(v);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    });
  const engine = oneOf('engine', str('engine'), ENGINES) ?? 'auto';
  const k6Operator = k6OperatorFrom(values, str, engine === 'k6-operator');
  const k6Env = k6EnvNames(values['k6-env'] as string[] | undefined);
  return {
    k6Env,
    kind,
    engine,
    k6Operator,
    profile: oneOf('profile', str('profile'), PROFILES),
    vus,
    duration,
    outDir: str('out') ?? defaultOutDir,
    baselineFile: str('baseline'),
    failOnBaseline: values['fail-on-baseline'] === true,
    flaskContent: str('flask-content'),
    publishFixtures: values['publish-fixtures'] === true,
    nodeMetrics,
    sourceOptions,
    k6Out,
  };
}

/** --k6-env NAME (repeatable): a K6_* variable of this shell the engine gets; it gets no other. */
export function k6EnvNames(names: string[] | undefined): string[] {
  for (const name of names ?? []) {
    if (!/^K6_[A-Z0-9_]+$/.test(name)) {
      throw new UsageError(
        `--k6-env takes the name of a K6_* variable to pass on to the engine (e.g. --k6-env K6_HTTP_DEBUG), got '${name}'.`,
      );
    }
  }
  return names ?? [];
}

export const K6_OPERATOR_OPTIONS: OptionSpec = {
  parallelism: { type: 'string' },
  namespace: { type: 'string' },
  'kube-context': { type: 'string' },
  'storage-class': { type: 'string' },
  'storage-size': { type: 'string' },
  'k6-image': { type: 'string' },
  keep: { type: 'boolean' },
};

/** The k6-operator options; with another engine, giving one of them is a mistake. */
export function k6OperatorFrom(
  values: Parsed['values'],
  str: (name: string) => string | undefined,
  wanted: boolean,
): K6OperatorSettings | undefined {
  const given = Object.keys(K6_OPERATOR_OPTIONS).filter((name) => values[name] !== undefined);
  if (!wanted) {
    if (given.length) {
      throw new UsageError(
        `--${given[0]} is for --engine k6-operator (the load runs in a Kubernetes cluster).`,
      );
    }
    return undefined;
  }
  const parallelismText = str('parallelism');
  if (parallelismText === undefined) {
    throw new UsageError('--engine k6-operator needs --parallelism <n>: how many runners share the load.');
  }
  if (!/^\d+$/.test(parallelismText) || Number(parallelismText) < 1 || Number(parallelismText) > 1000) {
    throw new UsageError(`--parallelism must be a whole number from 1 to 1000, got '${parallelismText}'.`);
  }
  const namespace = str('namespace') ?? 'default';
  try {
    checkNamespace(namespace);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const storageSize = str('storage-size') ?? DEFAULT_STORAGE_SIZE;
  if (!/^\d+(Ki|Mi|Gi|Ti)$/.test(storageSize)) {
    throw new UsageError(`--storage-size must be a Kubernetes quantity such as 10Gi, got '${storageSize}'.`);
  }
  const storageClass = str('storage-class');
  if (storageClass !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(storageClass)) {
    throw new UsageError(`--storage-class must be a storage class name, got '${storageClass}'.`);
  }
  const image = str('k6-image') ?? DEFAULT_IMAGE;
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(image)) {
    throw new UsageError(`--k6-image must be a container image reference, got '${image}'.`);
  }
  return {
    parallelism: Number(parallelismText),
    namespace,
    kubeContext: str('kube-context'),
    storageClass,
    storageSize,
    image,
    keep: values.keep === true,
  };
}

export function parseIngestOptions(args: string[]): IngestCommandOptions | 'help' {
  const { values, positionals } = parse(
    args,
    {
      out: { type: 'string' },
      kind: { type: 'string' },
      summary: { type: 'string' },
      baseline: { type: 'string' },
    },
    'npm run ingest --',
  );
  if (values.help) return 'help';
  if (positionals.length === 0)
    throw new UsageError(
      'ingest needs one or more k6 NDJSON files (plain or .gz). Run `npm run ingest -- --help`.',
    );
  return {
    files: positionals,
    outDir: (values.out as string | undefined) ?? defaultOutDir,
    kind: oneOf('kind', values.kind as string | undefined, ['scalability', 'load-soak']) ?? 'load-soak',
    summary: values.summary as string | undefined,
    baselineFile: values.baseline as string | undefined,
  };
}

/** Each node-metrics source's options (--prom-*, --cw-*, …) from the parsed values. An empty
 *  value counts as not given, as for the other options. */
function sourceOptionsFrom(values: Parsed['values']): SourceOptions {
  const given: SourceArgs = {};
  for (const [name, value] of Object.entries(values)) {
    if (Array.isArray(value)) given[name] = (value as string[]).filter((v) => v !== '');
    else if (value !== '') given[name] = value;
  }
  try {
    return sourceOptionsFromArgs(given);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function parseReportOptions(
  args: string[],
): { runDir: string; sourceOptions: SourceOptions } | 'help' {
  const { values, positionals } = parse(args, sourceOptionSpec(), 'npm run report --');
  if (values.help) return 'help';
  if (positionals.length !== 1)
    throw new UsageError(
      'report needs exactly one run folder, e.g. `npm run report -- runs/2026-11-27T08-00-00Z-load-soak`.',
    );
  return { runDir: positionals[0], sourceOptions: sourceOptionsFrom(values) };
}

export function parseCompareOptions(
  args: string[],
): { runA: string; runB: string; outFile?: string } | 'help' {
  const { values, positionals } = parse(args, { out: { type: 'string' } }, 'npm run compare --');
  if (values.help) return 'help';
  if (positionals.length !== 2)
    throw new UsageError('compare needs two run folders: the earlier run (A) and the later run (B).');
  return { runA: positionals[0], runB: positionals[1], outFile: values.out as string | undefined };
}
