// Parses `run [flags] <script>` with k6's flag names into RunOptions. Pure: throws UsageError
// (exit code 255, like k6's command-line errors) with a sentence saying what to fix.
import { parseSecretSource } from './api/secrets.ts';
import { checkCount, checkDuration, LIMITS } from './limits.ts';
import type { RunOptions } from './run.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Command =
  | { kind: 'run'; options: RunOptions }
  | { kind: 'version' }
  | { kind: 'help'; topic: 'root' | 'run' };

type Setter = (o: RunOptions, value: string) => void;

function keyValue(flag: string, value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} needs KEY=VALUE; got "${value}".`);
  return [value.slice(0, eq), value.slice(eq + 1)];
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

function durationFlag(flag: string, value: string): string {
  flagCheck(() => checkDuration(value, flag));
  return value;
}

function boolValue(flag: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`${flag} takes true or false; got "${value}".`);
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
    o.summaryTrendStats = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
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
    const [k, val] = keyValue('--tag', v);
    o.tags = { ...o.tags, [k]: val };
  },
};

const BOOL_FLAGS: Record<string, (o: RunOptions, v: boolean) => void> = {
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
};

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
};

export function parseArgs(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { kind: 'help', topic: rest[0] === 'run' ? 'run' : 'root' };
  }
  if (command === 'version' || command === '--version' || command === '-v') return { kind: 'version' };
  if (command !== 'run') {
    throw new UsageError(`unknown command "${command}"; use "run", "version" or "--help".`);
  }
  const options: RunOptions = { script: '', includeSystemEnvVars: true };
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
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (name in BOOL_FLAGS) {
      BOOL_FLAGS[name](options, inline === undefined ? true : boolValue(name, inline));
      continue;
    }
    const set = VALUE_FLAGS[name];
    if (!set) {
      throw new UsageError(
        `unknown or unsupported flag "${rawName}"; run "connect-perf-engine run --help" for the flags this engine supports.`,
      );
    }
    const value = inline ?? rest[++i];
    if (value === undefined) throw new UsageError(`${rawName} needs a value.`);
    set(options, value);
  }
  if (scripts.length !== 1) {
    throw new UsageError(
      scripts.length === 0
        ? 'run needs the script to run: connect-perf-engine run [flags] script.js'
        : `run takes one script; got ${scripts.join(', ')}.`,
    );
  }
  options.script = scripts[0];
  return { kind: 'run', options };
}

export const ROOT_HELP = `connect-perf-engine — runs k6 scripts on Node.js with k6's semantics and outputs.

Usage:
  connect-perf-engine run [flags] <script.js>
  connect-perf-engine version

Run "connect-perf-engine run --help" for the run flags.
`;

export const RUN_HELP = `Usage: connect-perf-engine run [flags] <script.js>

Flags (k6's names):
  -u, --vus N                      number of VUs
  -d, --duration D                 test duration, e.g. 30s, 1m30s
  -i, --iterations N               total iterations (shared between VUs)
  -s, --stage D:T[,D:T…]           ramping stages (also --stages)
  -e, --env K=V                    add K to __ENV (repeatable)
  -o, --out json=FILE              NDJSON results (FILE.gz compresses, "-" is stdout)
      --summary-export FILE        k6's legacy JSON summary
      --summary-trend-stats LIST   e.g. avg,min,med,max,p(90),p(95),p(99)
      --tag K=V                    tag every sample (repeatable)
      --module-cache DIR           where remote modules (https://… imports) are kept
                                   (default ~/.cache/connect-perf-engine/modules)
      --secret-source TYPE=CONFIG  k6/secrets source: file=PATH or mock=KEY=VALUE,…
                                   (name=N names it, default makes it the default; repeatable)
  -q, --quiet                      no progress output
  -v, --verbose                    also print console.debug() lines
      --sync-vus[=false]           synchronous VUs (one thread per VU, about 8 MB each, at most 500)
                                   always / never; by default when an exec function is not async
      --no-color                   no colours in the summary
      --include-system-env-vars    put the process environment in __ENV (default true; =false to turn off)

Exit codes: 0 ok, 99 thresholds failed, 100 setup() timed out, 101 teardown() timed out,
104 invalid options, 105 interrupted (Ctrl+C, SIGTERM, parent process gone), 107 script error,
108 test.abort(), 110 test.fail(), 255 command-line mistake.
`;
