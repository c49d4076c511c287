// One test run as seen from the main thread. VU code runs in a worker thread (./worker/); this
// thread owns what must keep working whatever the script does: the test clock, stop requests, the
// metrics engine and thresholds, the outputs, the progress line and the summary. A VU thread that
// stops answering (VU code that never yields) is terminated when the run is due to end — at
// duration + gracefulStop, on a stop request, or at setupTimeout/teardownTimeout — and the summary
// of what was measured is still written (k6 docs: https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/).

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { logLine } from './console.ts';
import { describeScenario, executionPlan } from './executors/plan.ts';
import { EXIT, outOfMemory } from './exit-codes.ts';
import { checkDuration } from './limits.ts';
import { LogSink } from './log-sink.ts';
import { MetricsEngine } from './metrics/engine.ts';
import { MetricRegistry, registerBuiltins } from './metrics/registry.ts';
import { DEFAULT_SUMMARY_TREND_STATS } from './metrics/trend-stats.ts';
import type { SummaryData, ThresholdsOption } from './metrics/types.ts';
import {
  DEFAULT_SYSTEM_TAGS,
  deriveScenarios,
  executionTuple,
  goDuration,
  overridesOf,
  plannedDurationMs,
  type ScenarioConfig,
} from './options.ts';
import { openOutputs } from './outputs/index.ts';
import type { Output } from './outputs/output.ts';
import { BUILT, ownFile } from './own-file.ts';
import { endLine, type Progress, progressLine, RecentRate } from './progress.ts';
import { type RestApi, type RestStatus, startRestApi } from './rest-api.ts';
import type { RunOptions, RunResult, StopMode } from './run-options.ts';
import { SampleSink } from './samples.ts';
import { SummaryWriteError, writeSummary } from './summary/write.ts';
import { syncBundleDir } from './sync/bundle.ts';
import {
  type Beat,
  type FromWorker,
  SampleDecoder,
  type ToWorker,
  type WorkerInit,
} from './worker/protocol.ts';

// From the sources the VU thread first registers the TypeScript loader (boot.mjs); the build is plain JavaScript.
const WORKER_ENTRY = BUILT
  ? ownFile('./worker/main.ts', import.meta.url)
  : new URL('./worker/boot.mjs', import.meta.url);
/** A VU thread silent this long after a stop request cannot end any iteration gracefully: all its VUs share one event loop. */
const STUCK_AFTER_STOP_MS = 3000;
const STUCK_WHILE_LOADING_MS = 10_000;
/** The same once the scenarios are past their planned end. */
const STUCK_AFTER_END_MS = 5000;
/** Beyond gracefulStop: the VU thread's own interrupt-and-abandon time (executors/scenario-run.ts) plus a margin. */
const END_MARGIN_MS = 5000;
/** A hard stop the VU thread has not finished after this long is forced. */
const HARD_STOP_MS = 3000;
/** k6's default handleSummaryTimeout (internal/cmd/config.go, applyDefault). */
const SUMMARY_TIMEOUT_MS = 120_000;
const DEFAULT_HOOK_TIMEOUT = '60s';

type Ready = Extract<FromWorker, { t: 'ready' }>;
type Fatal = Extract<FromWorker, { t: 'fatal' }>;
type SummaryResult = Extract<FromWorker, { t: 'summary-result' }>;

function isTTY(w: Writable): boolean {
  return (w as { isTTY?: boolean }).isTTY === true;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolveFn!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolveFn = r;
  });
  return { promise, resolve: resolveFn };
}

/**
 * The VU thread's young generation may grow this far (V8's default for a thread is a few MB of
 * semi-space). Every request in flight keeps objects alive across scavenges, so with hundreds of
 * VUs each scavenge copies them all again; a larger young generation scavenges less often. At 400
 * VUs against a local server, scavenging took 2–9 µs per request with 128 MB against 23–62 µs with
 * the default (--trace-gc, same machine, alternating runs). It only grows under allocation
 * pressure: a small test's memory stays as it was.
 */
const VU_THREAD_YOUNG_GENERATION_MB = 128;

/** One worker thread running VU code, with the time it was last heard from. */
class VuThread {
  readonly worker: Worker;
  lastHeard = performance.now();
  gone = false;
  readonly exited: Promise<void>;

