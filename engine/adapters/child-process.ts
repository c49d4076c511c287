// An engine in a child process with k6's command line: `k6 run` or the embedded engine's own CLI.
// Spawns it with the equivalent flags, follows its NDJSON for onSamples/onProgress, and reads its
// summary export back. Secrets reach it through its environment only, never its arguments, and
// its output is shown with them (and Authorization and cookie headers) redacted.
//
// Disk: when the caller asks for `--out json=FILE` (the harness: the run folder's compressed
// samples), that file is the one followed; otherwise a temporary folder holds an uncompressed
// copy, removed when the run ends or this process exits.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { DEFAULT_SUMMARY_TREND_STATS } from '../metrics/trend-stats.ts';
import type { Sample, SummaryData } from '../metrics/types.ts';
import type { Progress } from '../progress.ts';
import { RecentRate } from '../progress.ts';
import type { Engine, EngineName, EngineRunOptions, EngineRunResult } from './engine.ts';
import { fromLegacyExport } from './legacy-summary.ts';
import { NdjsonTail } from './ndjson-tail.ts';

/**
 * `k6 run` arguments equivalent to RunOptions (samples and summary go to the given files; the
 * options' `config` layer to `configFile`, which the caller writes). The summary export is how
 * the result comes back, so a disabled summary mode is not passed on.
 */
export function k6Args(
  opts: EngineRunOptions,
  /** An extra `--out json=` the adapter follows; null when the caller's own is followed. */
  samplesFile: string | null,
  summaryFile: string,
  configFile?: string,
): string[] {
  const args = ['run'];
  if (configFile) args.push('--config', configFile);
  const flag = (name: string, value: string | number | boolean | undefined) => {
    if (value === undefined || value === false) return;
    args.push(value === true ? name : `${name}=${value}`);
  };
  flag('--insecure-skip-tls-verify', opts.insecureSkipTLSVerify);
  flag('--throw', opts.throw);
  flag('--user-agent', opts.userAgent);
  flag('--max-redirects', opts.maxRedirects);
  flag('--discard-response-bodies', opts.discardResponseBodies);
  flag('--no-connection-reuse', opts.noConnectionReuse);
  flag('--no-vu-connection-reuse', opts.noVUConnectionReuse);
  flag('--batch', opts.batch);
  flag('--batch-per-host', opts.batchPerHost);
  flag('--http-debug', opts.httpDebug);
  flag('--system-tags', opts.systemTags?.join(','));
  flag('--min-iteration-duration', opts.minIterationDuration);
  flag('--block-hostnames', opts.blockHostnames?.join(','));
  flag('--blacklist-ip', opts.blacklistIPs?.join(','));
  flag('--summary-time-unit', opts.summaryTimeUnit);
  flag('--no-thresholds', opts.noThresholds);
  flag('--console-output', opts.consoleOutput);
  flag('--log-format', opts.logFormat);
  const logs = opts.logOutput;
  flag('--log-output', typeof logs === 'object' ? `file=${logs.file},level=${logs.level}` : logs);
  flag('--dns', opts.dns);
  flag('--local-ips', opts.localIPs);
  flag('--rps', opts.rps);
  flag('--execution-segment', opts.executionSegment);
  flag('--execution-segment-sequence', opts.executionSegmentSequence);
  flag('--paused', opts.paused);
  flag('--address', opts.address);
  if (opts.vus !== undefined) args.push('--vus', String(opts.vus));
  if (opts.duration !== undefined) args.push('--duration', opts.duration);
  if (opts.iterations !== undefined) args.push('--iterations', String(opts.iterations));
  if (opts.stages?.length)
    args.push('--stage', opts.stages.map((s) => `${s.duration}:${s.target}`).join(','));
  for (const [k, v] of Object.entries(opts.env ?? {})) args.push('-e', `${k}=${v}`);
  for (const [k, v] of Object.entries(opts.tags ?? {})) args.push('--tag', `${k}=${v}`);
  if (opts.summaryTrendStats?.length) args.push('--summary-trend-stats', opts.summaryTrendStats.join(','));
  for (const o of opts.out ?? []) args.push('--out', o);
  if (samplesFile !== null) args.push('--out', `json=${samplesFile}`);
  args.push('--summary-export', summaryFile);
  // Secrets are only in the child's environment, so __ENV must be read from it (k6's default).
  const systemEnv = opts.includeSystemEnvVars === true || Object.keys(opts.secretEnv ?? {}).length > 0;
  args.push(`--include-system-env-vars=${systemEnv}`);
  if (opts.quiet) args.push('--quiet');
  if (opts.noColor) args.push('--no-color');
  args.push(opts.script);
  return args;
}

/** The options k6 takes only from K6_* variables. */
export function k6Env(opts: EngineRunOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (opts.setupTimeout !== undefined) env.K6_SETUP_TIMEOUT = opts.setupTimeout;
  if (opts.teardownTimeout !== undefined) env.K6_TEARDOWN_TIMEOUT = opts.teardownTimeout;
  if (opts.noCookiesReset !== undefined) env.K6_NO_COOKIES_RESET = String(opts.noCookiesReset);
  return env;
}

