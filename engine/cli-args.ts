// Parses `run [flags] <script>` with k6's flag names, K6_* variables and k6's JSON config file into
// RunOptions. Throws UsageError (exit code 255, like k6's command-line errors) with a sentence
// saying what to fix; a flag or variable the engine cannot honour as k6 would is refused the same
// way, naming it and the k6 binary.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSecretSource } from './api/secrets.ts';
import { checkCount, checkDuration, LIMITS } from './limits.ts';
import type { RunOptions } from './run.ts';
import { parseSegment, parseSequence } from './segments.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Command =
  | { kind: 'run'; options: RunOptions }
  | { kind: 'inspect'; options: RunOptions }
  | { kind: 'version' }
  | { kind: 'help'; topic: 'root' | 'run' };

/** RunOptions plus the --config path and the --features values, which parseArgs reads itself. */
type CliOptions = RunOptions & { configFile?: string; features?: string[] };

type Setter = (o: CliOptions, value: string) => void;

const FOR_K6 = 'run this script with the k6 binary (--engine k6)';

function refuse(what: string): never {
  throw new UsageError(`${what} is not supported by the node engine; ${FOR_K6}.`);
}

function keyValue(flag: string, value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} needs KEY=VALUE; got "${value}".`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** `--tag NAME=VALUE` with k6's sentences (internal/cmd/options.go parseTagNameValue). */
function tagNameValue(v: string): [string, string] {
  const eq = v.indexOf('=');
  const why =
    v === ''
      ? 'invalid tag, empty string'
      : eq === 0
        ? 'invalid tag, empty name'
        : eq < 0 || eq === v.length - 1
          ? 'invalid tag, empty value'
          : null;
  if (why) throw new UsageError(`error parsing tag '${v}': ${why}`);
  return [v.slice(0, eq), v.slice(eq + 1)];
}

/**
 * K6_TAGS: `name:value,name2:value2`, the map form k6 reads its environment with
 * (kelseyhightower/envconfig: items split at ",", each at its first ":").
 */
function envTags(v: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of v.split(',')) {
    const colon = item.indexOf(':');
    if (colon < 0)
      throw new UsageError(`invalid map item: "${item}" (K6_TAGS takes name:value,name2:value2).`);
    tags[item.slice(0, colon)] = item.slice(colon + 1);
  }
  return tags;
}

/** Runs a limits check, turning its complaint into a command-line error. */
function flagCheck<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function wholeNumber(flag: string, value: string, max: number): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} needs a whole number; got "${value}".`);
  return flagCheck(() => checkCount(Number(value), flag, 0, max));
}

/** Go's time.ParseDuration syntax. */
const GO_DURATION_FLAG = /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

function durationFlag(flag: string, value: string): string {
  flagCheck(() => checkDuration(value, flag));
  return value;
}