  constructor(init: WorkerInit, onMessage: (msg: FromWorker) => void, onError: (err: Error) => void) {
    this.worker = new Worker(WORKER_ENTRY, {
      workerData: init,
      stdout: false,
      stderr: false,
      resourceLimits: { maxYoungGenerationSizeMb: VU_THREAD_YOUNG_GENERATION_MB },
    });
    this.worker.on('message', (msg: FromWorker) => {
      this.lastHeard = performance.now();
      onMessage(msg);
    });
    this.worker.on('error', onError);
    this.exited = new Promise((r) =>
      this.worker.once('exit', () => {
        this.gone = true;
        r();
      }),
    );
  }

  send(msg: ToWorker): void {
    if (!this.gone) this.worker.postMessage(msg);
  }

  async kill(): Promise<void> {
    if (this.gone) return;
    await this.worker.terminate();
    await this.exited;
  }
}

type Stage = 'load' | 'init' | 'paused' | 'setup' | 'running' | 'teardown' | 'ended';

export class TestRun {
  private readonly runId = randomUUID().slice(0, 8);
  private readonly scriptPath: string;
  private readonly env: Record<string, string>;
  private readonly io: { stdout: Writable; stderr: Writable };
  /** Log lines (the VU thread's and ours): --log-output, --log-format, --console-output. */
  private readonly logs: LogSink;
  private readonly registry = new MetricRegistry();
  private readonly decoder = new SampleDecoder();
  private readonly inflight = new Int32Array(new SharedArrayBuffer(4));
  private readonly sink = new SampleSink();
  private readonly recent = new RecentRate();
  private metrics: MetricsEngine | null = null;
  private outputs: Output[] = [];
  private thread: VuThread | null = null;
  private ready = deferred<Ready | Fatal | null>();
  private ended = deferred<void>();
  private summaryResult = deferred<SummaryResult | null>();
  private stage: Stage = 'load';
  private stageSince = performance.now();
  private startPerf = 0;
  private runningSince = 0;
  private scenarios: ScenarioConfig[] = [];
  private testTags: Record<string, string> = {};
  private setupTimeoutMs = 60_000;
  private teardownTimeoutMs = 60_000;
  private summaryTimeoutMs = SUMMARY_TIMEOUT_MS;
  /** Whether prepare() failed on --out (a command-line mistake) rather than on the script's options. */
  private outputProblem = false;
  private beat: Beat | null = null;
  private setupJson: string | undefined;
  private stopMode: StopMode | null = null;
  private stopAt = 0;
  private hardAt = 0;
  private abortReason: { code: number; message: string } | null = null;
  private failedMarked = false;
  private summaryTimeUnit = '';
  private fatal: Fatal | null = null;
  /** Why the VU thread was terminated, when it was. */
  private forced: string | null = null;
  /** k6's --paused: the test waits for PATCH /v1/status {paused: false} before setup(). */
  private paused = false;
  /** The test clock started (after any pause): k6's HasStarted. */
  private started = false;
  private finished = false;
  private restApi: RestApi | null = null;

  constructor(private readonly opts: RunOptions) {
    this.scriptPath = resolve(opts.script);
    this.io = { stdout: opts.stdout ?? process.stdout, stderr: opts.stderr ?? process.stderr };
    this.logs = new LogSink(this.io, {
      output: opts.logOutput,
      format: opts.logFormat,
      consoleOutput: opts.consoleOutput,
    });
    const system = opts.includeSystemEnvVars ? (process.env as Record<string, string>) : {};
    this.env = { ...system, ...(opts.env ?? {}) };
  }

  requestStop(mode: StopMode): void {
    if (this.stopMode === 'hard') return;
    if (this.stopMode === 'graceful') mode = 'hard';
    const now = performance.now();
    if (this.stopMode === null) this.stopAt = now;
    if (mode === 'hard') this.hardAt = now;
    this.stopMode = mode;
    this.thread?.send({ t: 'stop', mode });
  }

