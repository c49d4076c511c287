// The k6 binary behind the Engine interface: spawns `k6 run` with the equivalent flags, follows
// its NDJSON for onSamples/onProgress, and reads its summary export back.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SUMMARY_TREND_STATS } from '../metrics/trend-stats.ts';
import type { Sample, SummaryData } from '../metrics/types.ts';
import type { Progress } from '../progress.ts';
import { RecentRate } from '../progress.ts';
import type { RunOptions, RunResult } from '../run-options.ts';
import type { Engine } from './engine.ts';
import { fromLegacyExport } from './legacy-summary.ts';
import { NdjsonTail } from './ndjson-tail.ts';

/** `k6 run` arguments equivalent to RunOptions (samples and summary go to the given files). */
export function k6Args(opts: RunOptions, samplesFile: string, summaryFile: string): string[] {
  const args = ['run'];
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
  args.push(`--include-system-env-vars=${opts.includeSystemEnvVars === true}`);
  if (opts.quiet) args.push('--quiet');
  if (opts.noColor) args.push('--no-color');
  args.push(opts.script);
  return args;
}

export function k6Engine(bin: string): Engine {
  return {
    name: 'k6',
    version: () =>
      new Promise((resolve, reject) => {
        const child = spawn(bin, ['version'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
        });
        child.on('error', reject);
        child.on('close', () => resolve(out.trim()));
      }),
    run: (opts) => runK6(bin, opts),
  };
}

async function runK6(bin: string, opts: RunOptions): Promise<RunResult> {
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
  const child = spawn(bin, k6Args(opts, samplesFile, summaryFile), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
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
      (opts.stderr ?? process.stderr).write(`could not start k6 (${bin}): ${err.message}\n`);
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