/** Go's strconv.ParseBool, which k6 uses for flags and K6_* variables. */
function boolValue(flag: string, value: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new UsageError(`${flag} takes true or false; got "${value}".`);
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function stage(value: string): Array<{ duration: string; target: number }> {
  return value.split(',').map((part) => {
    const m = /^([^:]+):(\d+)$/.exec(part.trim());
    if (!m) throw new UsageError(`--stage needs DURATION:TARGET (e.g. 30s:10); got "${part}".`);
    return {
      duration: durationFlag('--stage', m[1]),
      target: wholeNumber('--stage target', m[2], LIMITS.maxVUs),
    };
  });
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got "${value}".`);
  return value as T;
}

const VALUE_FLAGS: Record<string, Setter> = {
  '--vus': (o, v) => {
    o.vus = wholeNumber('--vus', v, LIMITS.maxVUs);
  },
  '--duration': (o, v) => {
    o.duration = durationFlag('--duration', v);
  },
  '--iterations': (o, v) => {
    o.iterations = wholeNumber('--iterations', v, LIMITS.maxIterations);
  },
  '--stage': (o, v) => {
    o.stages = [...(o.stages ?? []), ...stage(v)];
  },
  '--features': (o, v) => {
    o.features = [...(o.features ?? []), v];
  },
  '--env': (o, v) => {
    const [k, val] = keyValue('--env', v);
    o.env = { ...o.env, [k]: val };
  },
  '--out': (o, v) => {
    o.out = [...(o.out ?? []), v];
  },
  '--summary-export': (o, v) => {
    o.summaryExport = v;
  },
  '--summary-trend-stats': (o, v) => {
    o.summaryTrendStats = list(v);
  },
  '--summary-time-unit': (o, v) => {
    o.summaryTimeUnit = oneOf('--summary-time-unit', v, ['s', 'ms', 'us'] as const);
  },
  '--summary-mode': (o, v) => {
    // k6 v2.0 removed the legacy mode: its ValidateMode knows compact, full and disabled only, and
    // any other value stops k6 with "invalid summary mode" (grafana/k6 internal/lib/summary).
    if (v === 'legacy')
      throw new UsageError(
        'invalid summary mode "legacy": k6 v2.0 removed the legacy summary (docs: get-started/migrating-to-v2); use compact (the default), full or disabled.',
      );
    o.summaryMode = oneOf('--summary-mode', v, ['compact', 'full', 'disabled'] as const);
  },
  '--module-cache': (o, v) => {
    o.moduleCache = v;
  },
  '--secret-source': (o, v) => {
    try {
      parseSecretSource(v);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    o.secretSources = [...(o.secretSources ?? []), v];
  },
  '--tag': (o, v) => {
    const [k, val] = tagNameValue(v);
    o.tags = { ...o.tags, [k]: val };
  },
  '--user-agent': (o, v) => {
    o.userAgent = v;
  },
  '--max-redirects': (o, v) => {
    o.maxRedirects = wholeNumber('--max-redirects', v, LIMITS.maxIterations);
  },
  '--batch': (o, v) => {
    o.batch = wholeNumber('--batch', v, LIMITS.maxIterations);
    if (o.batch === 0) throw new UsageError('--batch must be at least 1.');
  },
  '--batch-per-host': (o, v) => {
    o.batchPerHost = wholeNumber('--batch-per-host', v, LIMITS.maxIterations);
  },
  '--min-iteration-duration': (o, v) => {
    o.minIterationDuration = durationFlag('--min-iteration-duration', v);
  },
  '--block-hostnames': (o, v) => {
    o.blockHostnames = list(v);
    for (const p of o.blockHostnames)
      if (p.lastIndexOf('*') > 0)
        throw new UsageError(
          `--block-hostnames: "*" may only start a pattern (e.g. *.example.com); got "${p}".`,
        );
  },
  '--console-output': (o, v) => {
    o.consoleOutput = v;
  },
  '--log-output': (o, v) => {
    if (v === 'stderr' || v === 'stdout' || v === 'none') o.logOutput = v;
    else if (v.startsWith('file=')) o.logOutput = parseLogFile(v);
    else refuse(`--log-output=${v.split('=')[0]} (only stderr, stdout, none and file=PATH are)`);
  },
  '--log-format': (o, v) => {
    o.logFormat = oneOf('--log-format', v, ['text', 'json', 'raw'] as const);
  },
  '--compatibility-mode': (_o, v) => {
    const mode = oneOf('--compatibility-mode', v, ['extended', 'base', 'experimental_enhanced'] as const);
    if (mode === 'experimental_enhanced')
      throw new UsageError(
        '--compatibility-mode=experimental_enhanced was removed in k6 v0.57; TypeScript (.ts) scripts run in the default mode.',
      );
  },
  '--config': (o, v) => {
    o.configFile = v;
  },
  '--address': (o, v) => {
    o.address = v;
    o.addressFromEnv = false;
  },
  '--http-debug': (o, v) => {
    if (v === 'false' || v === '0' || v === '') delete o.httpDebug;
    else o.httpDebug = v === 'full' ? 'full' : 'headers';
  },
  '--rps': (_o, v) => {
    if (wholeNumber('--rps', v, Number.MAX_SAFE_INTEGER) > 0)
      refuse('--rps (a global request-rate limit; use an arrival-rate scenario instead)');
  },
  '--traces-output': (_o, v) => {
    if (v !== 'none') refuse('--traces-output (distributed tracing)');
  },
  '--dns': () => refuse('--dns (DNS caching and address selection)'),
  '--local-ips': () => refuse('--local-ips (source addresses per VU)'),
  '--blacklist-ip': (o, v) => {
    o.blacklistIPs = list(v);
  },
  '--system-tags': (o, v) => {
    o.systemTags = list(v);
  },
  // k6 reads both only from flags, the script's options and the config file: K6_EXECUTION_SEGMENT
  // and K6_EXECUTION_SEGMENT_SEQUENCE are ignored by k6 (lib/options.go marks them ignored), and so here.
  '--execution-segment': (o, v) => {
    flagCheck(() => parseSegment(v));
    o.executionSegment = v;
  },
  '--execution-segment-sequence': (o, v) => {
    flagCheck(() => parseSequence(v));
    o.executionSegmentSequence = v;
  },
};

/** `file=PATH[,level=L]` of --log-output. */
function parseLogFile(v: string): { file: string; level: string } {
  const [first, ...rest] = v.split(',');
  const file = first.slice('file='.length);
  if (!file) throw new UsageError('--log-output=file=PATH needs a path.');
  let level = 'trace';
  for (const part of rest) {
    const [k, val] = keyValue('--log-output', part);
    if (k !== 'level') throw new UsageError(`--log-output=file takes only level=…; got "${k}".`);
    level = oneOf('--log-output level', val, [
      'trace',
      'debug',
      'info',
      'warning',
      'error',
      'fatal',
      'panic',
    ] as const);
  }
  return { file, level };
}

const BOOL_FLAGS: Record<string, (o: CliOptions, v: boolean) => void> = {
  '--quiet': (o, v) => {
    o.quiet = v;
  },
  '--no-color': (o, v) => {
    o.noColor = v;
  },
  '--verbose': (o, v) => {
    o.verbose = v;
  },
  '--sync-vus': (o, v) => {
    o.syncVus = v;
  },
  '--include-system-env-vars': (o, v) => {
    o.includeSystemEnvVars = v;
  },
  '--insecure-skip-tls-verify': (o, v) => {
    o.insecureSkipTLSVerify = v;
  },
  '--throw': (o, v) => {
    o.throw = v;
  },
  '--no-connection-reuse': (o, v) => {
    o.noConnectionReuse = v;
  },
  '--no-vu-connection-reuse': (o, v) => {
    o.noVUConnectionReuse = v;
  },
  '--discard-response-bodies': (o, v) => {
    o.discardResponseBodies = v;
  },
  '--no-thresholds': (o, v) => {
    o.noThresholds = v;
  },
  // k6 v2.0 removed it (docs: get-started/migrating-to-v2); k6 now stops at it as at any flag it
  // does not know, and ignores K6_NO_SUMMARY as any unknown K6_* variable.
  '--no-summary': () => {
    throw new UsageError('unknown flag: --no-summary (k6 v2.0 removed it; use --summary-mode=disabled).');
  },
  // Nothing to report and nothing to profile: accepted, they change nothing here.
  '--no-usage-report': () => {},
  '--profiling-enabled': () => {},
  '--linger': (_o, v) => {
    if (v) refuse('--linger (keeping the REST API up after the test ends)');
  },
  '--exit-on-running': (_o, v) => {
    if (v) refuse('--exit-on-running (ending k6 once the test is running)');
  },
  '--paused': (o, v) => {
    o.paused = v;
  },
  '--no-setup': (_o, v) => {
    if (v) refuse('--no-setup');
  },
  '--no-teardown': (_o, v) => {
    if (v) refuse('--no-teardown');
  },
  // k6 then hands handleSummary() and --summary-export its machine-readable shape instead of the
  // legacy one (grafana/k6 internal/js/runner.go, prepareHandleSummaryCall).
  '--new-machine-readable-summary': (_o, v) => {
    if (v) refuse('--new-machine-readable-summary (the machine-readable handleSummary data)');
  },
};

/** Value flags that may also stand alone (`--http-debug` means headers, `--http-debug=full` bodies too). */
const OPTIONAL_VALUE: Record<string, string> = { '--http-debug': 'headers' };

const ALIASES: Record<string, string> = {
  '-u': '--vus',
  '-d': '--duration',
  '-i': '--iterations',
  '-s': '--stage',
  '--stages': '--stage',
  '-e': '--env',
  '-o': '--out',
  '-q': '--quiet',
  '-v': '--verbose',
  '-w': '--throw',
  '-c': '--config',
  '-a': '--address',
  '-f': '--log-format',
  '-l': '--linger',
  '-p': '--paused',
};

/**
 * K6_* variables as k6 documents them, each the same as its flag. Unknown K6_* variables are
 * ignored, as k6 ignores them; `-e K6_…` only sets __ENV.
 */
const ENV_FLAGS: Record<string, string> = {
  K6_VUS: '--vus',
  K6_DURATION: '--duration',
  K6_ITERATIONS: '--iterations',
  K6_STAGES: '--stage',
  K6_SUMMARY_EXPORT: '--summary-export',
  K6_SUMMARY_TREND_STATS: '--summary-trend-stats',
  K6_SUMMARY_TIME_UNIT: '--summary-time-unit',
  K6_SUMMARY_MODE: '--summary-mode',
  K6_NO_THRESHOLDS: '--no-thresholds',
  K6_INSECURE_SKIP_TLS_VERIFY: '--insecure-skip-tls-verify',
  K6_THROW: '--throw',
  K6_USER_AGENT: '--user-agent',
  K6_MAX_REDIRECTS: '--max-redirects',
  K6_NO_CONNECTION_REUSE: '--no-connection-reuse',
  K6_NO_VU_CONNECTION_REUSE: '--no-vu-connection-reuse',
  K6_DISCARD_RESPONSE_BODIES: '--discard-response-bodies',
  K6_BATCH: '--batch',
  K6_BATCH_PER_HOST: '--batch-per-host',
  K6_HTTP_DEBUG: '--http-debug',
  K6_CONSOLE_OUTPUT: '--console-output',
  K6_LOG_OUTPUT: '--log-output',
  K6_LOG_FORMAT: '--log-format',
  K6_COMPATIBILITY_MODE: '--compatibility-mode',
  K6_MIN_ITERATION_DURATION: '--min-iteration-duration',
  K6_BLOCK_HOSTNAMES: '--block-hostnames',
  K6_BLACKLIST_IPS: '--blacklist-ip',
  K6_SYSTEM_TAGS: '--system-tags',
  K6_DNS: '--dns',
  K6_LOCAL_IPS: '--local-ips',
  K6_RPS: '--rps',
  K6_LINGER: '--linger',
  K6_EXIT_ON_RUNNING: '--exit-on-running',
  K6_PAUSED: '--paused',
  K6_NO_SETUP: '--no-setup',
  K6_NO_TEARDOWN: '--no-teardown',
  K6_TRACES_OUTPUT: '--traces-output',
  K6_NO_USAGE_REPORT: '--no-usage-report',
  K6_PROFILING_ENABLED: '--profiling-enabled',
  K6_INCLUDE_SYSTEM_ENV_VARS: '--include-system-env-vars',
  K6_NEW_MACHINE_READABLE_SUMMARY: '--new-machine-readable-summary',
};

/** K6_* variables that have no flag. */
const ENV_ONLY: Record<string, Setter> = {
  K6_OUT: (o, v) => {
    o.out = list(v);
  },
  K6_NO_COOKIES_RESET: (o, v) => {
    o.noCookiesReset = boolValue('K6_NO_COOKIES_RESET', v);
  },
  K6_SETUP_TIMEOUT: (o, v) => {
    o.setupTimeout = durationFlag('K6_SETUP_TIMEOUT', v);
  },
  K6_HANDLE_SUMMARY_TIMEOUT: (o, v) => {
    o.handleSummaryTimeout = durationFlag('K6_HANDLE_SUMMARY_TIMEOUT', v);
  },
  K6_TEARDOWN_TIMEOUT: (o, v) => {
    o.teardownTimeout = durationFlag('K6_TEARDOWN_TIMEOUT', v);
  },
  K6_TAGS: (o, v) => {
    o.tags = envTags(v);
  },
  // k6 ≥ 2.0 reads the REST API address from K6_ADDRESS too; failing to listen there only warns.
  K6_ADDRESS: (o, v) => {
    o.address = v;
    o.addressFromEnv = true;
  },
  // As k6 (grafana/k6 cmd/state/state.go): any non-empty K6_NO_COLOR turns colours off.
  K6_NO_COLOR: (o) => {
    o.noColor = true;
  },
  K6_WEB_DASHBOARD: (_o, v) => {
    if (boolValue('K6_WEB_DASHBOARD', v)) refuse('the web dashboard (K6_WEB_DASHBOARD)');
  },
};

function setFlag(o: CliOptions, name: string, value: string | undefined): void {
  if (name in BOOL_FLAGS) {
    BOOL_FLAGS[name](o, value === undefined ? true : boolValue(name, value));
    return;
  }
  const set = VALUE_FLAGS[name];
  if (value === undefined) throw new UsageError(`${name} needs a value.`);
  set(o, value);
}

/** The K6_* variables of `env` as options (an invalid value is a command-line mistake naming it). */
function fromEnv(env: Record<string, string | undefined>): CliOptions {
  const o = {} as CliOptions;
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('K6_') || value === undefined || value === '') continue;
    try {
      if (name in ENV_ONLY) ENV_ONLY[name](o, value);
      else if (name in ENV_FLAGS) setFlag(o, ENV_FLAGS[name], value);
    } catch (err) {
      throw new UsageError(`${name}="${value}": ${(err as Error).message}`);
    }
  }
  // https://no-color.org/, which k6 follows: NO_COLOR set, even empty, turns colours off.
  if (env.NO_COLOR !== undefined) o.noColor = true;
  return o;
}

/** A --config file's keys that are run settings rather than test options. */
const CONFIG_RUN_KEYS = new Set([
  'features',
  'out',
  'linger',
  'noUsageReport',
  'noThresholds',
  'noSummary',
  'summaryExport',
  'summaryMode',
  'webDashboard',
  'collectors',
  'ext',
]);

/** k6's JSON config file: run settings, and options below the script's (and the K6_ variables' and flags'). */
function fromConfigFile(path: string): {
  run: RunOptions;
  options: Record<string, unknown>;
  features?: string[];
} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message;
    throw new UsageError(`cannot read the config file ${path}: ${why}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`the config file ${path} must hold a JSON object of k6 options.`);
  const raw = parsed as Record<string, unknown>;
  const run = {} as RunOptions;
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!CONFIG_RUN_KEYS.has(k)) options[k] = v;
  }
  if (Array.isArray(raw.out)) run.out = raw.out.map(String);
  else if (typeof raw.out === 'string') run.out = [raw.out];
  // summaryExport, summaryMode, noThresholds and noSummary are no keys of k6's config file (its
  // Config, grafana/k6 internal/cmd/config.go: options, out, linger, noUsageReport, webDashboard…):
  // k6 takes them from flags and K6_* variables only, and ignores them here.
  if (raw.linger === true) refuse('linger (in the config file)');
  if (raw.webDashboard === true) refuse('the web dashboard (webDashboard in the config file)');
  if (raw.features === undefined || raw.features === null) return { run, options };
  if (!Array.isArray(raw.features) || raw.features.some((f) => typeof f !== 'string'))
    throw new UsageError(`features in the config file ${path} must be a list of feature flag names.`);
  return { run, options, features: raw.features as string[] };
}