  async execute(): Promise<RunResult> {
    if (!existsSync(this.scriptPath)) {
      return this.fail(EXIT.usage, `The script ${this.scriptPath} does not exist; check the path.`);
    }
    registerBuiltins(this.registry);
    // As k6 logs a feature flag it does not know, and runs without it (grafana/k6 internal/features).
    for (const feature of this.opts.unknownFeatures?.names ?? []) {
      const source = this.opts.unknownFeatures?.source ?? 'cli';
      this.logs.write(
        logLine('error', 'Unknown feature flag', undefined, { feature, outcome: 'unknown', source }),
      );
    }
    const onSignal = () => this.requestStop('graceful');
    const onHardSignal = () => this.requestStop('hard');
    this.opts.signal?.addEventListener('abort', onSignal);
    this.opts.hardStopSignal?.addEventListener('abort', onHardSignal);
    if (this.opts.signal?.aborted) this.requestStop('graceful');
    if (this.opts.hardStopSignal?.aborted) this.requestStop('hard');
    const watchdog = setInterval(() => this.watch(), 250);
    const tickers: NodeJS.Timeout[] = [];
    try {
      const thread = this.startThread('test');
      const ready = await this.ready.promise;
      if (ready === null || ready.t === 'fatal') {
        await thread.kill();
        if (ready?.t === 'fatal') return this.fail(ready.code, ready.message);
        return this.fail(this.stopMode ? EXIT.externalAbort : EXIT.scriptException, this.lostThread());
      }
      if (this.opts.inspect) {
        await thread.kill();
        this.io.stdout.write(`${JSON.stringify(ready.options, null, 2)}\n`);
        return { exitCode: EXIT.ok, summary: null, thresholds: [], interrupted: false };
      }
      const invalid = await this.prepare(ready);
      if (invalid) {
        await thread.kill();
        // --out comes only from the command line or K6_OUT: k6 exits 255 for an output it cannot
        // create (internal/cmd/outputs.go returns the error without an exit code).
        if (this.outputProblem) return this.fail(EXIT.usage, invalid);
        return this.fail(EXIT.invalidConfig, `Invalid options: ${invalid}`);
      }
      this.paused = ready.options.paused === true;
      const restProblem = await this.startRestApi();
      if (restProblem) {
        await thread.kill();
        await this.closeOutputs();
        return this.fail(EXIT.cannotStartRestApi, restProblem);
      }
      if (!this.opts.quiet)
        this.io.stderr.write(banner(this.scriptPath, this.opts.out ?? [], this.scenarios, ready.options));
      this.sink.start();
      this.setStage('init');
      thread.send({ t: 'start', paused: this.paused });
      tickers.push(setInterval(() => this.emitVUs(), 1000));
      tickers.push(setInterval(() => this.checkThresholds(), 2000));
      tickers.push(this.startProgress());
      await this.ended.promise;
      this.finished = true;
      for (const t of tickers) clearInterval(t);
      if (this.fatal && this.stage === 'init') {
        await thread.kill();
        await this.closeOutputs();
        return this.fail(this.fatal.code, this.fatal.message);
      }
      if (this.stage !== 'load') {
        // As k6 ends its progress display: the counts the test ended with.
        const last = this.progress();
        this.opts.onProgress?.(last);
        if (!this.opts.quiet) {
          const { maxVUs, endMs } = executionPlan(this.scenarios);
          const line = endLine(last, { maxMs: endMs, maxVUs });
          this.io.stderr.write(`${isTTY(this.io.stderr) ? '\n' : ''}${line}\n`);
        }
      }
      return await this.finish(ready);
    } finally {
      for (const t of tickers) clearInterval(t);
      clearInterval(watchdog);
      // The REST API ends with the test, as in k6.
      await this.restApi?.close();
      this.opts.signal?.removeEventListener('abort', onSignal);
      this.opts.hardStopSignal?.removeEventListener('abort', onHardSignal);
      await this.thread?.kill();
      await rm(syncBundleDir(this.runId), { recursive: true, force: true });
      this.sink.stop();
      await this.logs.close();
    }
  }