/**
 * The environment a child engine starts from: the caller's without its K6_* variables. k6 and the
 * embedded engine read options from them (K6_VUS, K6_NO_SUMMARY, K6_HTTP_DEBUG, …), so a variable
 * left in a shell would change the run behind the caller's back. `keep` names the ones the caller
 * passes on on purpose.
 */
export function childBaseEnv(
  env: NodeJS.ProcessEnv,
  keep: readonly string[] = [],
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (/^K6_/i.test(name) && !keep.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The caller's own `--out json=FILE`, followed instead of a copy of the adapter's. */
function callerJsonOut(out: readonly string[] | undefined): string | null {
  for (const o of out ?? []) {
    const file = /^json=(.+)$/.exec(o)?.[1];
    if (file && file !== '-') return file;
  }
  return null;
}

/**
 * One line of engine output with secrets taken out: the given values, and the values of
 * Authorization, Proxy-Authorization, Cookie and Set-Cookie headers (k6's --http-debug prints
 * requests and responses with their headers).
 */
export function redactLine(line: string, secrets: readonly string[]): string {
  let out = line.replace(
    // Plain lines, JSON, and k6's logfmt with escaped line ends (`\r\nAuthorization: …\r\n`).
    /((?:^|[\s"{,]|\\n)(?:proxy-)?(?:authorization|cookie|set-cookie)"?\s*[:=]\s*"?)((?:(?!\\[rn])[^"\r\n])*)/gi,
    (_m, head: string, value: string) => (value.trim() ? `${head}[redacted]` : `${head}${value}`),
  );
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

function pipeRedacted(
  from: Readable,
  to: Writable,
  secrets: readonly string[],
  onLine?: (line: string) => void,
): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      const redacted = redactLine(line, secrets);
      to.write(`${redacted}\n`);
      onLine?.(redacted);
    });
    lines.on('close', () => resolve());
  });
}

/** How long an engine has to end after the hard stop (its second SIGINT) before it is killed. */
export const HARD_STOP_KILL_MS = 5_000;

export interface ChildEngineSpec {
  name: EngineName;
  /** The executable and any arguments before `run` (e.g. node and the engine's bin script). */
  command: string[];
  /** Defaults to the output of `<command> version`. */
  version?: () => Promise<string>;
}

export function childProcessEngine(spec: ChildEngineSpec): Engine {
  const [bin, ...prefix] = spec.command;
  return {
    name: spec.name,
    where: 'child',
    version:
      spec.version ??
      (() =>
        new Promise((resolve, reject) => {
          const child = spawn(bin, [...prefix, 'version'], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (c) => {
            out += c;
          });
          child.on('error', reject);
          child.on('close', () => resolve(out.trim()));
        })),
    run: (opts) => runChild(bin, prefix, opts),
  };
}