/**
 * k6's feature flags (grafana/k6 internal/features/features.go; `k6 features` lists them). Each
 * changes what a run does (native histograms for trends, merged run tags, a frozen __ENV) and
 * tags every sample with `k6_feature_<name>`, which this engine does not do: refused.
 */
const K6_FEATURE_FLAGS = ['native-histograms', 'merge-run-tags', 'freeze-env'];

/**
 * The feature flags asked for, as k6 resolves them (grafana/k6 internal/features/resolve.go): the
 * first place that gives any wins as it is (--features, then K6_FEATURES from the environment or
 * -e, then the config file's `features`); names are comma-separated, trimmed, empty ones dropped.
 * A flag k6 knows is refused; k6 logs an unknown one as an error and runs without it.
 */
function featureFlags(
  cli: string[] | undefined,
  env: string | undefined,
  config: string[] | undefined,
): RunOptions['unknownFeatures'] {
  const [values, source] =
    cli !== undefined
      ? [cli, 'cli' as const]
      : env !== undefined
        ? [[env], 'env' as const]
        : config !== undefined
          ? [config, 'json' as const]
          : [[], null];
  if (source === null) return undefined;
  const names = [
    ...new Set(
      values
        .flatMap((v) => v.split(','))
        .map((n) => n.trim())
        .filter((n) => n !== ''),
    ),
  ];
  const known = names.find((n) => K6_FEATURE_FLAGS.includes(n));
  if (known !== undefined)
    refuse(`the feature flag "${known}" (--features, K6_FEATURES or the config file's features)`);
  return names.length > 0 ? { names, source } : undefined;
}