  private startThread(mode: WorkerInit['mode']): VuThread {
    Atomics.store(this.inflight, 0, 0);
    const init: WorkerInit = {
      mode,
      scriptPath: this.scriptPath,
      runId: this.runId,
      env: this.env,
      overrides: overridesOf(this.opts),
      verbose: this.opts.verbose === true,
      syncVus: this.opts.syncVus,
      settings: { moduleCache: this.opts.moduleCache, secretSources: this.opts.secretSources },
      inflight: this.inflight.buffer as SharedArrayBuffer,
    };
    const thread = new VuThread(
      init,
      (msg) => this.onMessage(msg),
      (err) => {
        if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
          const message = outOfMemory(null);
          this.logs.write(logLine('error', message));
          this.abortReason ??= { code: EXIT.scriptException, message };
          return;
        }
        this.logs.write(logLine('error', `The VU thread failed: ${err.stack ?? err.message}`));
        if (!this.abortReason) this.abortReason = { code: EXIT.scriptException, message: err.message };
      },
    );
    void thread.exited.then(() => {
      this.ready.resolve(null);
      this.ended.resolve();
      this.summaryResult.resolve(null);
    });
    this.thread = thread;
    return thread;
  }

  /** Metrics engine, thresholds, outputs; returns the problem with the options, if any. */
  private async prepare(ready: Ready): Promise<string | null> {
    try {
      for (const m of ready.metrics) this.registry.define(m.name, m.type, m.contains);
      const o = ready.options;
      this.scenarios = ready.scenarios;
      this.testTags = { ...((o.tags as Record<string, string>) ?? {}) };
      this.setupTimeoutMs = checkDuration((o.setupTimeout as string) ?? DEFAULT_HOOK_TIMEOUT, 'setupTimeout');
      this.teardownTimeoutMs = checkDuration(
        (o.teardownTimeout as string) ?? DEFAULT_HOOK_TIMEOUT,
        'teardownTimeout',
      );
      this.summaryTimeoutMs =
        o.handleSummaryTimeout === undefined || o.handleSummaryTimeout === null
          ? SUMMARY_TIMEOUT_MS
          : checkDuration(o.handleSummaryTimeout as string, 'handleSummaryTimeout');
      // The summary's time unit (script option, config file, --summary-time-unit): k6 puts it in
      // handleSummary's data.options and its text summary shows trend times in it.
      this.summaryTimeUnit = typeof o.summaryTimeUnit === 'string' ? o.summaryTimeUnit : '';
      const metrics = new MetricsEngine({
        registry: this.registry,
        thresholds: (this.opts.noThresholds ? {} : (o.thresholds ?? {})) as ThresholdsOption,
        summaryTrendStats: (o.summaryTrendStats as string[]) ?? DEFAULT_SUMMARY_TREND_STATS,
        systemTags: Array.isArray(o.systemTags) ? new Set(o.systemTags.map(String)) : undefined,
        breakdown: this.opts.summaryMode === 'full',
      });
      this.metrics = metrics;
      this.outputProblem = true;
      this.outputs = await openOutputs(this.opts.out ?? [], {
        metricInfo: (name) => metrics.metricInfo(name),
        systemTags: Array.isArray(o.systemTags) ? o.systemTags.map(String) : DEFAULT_SYSTEM_TAGS,
        env: this.opts.outputEnv ?? process.env,
        log: (level, text) => this.logs.write(logLine(level, text)),
      });
      this.outputProblem = false;
    } catch (err) {
      return (err as Error).message;
    }
    const metrics = this.metrics;
    this.sink.setEntryConsumer((entry) => metrics.addEntry(entry));
    for (const o of this.outputs) this.sink.addConsumer((batch) => o.add(batch));
    const onSamples = this.opts.onSamples;
    if (onSamples) this.sink.addConsumer((batch) => onSamples(batch));
    return null;
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.t) {
      case 'samples':
        for (const m of msg.batch.metrics) this.registry.define(m.name, m.type, m.contains);
        this.decoder.decode(msg.batch, this.sink.push);
        Atomics.sub(this.inflight, 0, 1);
        Atomics.notify(this.inflight, 0);
        return;
      case 'log':
        this.logs.write(msg.text);
        return;
      case 'beat':
        this.beat = msg.beat;
        return;
      case 'ready':
        this.ready.resolve(msg);
        return;
      case 'fatal':
        this.fatal = msg;
        // While loading or initialising VUs, execute() reports it once the VU thread is done.
        if (this.stage === 'load') this.ready.resolve(msg);
        else if (this.stage !== 'init') this.logs.write(logLine('error', msg.message));
        return;
      case 'phase':
        if (msg.phase === 'ended') this.ended.resolve();
        else if (msg.phase === 'started') {
          this.startPerf = performance.now();
          this.started = true;
        } else this.setStage(msg.phase);
        return;
      case 'setup-data':
        this.setupJson = msg.json;
        return;
      case 'abort':
        if (this.abortReason) return;
        this.abortReason = { code: msg.code, message: msg.message };
        if (msg.code === EXIT.scriptAborted) this.logs.write(logLine('warning', msg.message));
        return;
      case 'failed':
        if (!this.failedMarked) this.logs.write(logLine('warning', `test marked as failed: ${msg.reason}`));
        this.failedMarked = true;
        return;
      case 'summary-result':
        this.summaryResult.resolve(msg);
        return;
    }
  }

  /**
   * k6's REST API on `address`, when one is given. Returns the problem when it cannot listen on an
   * address given with --address (k6 exits 106 then); from K6_ADDRESS k6 only warns, and so here.
   */
  private async startRestApi(): Promise<string | null> {
    const address = this.opts.address;
    if (!address) return null;
    try {
      this.restApi = await startRestApi(address, {
        status: () => this.restStatus(),
        setPaused: (paused) => this.setPaused(paused),
        stop: () => this.stopFromRestApi(),
        metrics: () => this.metrics?.observed(this.testElapsedMs()) ?? [],
        groups: () => (this.metrics as MetricsEngine).groupTree(),
      });
      this.opts.onRestApi?.(this.restApi.address);
      return null;
    } catch (err) {
      const why = `Error from API server: cannot listen on ${address}: ${(err as Error).message}`;
      if (!this.opts.addressFromEnv) return why;
      this.logs.write(logLine('warning', why));
      return null;
    }
  }

  private testElapsedMs(): number {
    return this.startPerf === 0 ? 0 : performance.now() - this.startPerf;
  }

  /** GET /v1/status: k6's execution status number and flags (lib/execution.go ExecutionStatus). */
  private restStatus(): RestStatus {
    const stopped = this.stopMode !== null || this.abortReason !== null;
    let status: number;
    if (this.finished || this.stage === 'ended') status = stopped ? 10 : this.failedMarked ? 11 : 9;
    else if (this.stage === 'teardown') status = 8;
    else if (this.stage === 'running') status = 7;
    else if (this.stage === 'setup') status = 6;
    else if (this.started) status = 5;
    else if (this.stage === 'paused') status = 4;
    else status = 1;
    return {
      status,
      paused: this.paused,
      vus: this.beat?.vusActive ?? 0,
      'vus-max': this.beat?.vusMax ?? 0,
      stopped,
      running: this.started && !this.finished,
      tainted: (this.metrics?.breachedCount() ?? 0) > 0,
    };
  }

  /**
   * PATCH /v1/status {paused}: as k6's Scheduler.SetPaused, a test started paused can be resumed
   * before it starts; once started, none of the executors this engine has can pause or resume
   * (in k6 only externally-controlled can).
   */
  private setPaused(paused: boolean): string | null {
    if (!this.started && this.paused) {
      if (paused) return 'execution is already paused';
      this.paused = false;
      this.thread?.send({ t: 'resume' });
      return null;
    }
    const first = [...this.scenarios].sort(
      (a, b) => a.startTimeMs - b.startTimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    )[0];
    if (first)
      return `${first.executor} executor '${first.name}' doesn't support pause and resume operations after its start`;
    if (paused === this.paused)
      return paused ? 'test execution was already paused' : "test execution wasn't paused";
    this.paused = paused;
    if (!paused) this.thread?.send({ t: 'resume' });
    return null;
  }

  /** PATCH /v1/status {stopped: true}: ends the test as k6's REST API does (exit 103); teardown() still runs. */
  private stopFromRestApi(): void {
    if (this.finished || this.abortReason) return;
    this.abortReason = { code: EXIT.stoppedFromRestApi, message: 'test run stopped from REST API' };
    this.thread?.send({
      t: 'abort',
      code: EXIT.stoppedFromRestApi,
      message: 'test run stopped from REST API',
    });
    this.logs.write(logLine('warning', 'test run stopped from REST API'));
  }

  private setStage(stage: Stage): void {
    this.stage = stage;
    this.stageSince = performance.now();
    if (stage === 'running') this.runningSince = this.stageSince;
  }

  /** Ends the VU thread when the run is due to end and the thread cannot end it itself. */
  private watch(): void {
    const thread = this.thread;
    if (!thread || thread.gone || this.forced) return;
    const now = performance.now();
    const silentMs = now - thread.lastHeard;
    const silent = `the VU code has not yielded for ${(silentMs / 1000).toFixed(1)} s`;
    const grace = Math.max(0, ...this.scenarios.map((s) => s.gracefulStopMs));
    let reason: string | null = null;
    // While the VU thread starts, it loads the TypeScript loader and the engine before it can answer.
    const stuckAfterStop = this.stage === 'load' ? STUCK_WHILE_LOADING_MS : STUCK_AFTER_STOP_MS;
    if (this.stopMode && silentMs > stuckAfterStop) {
      reason = `${silent}, so no iteration can end gracefully`;
    } else if (this.stopMode === 'hard' && now - this.hardAt > HARD_STOP_MS) {
      reason = 'the VU code did not stop when told to stop at once';
    } else if (this.stopMode === 'graceful' && now - this.stopAt > grace + END_MARGIN_MS) {
      reason = 'the VU code did not end within gracefulStop';
    } else if (this.stage === 'setup' && now - this.stageSince > this.setupTimeoutMs) {
      reason = `setup() did not finish within setupTimeout (${this.setupTimeoutMs / 1000} s)`;
      this.abortReason ??= { code: EXIT.setupTimeout, message: reason };
    } else if (this.stage === 'teardown' && now - this.stageSince > this.teardownTimeoutMs) {
      reason = `teardown() did not finish within teardownTimeout (${this.teardownTimeoutMs / 1000} s)`;
      this.abortReason ??= { code: EXIT.teardownTimeout, message: reason };
    } else if (this.stage === 'running') {
      const end =
        this.runningSince + Math.max(0, ...this.scenarios.map((s) => s.startTimeMs + plannedDurationMs(s)));
      if (now > end + grace + END_MARGIN_MS) reason = 'the scenarios did not end within gracefulStop';
      else if (now > end && silentMs > STUCK_AFTER_END_MS) reason = `${silent} at the end of the test`;
    }
    if (reason === null) return;
    this.forced = reason;
    this.logs.write(
      logLine(
        'warning',
        `Stopping the VU thread: ${reason}. The summary covers what was measured until then` +
          `${this.stage === 'running' || this.stage === 'setup' ? '; teardown() does not run' : ''}.`,
      ),
    );
    void thread.kill();
  }

  /**
   * vus and vus_max once a second from the start of the VUs' initialisation to the end of
   * teardown(), as k6 emits them (grafana/k6 internal/execution/scheduler.go, emitVUsAndVUsMax: a
   * 1 s ticker started by Init and stopped after Run, nothing at once): a run shorter than a second
   * has neither metric in its summary, and setup() and teardown() count their 0 active VUs.
   */
  private emitVUs(): void {
    if (!this.beat || this.stage === 'load' || this.stage === 'ended') return;
    const time = Date.now();
    this.sink.push({ metric: 'vus', time, value: this.beat.vusActive, tags: this.testTags });
    this.sink.push({ metric: 'vus_max', time, value: this.beat.vusMax, tags: this.testTags });
  }

  private checkThresholds(): void {
    if (!this.metrics || this.startPerf === 0) return;
    this.sink.flush();
    const verdict = this.metrics.evaluateThresholds(performance.now() - this.startPerf, true);
    if (verdict.abort && !this.abortReason) {
      // k6's sentence (grafana/k6 internal/metrics/engine/engine.go): while the test runs it
      // names the crossed metrics that have samples, sorted.
      this.abortReason = {
        code: EXIT.thresholdsFailed,
        message: `thresholds on metrics '${verdict.breachedWithSamples.join(', ')}' were crossed; at least one has abortOnFail enabled, stopping test prematurely`,
      };
      this.logs.write(logLine('error', this.abortReason.message));
      // Iterations are interrupted at once; teardown() still runs, as k6 runs it with the global
      // context, which a threshold abort does not cancel (grafana/k6 internal/execution/scheduler.go, Run).
      this.thread?.send({ t: 'abort', code: this.abortReason.code, message: this.abortReason.message });
    }
  }

  private progress(): Progress {
    const elapsedMs = this.startPerf === 0 ? 0 : performance.now() - this.startPerf;
    const beat = this.beat;
    let iterations = 0;
    let interrupted = 0;
    let failed = 0;
    // k6 counts an iteration that threw as a complete one (grafana/k6, lib/executor/helpers.go,
    // getIterationRunner), as the `iterations` metric does.
    for (const s of beat?.scenarios ?? []) {
      iterations += s.iterations + s.failed;
      interrupted += s.interrupted;
      failed += s.failed;
    }
    const requests = beat?.requests ?? 0;
    return {
      scenarios: (beat?.scenarios ?? []).map((s) => ({
        name: s.name,
        executor: s.executor,
        elapsedMs: s.elapsedMs,
        plannedMs: s.plannedMs,
        vus: s.vus,
        iterations: s.iterations + s.failed,
        interrupted: s.interrupted,
      })),
      elapsedMs,
      plannedMs: Math.max(0, ...this.scenarios.map((s) => s.startTimeMs + plannedDurationMs(s))),
      vus: beat?.vusActive ?? 0,
      vusMax: beat?.vusMax ?? 0,
      iterations,
      interrupted,
      requests,
      reqPerSec: this.recent.rate(performance.now(), requests),
      errors: (beat?.failedRequests ?? 0) + failed,
    };
  }

  private startProgress(): NodeJS.Timeout {
    const tty = isTTY(this.io.stderr);
    let ticks = 0;
    return setInterval(() => {
      const p = this.progress();
      this.opts.onProgress?.(p);
      if (this.opts.quiet) return;
      ticks++;
      if (tty) this.io.stderr.write(`\r\x1b[2K${progressLine(p)}`);
      else if (ticks % 10 === 0) this.io.stderr.write(`${progressLine(p)}\n`);
    }, 1000);
  }

  /** Summary, handleSummary, export, outputs closed, exit code. */
  private async finish(ready: Ready): Promise<RunResult> {
    const metrics = this.metrics as MetricsEngine;
    this.sink.flush();
    const testRunDurationMs = this.startPerf === 0 ? 0 : performance.now() - this.startPerf;
    const summary = metrics.summaryData({
      testRunDurationMs,
      isStdOutTTY: isTTY(this.io.stdout),
      isStdErrTTY: isTTY(this.io.stderr),
      noColor: this.opts.noColor ?? false,
      setupData: this.setupJson === undefined ? undefined : JSON.parse(this.setupJson),
      summaryTimeUnit: this.summaryTimeUnit,
    });
    const verdict = metrics.evaluateThresholds(testRunDurationMs);
    if (this.opts.summaryMode !== 'disabled') {
      const files = ready.hasHandleSummary ? await this.handleSummary(summary) : null;
      await writeSummary(summary, files, {
        stdout: this.io.stdout,
        stderr: this.io.stderr,
        colors: !this.opts.noColor && isTTY(this.io.stdout),
        summaryExport: this.opts.summaryExport,
        legacy: this.opts.summaryMode === 'legacy',
        thresholdValues: metrics.thresholdPercentiles(),
        checks: metrics.checksInOrder(),
        breakdown: metrics.summaryBreakdown(testRunDurationMs) ?? undefined,
      }).catch((err) => {
        if (!(err instanceof SummaryWriteError)) throw err;
        this.logs.write(logLine('error', `failed to handle the end-of-test summary: ${err.message}`));
      });
    }
    const outputFailed = await this.closeOutputs();

    const interrupted = this.stopMode !== null || this.abortReason !== null;
    let exitCode: number = EXIT.ok;
    if (this.abortReason) exitCode = this.abortReason.code;
    else if (this.stopMode) exitCode = EXIT.externalAbort;
    else if (verdict.failed) exitCode = EXIT.thresholdsFailed;
    else if (this.failedMarked) exitCode = EXIT.markedAsFailed;
    else if (outputFailed) exitCode = EXIT.outputFailed;
    // k6 (grafana/k6 internal/cmd/run.go) reports crossed thresholds at the end only when the
    // run has no other error (an abort, a stop), naming the crossed metrics.
    if (verdict.failed && !interrupted) {
      this.logs.write(
        logLine('error', `thresholds on metrics '${verdict.breached.join(', ')}' have been crossed`),
      );
    }
    return { exitCode, summary, thresholds: metrics.thresholdResults(), interrupted };
  }

  /**
   * handleSummary(data) in the VU thread; when that thread was stopped, in a fresh one that loads
   * the script again (its init code runs once more). Null means: print the text summary.
   */
  private async handleSummary(summary: SummaryData): Promise<Record<string, string | ArrayBuffer> | null> {
    if (!this.thread || this.thread.gone) {
      this.summaryResult = deferred();
      this.forced = null;
      this.startThread('summary');
    }
    const thread = this.thread as VuThread;
    this.setStage('ended');
    thread.lastHeard = performance.now();
    thread.send({ t: 'summary', data: summary });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void thread.kill();
    }, this.summaryTimeoutMs);
    const result = await this.summaryResult.promise;
    clearTimeout(timer);
    await thread.kill();
    if (timedOut) {
      // As k6 (internal/js/runner.go checkDeadline, internal/cmd/run.go): one error line, and no
      // summary at all, not the default one.
      const seconds = (this.summaryTimeoutMs / 1000).toFixed(0);
      this.logs.write(
        logLine('error', 'failed to handle the end-of-test summary', undefined, {
          error: `handleSummary() execution timed out after ${seconds} seconds`,
        }),
      );
      return {};
    }
    if (result?.files) return result.files;
    // handleSummary() returned nothing: the default text summary, as k6 prints it then.
    if (result && result.files === null && result.error === undefined) return null;
    const why = result?.error ?? this.fatal?.message ?? 'it did not return';
    this.logs.write(logLine('error', `handleSummary() failed, printing the default summary instead: ${why}`));
    return null;
  }

  /** Closes every output (remote ones wait for their last push, bounded); true when one failed. */
  private async closeOutputs(): Promise<boolean> {
    this.sink.stop();
    const results = await Promise.allSettled(this.outputs.map((o) => o.close()));
    let failed = false;
    for (const r of results) {
      if (r.status === 'rejected') {
        failed = true;
        this.logs.write(logLine('error', `could not finish the --out file: ${(r.reason as Error).message}`));
      }
    }
    this.outputs = [];
    return failed;
  }

  private lostThread(): string {
    return this.stopMode
      ? 'The test was stopped while the script was loading.'
      : 'The VU thread ended while loading the script.';
  }

  private fail(exitCode: number, message: string): RunResult {
    this.logs.write(logLine('error', message));
    return { exitCode, summary: null, thresholds: [], interrupted: false };
  }
}