async function runChild(bin: string, prefix: string[], opts: EngineRunOptions): Promise<EngineRunResult> {
  const followed = callerJsonOut(opts.out);
  // A temporary folder only for what the caller did not place itself; gone on any exit.
  let dir: string | null = null;
  const removeDir = () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  const tempFile = (name: string) => {
    if (!dir) {
      dir = mkdtempSync(join(tmpdir(), 'k6-run-'));
      process.once('exit', removeDir);
    }
    return join(dir, name);
  };
  const ownSamples = followed === null ? tempFile('samples.json') : null;
  const samplesFile = followed ?? ownSamples!;
  const summaryFile = opts.summaryExport ?? tempFile('summary.json');
  const counts = { iterations: 0, requests: 0, errors: 0, vus: 0, vusMax: 0 };
  const started = Date.now();
  const recent = new RecentRate();
  const tail = new NdjsonTail(samplesFile, (batch: Sample[]) => {
    for (const s of batch) {
      if (s.metric === 'iterations') counts.iterations++;
      else if (s.metric === 'http_reqs') counts.requests++;
      else if (s.metric === 'http_req_failed' && s.value === 1) counts.errors++;
      else if (s.metric === 'vus') counts.vus = s.value;
      else if (s.metric === 'vus_max') counts.vusMax = s.value;
    }
    opts.onSamples?.(batch);
  });
  // Its own process group: a Ctrl-C on the terminal reaches only the caller, which forwards it
  // once per stop request (k6 stops gracefully on the first SIGINT and at once on the second).
  let configFile: string | undefined;
  if (opts.config) {
    configFile = tempFile('config.json');
    writeFileSync(configFile, JSON.stringify(opts.config));
  }
  const child = spawn(bin, [...prefix, ...k6Args(opts, ownSamples, summaryFile, configFile)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...childBaseEnv(process.env, opts.passEnv),
      ...k6Env(opts),
      ...opts.childEnv,
      ...opts.secretEnv,
    },
    detached: true,
  });
  opts.onStart?.(child.pid ?? null);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const secrets = Object.values(opts.secretEnv ?? {});
  // The last error the engine printed, to say why it failed in one line; a failed write of its
  // results (a full disk, a file size limit) outranks the lines that follow it, such as the
  // thresholds that then failed.
  let lastError: string | undefined;
  let writeError: string | undefined;
  const piped = Promise.all([
    pipeRedacted(child.stdout, opts.stdout ?? process.stdout, secrets),
    pipeRedacted(child.stderr, opts.stderr ?? process.stderr, secrets, (line) => {
      if (/\b(ENOSPC|EDQUOT|EFBIG|EIO)\b/.test(line)) writeError ??= line.trim().slice(0, 300);
      if (/\b(error|ENOSPC|EDQUOT|EFBIG|EIO|fatal|panic)\b/i.test(line))
        lastError = line.trim().slice(0, 300);
    }),
  ]);
  // Set once a stop was sent: an engine that then ends by that very signal ended as asked.
  let stopSent = false;
  const onAbort = () => {
    stopSent = true;
    child.kill('SIGINT');
  };
  // The hard stop is the second SIGINT; an engine that still has not ended HARD_STOP_KILL_MS
  // later (stuck in setup, in a write that never returns) is killed with its process group, so
  // a stop always ends. That is a stop asked for, not a crash.
  let killedByUs = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onHardStop = () => {
    stopSent = true;
    child.kill('SIGINT');
    killTimer = setTimeout(() => {
      killedByUs = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, HARD_STOP_KILL_MS);
  };
  opts.signal?.addEventListener('abort', onAbort);
  opts.hardStopSignal?.addEventListener('abort', onHardStop);
  let polling = Promise.resolve();
  let pollError: Error | undefined;
  const timer = setInterval(() => {
    // A poll that fails (a consumer throwing on a sample) is said once and does not stop the
    // following polls: a rejected chain would skip every later poll and freeze the live view.
    polling = polling
      .then(() => tail.poll())
      .catch((error: Error) => {
        if (pollError) return;
        pollError = error;
        (opts.stderr ?? process.stderr).write(
          `following the samples file failed: ${error.stack ?? error.message}\n`,
        );
      });
    if (opts.onProgress) {
      const elapsedMs = Date.now() - started;
      const progress: Progress = {
        scenarios: [],
        elapsedMs,
        plannedMs: 0,
        vus: counts.vus,
        vusMax: counts.vusMax,
        iterations: counts.iterations,
        requests: counts.requests,
        reqPerSec: recent.rate(elapsedMs, counts.requests),
        errors: counts.errors,
      };
      opts.onProgress(progress);
    }
  }, 1000);
  const ended = await new Promise<{ code: number; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (err) => {
      (opts.stderr ?? process.stderr).write(`could not start the engine (${bin}): ${err.message}\n`);
      resolve({ code: 255, signal: null });
    });
    // Killed by a signal (the OOM killer's SIGKILL, a SIGSEGV): no exit code of its own; the
    // shell's 128 + the signal's number stands in, and the signal is reported.
    child.on('close', (code, signal) =>
      resolve(
        code !== null
          ? { code, signal: null }
          : { code: 128 + (signal ? (constants.signals[signal] ?? 0) : 0), signal },
      ),
    );
  });
  const exitCode = ended.code;
  clearInterval(timer);
  clearTimeout(killTimer);
  opts.signal?.removeEventListener('abort', onAbort);
  opts.hardStopSignal?.removeEventListener('abort', onHardStop);
  process.off('exit', killOnExit);
  await piped;
  await polling;
  await tail.poll(true);
  let summary: SummaryData | null = null;
  if (existsSync(summaryFile)) {
    summary = fromLegacyExport(
      JSON.parse(readFileSync(summaryFile, 'utf8')),
      tail.kinds,
      { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: Date.now() - started },
      opts.summaryTrendStats ?? DEFAULT_SUMMARY_TREND_STATS,
    );
  }
  removeDir();
  process.off('exit', removeDir);
  const thresholds = Object.entries(summary?.metrics ?? {}).flatMap(([metric, m]) =>
    Object.entries(m.thresholds ?? {}).map(([threshold, v]) => ({
      metric,
      threshold,
      ok: v.ok,
      abortOnFail: false,
    })),
  );
  // Ended by the stop we sent (our SIGKILL after the hard stop, or the SIGINT itself).
  const endedAsAsked = killedByUs || (stopSent && ended.signal === 'SIGINT');
  return {
    exitCode,
    summary,
    thresholds,
    interrupted: endedAsAsked || (ended.signal === null && (exitCode === 105 || exitCode === 108)),
    ...(ended.signal && !endedAsAsked ? { signal: ended.signal } : {}),
    ...(child.pid ? { pid: child.pid } : {}),
    ...(tail.damaged ? { samplesDamaged: tail.damaged } : {}),
    ...(writeError || lastError ? { lastError: writeError ?? lastError } : {}),
  };
}