/** Where k6 looks for its config file when -c is not given. */
function defaultConfigFile(env: Record<string, string | undefined>): string | null {
  const base = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : '');
  if (!base) return null;
  const path = join(base, 'k6', 'config.json');
  return existsSync(path) ? path : null;
}

const SHORTCUT_KEYS = ['duration', 'iterations', 'stages'] as const;

/**
 * `run|inspect [flags] <script>` with k6's flags and K6_* variables from `env` (the process
 * environment for the CLI; none by default). Precedence as in k6: flag > K6_* > --config file >
 * the script's options.
 */
export function parseArgs(argv: string[], env: Record<string, string | undefined> = {}): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { kind: 'help', topic: rest[0] === 'run' ? 'run' : 'root' };
  }
  if (command === 'version' || command === '--version' || command === '-v') return { kind: 'version' };
  // k6 v2.0 removed these with the externally-controlled executor (docs: get-started/migrating-to-v2).
  if (
    command === 'pause' ||
    command === 'resume' ||
    command === 'scale' ||
    command === 'status' ||
    command === 'login'
  ) {
    throw new UsageError(`unknown command "${command}" for "k6": k6 v2.0 removed it.`);
  }
  if (['archive', 'cloud', 'stats', 'new', 'deps', 'features', 'x'].includes(command)) {
    refuse(`"k6 ${command}"`);
  }
  if (command !== 'run' && command !== 'inspect') {
    throw new UsageError(`unknown command "${command}"; use "run", "inspect", "version" or "--help".`);
  }
  const cli = {} as CliOptions;
  const scripts: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help', topic: 'run' };
    if (!arg.startsWith('-') || arg === '-') {
      scripts.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const rawName = eq > 0 ? arg.slice(0, eq) : arg;
    const name = ALIASES[rawName] ?? rawName;
    let value = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (!(name in BOOL_FLAGS) && !(name in VALUE_FLAGS)) {
      throw new UsageError(
        `unknown or unsupported flag "${rawName}"; run "connect-perf-engine run --help" for the flags this engine supports.`,
      );
    }
    if (value === undefined && name in VALUE_FLAGS) {
      value = name in OPTIONAL_VALUE ? OPTIONAL_VALUE[name] : rest[++i];
      if (value === undefined) throw new UsageError(`${rawName} needs a value.`);
    }
    // These two are Go time.Duration flags in k6 (pflag): Go's syntax only, no bare number of
    // milliseconds and no days, which their K6_* variables and the options do take.
    if ((name === '--duration' || name === '--min-iteration-duration') && value !== undefined)
      if (!GO_DURATION_FLAG.test(value))
        throw new UsageError(
          `invalid argument "${value}" for "${rawName}" flag: a Go duration such as "30s", "1m30s" or "500ms" is needed.`,
        );
    setFlag(cli, name, value);
  }
  // k6 reads the script from standard input for "-" (docs: get-started/running-k6).
  if (scripts.length === 1 && scripts[0] === '-')
    throw new UsageError(
      'reading the script from standard input ("-") is not supported by the node engine; save it to a file and pass its path, or run it with the k6 binary (--engine k6).',
    );
  if (scripts.length !== 1) {
    throw new UsageError(
      scripts.length === 0
        ? `${command} needs the script: connect-perf-engine ${command} [flags] script.js`
        : `${command} takes one script; got ${scripts.join(', ')}.`,
    );
  }
  const fromEnvironment = fromEnv(env);
  // A shortcut given as a flag replaces the K6_* ones, as a higher layer does in k6.
  if (SHORTCUT_KEYS.some((k) => cli[k] !== undefined))
    for (const k of SHORTCUT_KEYS) delete fromEnvironment[k];
  const configPath = cli.configFile ?? defaultConfigFile(env);
  const config = configPath ? fromConfigFile(configPath) : null;
  const options: CliOptions = {
    // k6 puts the system environment in __ENV by default for run only (inspect: --include-system-env-vars).
    includeSystemEnvVars: command === 'run',
    ...config?.run,
    ...fromEnvironment,
    ...cli,
    script: scripts[0],
  };
  delete options.configFile;
  delete options.features;
  const unknownFeatures = featureFlags(
    cli.features,
    cli.env?.K6_FEATURES ?? env.K6_FEATURES,
    config?.features,
  );
  if (unknownFeatures) options.unknownFeatures = unknownFeatures;
  if (config && Object.keys(config.options).length > 0) options.config = config.options;
  if (command === 'inspect') options.inspect = true;
  return { kind: command, options };
}