/**
 * What k6 prints before the run (grafana/k6 internal/cmd/ui.go, printExecutionDescription): the
 * execution, script and outputs, then the scenarios as k6 describes them, in k6's order (start
 * time, then name), with the share of the test, the most VUs and the longest duration.
 */
function banner(
  script: string,
  out: string[],
  scenarios: ScenarioConfig[],
  options: Record<string, unknown>,
): string {
  const { maxVUs, endMs } = executionPlan(scenarios);
  const tuple = executionTuple(options);
  const seg = tuple.sequence[tuple.index];
  const share = seg ? Number(seg.to.n) / Number(seg.to.d) - Number(seg.from.n) / Number(seg.from.d) : 1;
  const whole = new Map(deriveScenarios(options).map((s) => [s.name, s]));
  const raw = (options.scenarios ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const sorted = [...scenarios].sort((a, b) =>
    a.startTimeMs !== b.startTimeMs
      ? a.startTimeMs - b.startTimeMs
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0,
  );
  const count = `${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}`;
  const lines = [
    '',
    '     execution: local (connect-perf-engine, node)',
    `        script: ${script}`,
    `        output: ${out.length ? out.join(', ') : '-'}`,
    '',
    `     scenarios: (${(share * 100).toFixed(2)}%) ${count}, ${maxVUs} max VUs, ${goDuration(Math.round(endMs / 100) * 100)} max duration (incl. graceful stop):`,
    ...sorted.map((s) => {
      const wholeS = whole.get(s.name);
      const wholeMax = wholeS && 'maxVUs' in wholeS ? wholeS.maxVUs : undefined;
      const execSet = raw[s.name]?.exec !== undefined && raw[s.name]?.exec !== null;
      return `              * ${s.name}: ${describeScenario(s, execSet, share, wholeMax)}`;
    }),
    '',
  ];
  return `${lines.join('\n')}\n`;
}
