// An engine in a child process with k6's command line: `k6 run` or the embedded engine's own CLI.
// Spawns it with the equivalent flags, follows its NDJSON for onSamples/onProgress, and reads its
// summary export back. Secrets reach it through its environment only, never its arguments.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SUMMARY_TREND_STATS } from '../metrics/trend-stats.ts';
import type { Sample, SummaryData } from '../metrics/types.ts';
import type { Progress } from '../progress.ts';
import { RecentRate } from '../progress.ts';
import type { RunResult } from '../run.ts';
import type { Engine, EngineName, EngineRunOptions } from './engine.ts';
import { fromLegacyExport } from './legacy-summary.ts';
import { NdjsonTail } from './ndjson-tail.ts';

/**
 * `k6 run` arguments equivalent to RunOptions (samples and summary go to the given files; the
 * options' `config` layer to `configFile`, which the caller writes). The summary export is how
 * the result comes back, so a disabled summary mode is not passed on.
 */
export function k6Args(
  opts: EngineRunOptions,
  samplesFile: string,
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
  if (opts.vus !== undefined) args.push('--vus', String(opts.vus));
  if (opts.duration !== undefined) args.push('--duration', opts.duration);
  if (opts.iterations !== undefined) args.push('--iterations', String(opts.iterations));
  if (opts.stages?.length)
    args.push('--stage', opts.stages.map((s) => `${s.duration}:${s.target}`).join(','));
  for (const [k, v] of Object.entries(opts.env ?? {})) args.push('-e', `${k}=${v}`);
  for (const [k, v] of Object.entries(opts.tags ?? {})) args.push('--tag', `${k}=${v}`);
  if (opts.summaryTrendStats?.length) args.push('--summary-trend-stats', opts.summaryTrendStats.join(','));
  for (const o of opts.out ?? []) args.push('--out', o);
  args.push('--out', `json=${samplesFile}`, '--summary-export', summaryFile);
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

async function runChild(bin: string, prefix: string[], opts: EngineRunOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'k6-run-'));
  const samplesFile = join(dir, 'samples.json');
  const summaryFile = opts.summaryExport ?? join(dir, 'summary.json');
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
    configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(opts.config));
  }
  const child = spawn(bin, [...prefix, ...k6Args(opts, samplesFile, summaryFile, configFile)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...k6Env(opts), ...opts.childEnv, ...opts.secretEnv },
    detached: true,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.stdout.pipe(opts.stdout ?? process.stdout, { end: false });
  child.stderr.pipe(opts.stderr ?? process.stderr, { end: false });
  const onAbort = () => child.kill('SIGINT');
  opts.signal?.addEventListener('abort', onAbort);
  opts.hardStopSignal?.addEventListener('abort', onAbort);
  let polling = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(() => tail.poll());
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
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', (err) => {
      (opts.stderr ?? process.stderr).write(`could not start the engine (${bin}): ${err.message}\n`);
      resolve(255);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 105 : 255)));
  });
  clearInterval(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  opts.hardStopSignal?.removeEventListener('abort', onAbort);
  process.off('exit', killOnExit);
  await polling;
  await tail.poll();
  let summary: SummaryData | null = null;
  if (existsSync(summaryFile)) {
    summary = fromLegacyExport(
      JSON.parse(readFileSync(summaryFile, 'utf8')),
      tail.kinds,
      { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: Date.now() - started },
      opts.summaryTrendStats ?? DEFAULT_SUMMARY_TREND_STATS,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  const thresholds = Object.entries(summary?.metrics ?? {}).flatMap(([metric, m]) =>
    Object.entries(m.thresholds ?? {}).map(([threshold, v]) => ({
      metric,
      threshold,
      ok: v.ok,
      abortOnFail: false,
    })),
  );
  return { exitCode, summary, thresholds, interrupted: exitCode === 105 || exitCode === 108 };
}