export const ROOT_HELP = `connect-perf-engine — runs k6 scripts on Node.js with k6's semantics and outputs.

Usage:
  connect-perf-engine run [flags] <script.js>
  connect-perf-engine inspect [flags] <script.js>   print the script's options, merged with flags,
                                                    K6_* variables and the config file (JSON)
  connect-perf-engine version

Run "connect-perf-engine run --help" for the run flags.
`;

export const RUN_HELP = `Usage: connect-perf-engine run [flags] <script.js>

Flags (k6's names; each also as its K6_* variable where k6 has one, e.g. K6_VUS, K6_DURATION;
precedence: flag > K6_* > the script's options > --config file):
  -u, --vus N                      number of VUs
  -d, --duration D                 test duration, e.g. 30s, 1m30s
  -i, --iterations N               total iterations (shared between VUs)
  -s, --stage D:T[,D:T…]           ramping stages (also --stages)
  -e, --env K=V                    add K to __ENV (repeatable; does not set options)
  -c, --config FILE                k6's JSON config file (default ~/.config/k6/config.json if present)
  -o, --out json=FILE              NDJSON results (FILE.gz compresses, "-" is stdout); K6_OUT=a,b
      --out experimental-prometheus-rw  Prometheus remote write (K6_PROMETHEUS_RW_* settings)
      --out influxdb=URL           InfluxDB v1, e.g. http://localhost:8086/k6 (K6_INFLUXDB_* settings)
      --summary-export FILE        k6's legacy JSON summary
      --summary-trend-stats LIST   e.g. avg,min,med,max,p(90),p(95),p(99)
      --summary-time-unit s|ms|us  one unit for every time in the summary
      --summary-mode MODE          compact (default), full (per group and scenario too);
                                   disabled: no summary, handleSummary() or export (legacy: removed in k6 v2)
      --no-thresholds              do not evaluate thresholds
      --tag K=V                    tag every sample (repeatable; K6_TAGS=k:v,k2:v2); replaces
                                   the script's tags, as in k6
      --insecure-skip-tls-verify   do not verify servers' TLS certificates
  -w, --throw                      throw on failed requests
      --user-agent UA              User-Agent of every request ("" for none)
      --max-redirects N            redirects followed (default 10)
      --discard-response-bodies    responseType "none" unless a request asks otherwise
      --no-connection-reuse        a new connection for every request (Connection: close)
      --no-vu-connection-reuse     new connections for every iteration
      --batch N                    requests of one http.batch() at once (default 20)
      --batch-per-host N           of them to one host (default 6; 0: no limit)
      --min-iteration-duration D   iterations last at least D
      --block-hostnames LIST       fail requests to these names (*.example.com patterns)
      --blacklist-ip CIDRS         fail requests to addresses in these ranges
      --system-tags LIST           the system tags samples carry (k6's names; vu, iter, ip too)
      --execution-segment SEG      run only this part of the test, e.g. 1/4:2/4, 25%:50%, 0.5
      --execution-segment-sequence LIST  the whole test's segments, e.g. 0,1/4,2/4,3/4,1
      --http-debug[=full]          print each request and response (full: with bodies) to stderr
      --console-output FILE        console.* lines go to FILE
      --log-output WHERE           stderr (default), stdout, none, file=PATH[,level=L]
  -f, --log-format FORMAT          text (default), json, raw
      --compatibility-mode MODE    extended (default) or base
      --module-cache DIR           where remote modules (https://… imports) are kept
                                   (default ~/.cache/connect-perf-engine/modules)
      --secret-source TYPE=CONFIG  k6/secrets source: file=PATH or mock=KEY=VALUE,…
                                   (name=N names it, default makes it the default; repeatable)
  -q, --quiet                      no progress output
  -v, --verbose                    also print console.debug() lines
      --sync-vus[=false]           synchronous VUs (one thread per VU, about 8 MB each, at most 500)
                                   always / never; by default when an exec function is not async
      --no-color                   no colours in the summary
      --include-system-env-vars    put the process environment in __ENV (default: run yes, inspect no)
  -a, --address ADDR               serve k6's REST API on ADDR (host:port, e.g. 127.0.0.1:6565;
                                   also K6_ADDRESS); none without it, as k6 >= 2.0
  -p, --paused                     initialise the VUs, then wait for PATCH /v1/status
                                   {"data":{"attributes":{"paused":false}}} before setup()
      --no-usage-report            accepted: this engine sends no usage report
      --profiling-enabled          accepted: no profiling endpoints are served

Environment: HTTP_PROXY, HTTPS_PROXY and NO_PROXY (or lower case) as k6 (Go) reads them; hosts in the
script's options or the config file; K6_NO_COOKIES_RESET, K6_SETUP_TIMEOUT, K6_TEARDOWN_TIMEOUT,
K6_HANDLE_SUMMARY_TIMEOUT;
NO_COLOR (even empty) and K6_NO_COLOR (not empty) as --no-color.
Unknown K6_* variables are ignored, as in k6.

Refused with a sentence (use the k6 binary, --engine k6): --linger, --exit-on-running, --no-setup,
--no-teardown, --dns, --local-ips, --rps,
--traces-output, --new-machine-readable-summary, K6_WEB_DASHBOARD, k6's feature flags
(--features, K6_FEATURES or the config file's features naming native-histograms, merge-run-tags or
freeze-env; an unknown name is logged as k6 logs it), the script from standard input ("-"),
and the commands archive, cloud, stats, new, deps, features and x. pause, resume, scale, status
and login are unknown commands, as in k6 v2.

Exit codes: 0 ok, 99 thresholds failed, 100 setup() timed out, 101 teardown() timed out,
103 stopped through the REST API, 104 invalid or unsupported options, 105 interrupted (Ctrl+C,
SIGTERM, parent process gone), 106 the REST API cannot listen on --address,
107 script error, 108 test.abort(), 110 test.fail(), 255 command-line mistake or refused flag.
`;
