// The lifecycle of one test run, as k6 runs it: init the VUs (each imports its own copy of the
// script), setup(), the scenarios with their executors, teardown(), then handleSummary() or the
// text summary, the summary export and the exit code (k6-facts §2, §3).
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { pathToFileURL } from 'node:url';
import { logLine } from './console.ts';
import { runExecutor } from './executors/index.ts';
import { type ScenarioHost, ScenarioRun, type StopMode } from './executors/scenario-run.ts';
import { EXIT } from './exit-codes.ts';
import { closeConnections } from './http/api.ts';
import { MetricsEngine, type ThresholdResult } from './metrics/engine.ts';
import { InvalidOptionsError } from './metrics/errors.ts';
import { MetricRegistry, registerBuiltins } from './metrics/registry.ts';
import type { SampleGroup } from './metrics/sample-groups.ts';
import { DEFAULT_SUMMARY_TREND_STATS } from './metrics/trend-stats.ts';
import type { Sample, SummaryData, ThresholdsOption } from './metrics/types.ts';
import { inInitContext } from './open.ts';
import {
  deriveScenarios,
  initialVUs,
  mergeOptions,
  type OptionOverrides,
  type ScenarioConfig,
} from './options.ts';
import { JsonOutput } from './outputs/json.ts';
import { parseOuts } from './outputs/parse-out.ts';
import { type Progress, progressLine, RecentRate } from './progress.ts';
import { addVU, forgetRun } from './registry.ts';
import { configureRun, forgetRunSettings, type RunSettings } from './run-settings.ts';
import { SampleSink } from './samples.ts';
import { formatLegacySummaryExport } from './summary/export.ts';
import { textSummary } from './summary/text.ts';
import type { HttpSettings, TestContext } from './test-context.ts';
import { describeError, VU } from './vu.ts';

export const ENGINE_VERSION = '0.1.0';

export interface RunOptions extends OptionOverrides, RunSettings {
  /** Path of the script (an ES module, e.g. an esbuild bundle). */
  script: string;
  /** `-e K=V` values for `__ENV`. */
  env?: Record<string, string>;
  /** `--out` values; only `json=FILE` (`.gz`, `-` for stdout). */
  out?: string[];
  summaryExport?: string;
  quiet?: boolean;
  noColor?: boolean;
  /** Put the process environment into `__ENV` (the CLI does, like `k6 run`; the library does not by default). */
  includeSystemEnvVars?: boolean;
  onSamples?: (samples: Sample[]) => void;
  onProgress?: (progress: Progress) => void;
  /** Aborting it stops the test like a first Ctrl+C (graceful); `stop('hard')` on the handle stops at once. */
  signal?: AbortSignal;
  /** Aborting it stops the test at once, like a second Ctrl+C (for callers without the handle). */
  hardStopSignal?: AbortSignal;
  stdout?: Writable;
  stderr?: Writable;
}

export interface RunResult {
  exitCode: number;
  /** handleSummary's data; null when the test never started (bad script or options). */
  summary: SummaryData | null;
  thresholds: ThresholdResult[];
  /** The test was stopped before its planned end (signal, test.abort(), abortOnFail). */
  interrupted: boolean;
}

export interface TestHandle {
  stop(mode?: StopMode): void;
  readonly result: Promise<RunResult>;
}

interface Streams {
  stdout: Writable;
  stderr: Writable;
}

function isTTY(w: Writable): boolean {
  return (w as { isTTY?: boolean }).isTTY === true;
}

/** Starts a test; the handle stops it (graceful first, hard second) and gives its result. */
export function startTest(opts: RunOptions): TestHandle {
  const run = new TestRun(opts);
  return { stop: (mode) => run.requestStop(mode ?? 'graceful'), result: run.execute() };
}

export function runTest(opts: RunOptions): Promise<RunResult> {
  return startTest(opts).result;
}

class TestRun implements TestContext, ScenarioHost {
  readonly runId = randomUUID().slice(0, 8);
  readonly scriptPath: string;
  readonly registry = new MetricRegistry();
  testTags: Record<string, string> = {};
  readonly env: Record<string, string>;
  options: Record<string, unknown> = {};
  readonly http: HttpSettings = {
    insecureSkipTLSVerify: false,
    ca: undefined,
    tlsAuth: [],
    userAgent: `connect-perf-engine/${ENGINE_VERSION} (k6-compatible; https://k6.io/)`,
    maxRedirects: 10,
    discardResponseBodies: false,
    throw: false,
  };
  startedAt = 0;
  private startPerf = 0;
  private readonly io: Streams;
  private readonly sink = new SampleSink();
  private readonly vus: VU[] = [];
  private readonly idle: VU[] = [];
  private setupJson: string | undefined;
  private initChain: Promise<unknown> = Promise.resolve();
  private nextVuId = 1;
  private scenarios: ScenarioRun[] = [];
  private stopMode: StopMode | null = null;
  private abortReason: { code: number; message: string } | null = null;
  private failedMarked = false;
  private requests = 0;
  private failedRequests = 0;
  private breathCount = 0;
  private metrics: MetricsEngine | null = null;
  private readonly recent = new RecentRate();

  constructor(private readonly opts: RunOptions) {
    this.scriptPath = resolve(opts.script);
    this.io = { stdout: opts.stdout ?? process.stdout, stderr: opts.stderr ?? process.stderr };
    const system = opts.includeSystemEnvVars ? (process.env as Record<string, string>) : {};
    this.env = { ...system, ...(opts.env ?? {}) };
    this.emit = this.sink.push;
  }

  readonly emit: (sample: Sample | SampleGroup) => void;

  countRequest(failed: boolean): void {
    this.requests++;
    if (failed) this.failedRequests++;
  }

  log(level: 'info' | 'warn' | 'error' | 'debug', text: string): void {
    const name = level === 'error' ? 'error' : level === 'warn' ? 'warning' : level;
    this.io.stderr.write(logLine(name, text, 'console'));
  }

  warn(message: string): void {
    this.io.stderr.write(logLine('warning', message));
  }

  abort(reason: string): void {
    if (this.abortReason) return;
    this.abortReason = { code: EXIT.scriptAborted, message: `test aborted: ${reason}` };
    this.warn(this.abortReason.message);
    this.stopScenarios('hard');
  }

  markFailed(reason: string): void {
    if (!this.failedMarked) this.warn(`test marked as failed: ${reason}`);
    this.failedMarked = true;
  }

  instanceStats() {
    let completed = 0;
    let interrupted = 0;
    let active = 0;
    for (const s of this.scenarios) {
      completed += s.iterationsCompleted;
      interrupted += s.iterationsInterrupted + s.iterationsFailed;
      active += s.activeVUs;
    }
    return {
      iterationsInterrupted: interrupted,
      iterationsCompleted: completed,
      vusActive: active,
      vusInitialized: this.vus.length,
      currentTestRunDuration: this.startPerf === 0 ? 0 : performance.now() - this.startPerf,
    };
  }

  breathe(): Promise<void> | undefined {
    if (++this.breathCount % 256 !== 0) return undefined;
    return new Promise((r) => setImmediate(r));
  }

  requestStop(mode: StopMode): void {
    if (this.stopMode === 'hard') return;
    if (this.stopMode === 'graceful') mode = 'hard';
    this.stopMode = mode;
    this.stopScenarios(mode);
  }

  private stopScenarios(mode: StopMode): void {
    for (const s of this.scenarios) s.stop(mode);
  }

  // VU pool

  private initOne(id: number): Promise<VU> {
    const next = this.initChain.then(async () => {
      const vu = new VU(id, this);
      addVU(vu);
      const url = `${pathToFileURL(this.scriptPath).href}?__run=${this.runId}&__vu=${id}`;
      vu.exports = { ...((await inInitContext(dirname(this.scriptPath), () => import(url))) as object) };
      vu.phase = 'iteration';
      if (this.setupJson !== undefined) vu.setupData = JSON.parse(this.setupJson);
      return vu;
    });
    this.initChain = next.catch(() => {});
    return next;
  }

  async initVU(): Promise<VU> {
    const vu = await this.initOne(this.nextVuId++);
    this.vus.push(vu);
    return vu;
  }

  async acquireVU(): Promise<VU> {
    return this.idle.pop() ?? this.initVU();
  }

  tryAcquireVU(): VU | null {
    return this.idle.pop() ?? null;
  }

  releaseVU(vu: VU): void {
    this.idle.push(vu);
  }

  // Lifecycle

  async execute(): Promise<RunResult> {
    try {
      return await this.lifecycle();
    } finally {
      forgetRun(this.runId);
      forgetRunSettings(this.runId);
    }
  }

  private fail(exitCode: number, message: string): RunResult {
    this.io.stderr.write(logLine('error', message));
    return { exitCode, summary: null, thresholds: [], interrupted: false };
  }

  private async lifecycle(): Promise<RunResult> {
    if (!existsSync(this.scriptPath)) {
      return this.fail(EXIT.usage, `The script ${this.scriptPath} does not exist; check the path.`);
    }
    configureRun(this.runId, this.opts);
    registerBuiltins(this.registry);

    let setupVU: VU;
    try {
      setupVU = await this.initOne(0);
    } catch (err) {
      return this.fail(EXIT.scriptException, scriptLoadError(this.scriptPath, err));
    }

    let scenarios: ScenarioConfig[];
    const outputs: JsonOutput[] = [];
    try {
      const scriptOptions = (setupVU.exports.options ?? {}) as Record<string, unknown>;
      this.options = mergeOptions(scriptOptions, this.opts);
      scenarios = deriveScenarios(this.options);
      for (const s of scenarios) {
        if (typeof setupVU.exports[s.exec] !== 'function') {
          throw new InvalidOptionsError(
            s.exec === 'default'
              ? `scenario "${s.name}" runs the default function, but the script has no \`export default function\`.`
              : `scenario "${s.name}" has exec "${s.exec}", but the script exports no function named "${s.exec}".`,
          );
        }
      }
      this.applyHttpOptions(this.options);
      this.testTags = { ...((this.options.tags as Record<string, string>) ?? {}) };
      this.metrics = new MetricsEngine({
        registry: this.registry,
        thresholds: (this.options.thresholds ?? {}) as ThresholdsOption,
        summaryTrendStats: (this.options.summaryTrendStats as string[]) ?? DEFAULT_SUMMARY_TREND_STATS,
      });
      const metrics = this.metrics;
      for (const spec of parseOuts(this.opts.out ?? [])) {
        outputs.push(await JsonOutput.open(spec.target, (name) => metrics.metricInfo(name)));
      }
    } catch (err) {
      for (const o of outputs) await o.close();
      if (err instanceof InvalidOptionsError)
        return this.fail(EXIT.invalidConfig, `Invalid options: ${err.message}`);
      return this.fail(EXIT.invalidConfig, `Invalid options: ${describeError(err)}`);
    }
    const metrics = this.metrics;
    this.sink.setEntryConsumer((entry) => metrics.addEntry(entry));
    for (const o of outputs) this.sink.addConsumer((batch) => o.add(batch));
    const onSamples = this.opts.onSamples;
    if (onSamples) this.sink.addConsumer((batch) => onSamples(batch));
    this.sink.start();

    this.scenarios = scenarios.map((c) => new ScenarioRun(c, this));
    const onSignal = () => this.requestStop('graceful');
    const onHardSignal = () => this.requestStop('hard');
    this.opts.signal?.addEventListener('abort', onSignal);
    this.opts.hardStopSignal?.addEventListener('abort', onHardSignal);
    if (this.opts.signal?.aborted) this.requestStop('graceful');
    if (this.opts.hardStopSignal?.aborted) this.requestStop('hard');
    if (!this.opts.quiet) this.io.stderr.write(banner(this.scriptPath, this.opts.out ?? [], this.scenarios));

    let exitCode: number = EXIT.ok;
    let interrupted = false;
    const tickers: NodeJS.Timeout[] = [];
    try {
      const needed = scenarios.reduce((sum, s) => sum + initialVUs(s), 0);
      try {
        for (let i = 0; i < needed; i++) this.idle.push(await this.initVU());
      } catch (err) {
        this.sink.stop();
        for (const o of outputs) await o.close();
        return this.fail(EXIT.scriptException, scriptLoadError(this.scriptPath, err));
      }
      this.idle.reverse();

      this.startedAt = Date.now();
      this.startPerf = performance.now();
      let setupFailed = false;
      if (typeof setupVU.exports.setup === 'function') {
        setupFailed = !(await this.runSetup(setupVU));
        if (setupFailed) exitCode = this.abortReason?.code ?? EXIT.scriptException;
      }
      if (!setupFailed && !this.stopMode) {
        tickers.push(setInterval(() => this.emitVUs(), 1000));
        tickers.push(setInterval(() => this.checkThresholds(), 2000));
        tickers.push(this.startProgress());
        this.emitVUs();
        await Promise.all(this.scenarios.map((s) => this.runScenario(s)));
        this.emitVUs();
        if (typeof setupVU.exports.teardown === 'function' && this.stopMode !== 'hard') {
          await this.runTeardown(setupVU);
        }
      }
    } finally {
      for (const t of tickers) clearInterval(t);
      this.opts.signal?.removeEventListener('abort', onSignal);
      this.opts.hardStopSignal?.removeEventListener('abort', onHardSignal);
      await Promise.all(this.vus.concat(setupVU).map((vu) => closeConnections(vu)));
    }
    if (!this.opts.quiet && isTTY(this.io.stderr)) this.io.stderr.write('\n');

    this.sink.flush();
    const testRunDurationMs = performance.now() - this.startPerf;
    const summary = metrics.summaryData({
      testRunDurationMs,
      isStdOutTTY: isTTY(this.io.stdout),
      isStdErrTTY: isTTY(this.io.stderr),
      noColor: this.opts.noColor ?? false,
      setupData: this.setupJson === undefined ? undefined : JSON.parse(this.setupJson),
    });
    const verdict = metrics.evaluateThresholds(testRunDurationMs);
    await this.writeSummary(setupVU, summary);
    this.sink.stop();
    for (const o of outputs) {
      try {
        await o.close();
      } catch (err) {
        this.warn(`could not finish the --out file: ${(err as Error).message}`);
      }
    }

    if (this.stopMode) interrupted = true;
    if (this.abortReason) interrupted = true;
    if (exitCode === EXIT.ok) {
      if (this.stopMode && !this.abortReason) exitCode = EXIT.externalAbort;
      else if (this.abortReason) exitCode = this.abortReason.code;
      else if (verdict.failed) exitCode = EXIT.thresholdsFailed;
      else if (this.failedMarked) exitCode = EXIT.markedAsFailed;
    }
    if (exitCode === EXIT.thresholdsFailed || (verdict.failed && exitCode === EXIT.ok)) {
      this.io.stderr.write(logLine('error', 'thresholds on metrics have been crossed'));
    }
    return { exitCode, summary, thresholds: metrics.thresholdResults(), interrupted };
  }

  private applyHttpOptions(o: Record<string, unknown>): void {
    const extra: string[] = [];
    const caFile = process.env.NODE_EXTRA_CA_CERTS ?? this.env.NODE_EXTRA_CA_CERTS;
    if (caFile && existsSync(caFile)) extra.push(readFileSync(caFile, 'utf8'));
    const optionCAs = o.tlsCACerts;
    if (typeof optionCAs === 'string') extra.push(optionCAs);
    else if (Array.isArray(optionCAs)) extra.push(...optionCAs.map(String));
    Object.assign(this.http, {
      insecureSkipTLSVerify: o.insecureSkipTLSVerify === true,
      ca: extra.length > 0 ? [...rootCertificates, ...extra] : undefined,
      tlsAuth: Array.isArray(o.tlsAuth) ? o.tlsAuth : [],
      maxRedirects: typeof o.maxRedirects === 'number' ? o.maxRedirects : 10,
      discardResponseBodies: o.discardResponseBodies === true,
      throw: o.throw === true,
    } satisfies Partial<HttpSettings>);
    if (typeof o.userAgent === 'string') this.http.userAgent = o.userAgent;
  }

  private async runSetup(vu: VU): Promise<boolean> {
    vu.phase = 'setup';
    vu.group = '::setup';
    try {
      const data = await (vu.exports.setup as () => unknown)();
      this.setupJson = data === undefined ? undefined : JSON.stringify(data);
    } catch (err) {
      if (!this.abortReason) this.io.stderr.write(logLine('error', `setup() failed: ${describeError(err)}`));
      return false;
    } finally {
      vu.emitDataSamples();
      vu.group = '';
    }
    if (this.abortReason) return false;
    if (this.setupJson !== undefined) for (const v of this.vus) v.setupData = JSON.parse(this.setupJson);
    return true;
  }

  private async runTeardown(vu: VU): Promise<void> {
    vu.phase = 'teardown';
    vu.group = '::teardown';
    vu.interrupted = false;
    try {
      await (vu.exports.teardown as (d: unknown) => unknown)(
        this.setupJson === undefined ? undefined : JSON.parse(this.setupJson),
      );
    } catch (err) {
      this.io.stderr.write(logLine('error', `teardown() failed: ${describeError(err)}`));
    } finally {
      vu.emitDataSamples();
      vu.group = '';
    }
  }

  private async runScenario(s: ScenarioRun): Promise<void> {
    if (s.config.startTimeMs > 0) {
      const started = await new Promise<boolean>((resolveStart) => {
        const timer = setTimeout(() => resolveStart(true), s.config.startTimeMs);
        const check = setInterval(() => {
          if (s.stopping) {
            clearTimeout(timer);
            clearInterval(check);
            resolveStart(false);
          }
        }, 50);
        timer.unref?.();
        setTimeout(() => clearInterval(check), s.config.startTimeMs).unref?.();
      });
      if (!started) {
        s.finished = true;
        return;
      }
    }
    s.begin();
    try {
      await runExecutor(s);
    } catch (err) {
      this.io.stderr.write(logLine('error', `scenario ${s.name} failed: ${describeError(err)}`));
    }
    s.finished = true;
  }

  private emitVUs(): void {
    const time = Date.now();
    let active = 0;
    for (const s of this.scenarios) active += s.activeVUs;
    this.emit({ metric: 'vus', time, value: active, tags: this.testTags });
    this.emit({ metric: 'vus_max', time, value: this.vus.length, tags: this.testTags });
  }

  private checkThresholds(): void {
    if (!this.metrics) return;
    this.sink.flush();
    const verdict = this.metrics.evaluateThresholds(performance.now() - this.startPerf);
    if (verdict.abort && !this.abortReason) {
      this.abortReason = {
        code: EXIT.thresholdsFailed,
        message: `thresholds on metrics '${verdict.abort.metric}' were crossed (${verdict.abort.threshold}); abortOnFail stops the test`,
      };
      this.io.stderr.write(logLine('error', this.abortReason.message));
      this.stopScenarios('hard');
    }
  }

  progress(): Progress {
    const elapsedMs = this.startPerf === 0 ? 0 : performance.now() - this.startPerf;
    let plannedMs = 0;
    let vus = 0;
    let iterations = 0;
    let errors = this.failedRequests;
    const scenarios = this.scenarios.map((s) => {
      plannedMs = Math.max(plannedMs, s.config.startTimeMs + s.plannedMs);
      vus += s.activeVUs;
      iterations += s.iterationsCompleted;
      errors += s.iterationsFailed;
      return {
        name: s.name,
        executor: s.executor,
        elapsedMs: s.elapsedMs(),
        plannedMs: s.plannedMs,
        vus: s.activeVUs,
        iterations: s.iterationsCompleted,
      };
    });
    return {
      scenarios,
      elapsedMs,
      plannedMs,
      vus,
      vusMax: this.vus.length,
      iterations,
      requests: this.requests,
      reqPerSec: this.recent.rate(performance.now(), this.requests),
      errors,
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

  private async writeSummary(vu: VU, summary: SummaryData): Promise<void> {
    const handle = vu.exports.handleSummary;
    let handled = false;
    if (typeof handle === 'function') {
      vu.phase = 'summary';
      try {
        const result = (await (handle as (d: unknown) => unknown)(structuredClone(summary))) as Record<
          string,
          string | ArrayBuffer
        > | null;
        await this.writeSummaryFiles(result ?? {});
        handled = true;
      } catch (err) {
        this.io.stderr.write(
          logLine(
            'error',
            `handleSummary() failed, printing the default summary instead: ${describeError(err)}`,
          ),
        );
      }
    }
    if (!handled) {
      const colors = !this.opts.noColor && isTTY(this.io.stdout);
      this.io.stdout.write(`\n${textSummary(summary, { indent: ' ', enableColors: colors })}\n`);
    }
    if (this.opts.summaryExport) {
      const path = resolve(this.opts.summaryExport);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, formatLegacySummaryExport(summary));
    }
  }

  private async writeSummaryFiles(files: Record<string, string | ArrayBuffer>): Promise<void> {
    for (const [target, content] of Object.entries(files)) {
      const bytes = typeof content === 'string' ? content : Buffer.from(content as ArrayBuffer);
      if (target === 'stdout') this.io.stdout.write(bytes);
      else if (target === 'stderr') this.io.stderr.write(bytes);
      else {
        const path = resolve(target);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, bytes);
      }
    }
  }
}

function scriptLoadError(scriptPath: string, err: unknown): string {
  if (err instanceof SyntaxError) {
    const where = /(file:\/\/[^\s)]+?)(?:\?__run=[^:\s)]*)?(:\d+(?::\d+)?)?/.exec(err.stack ?? '');
    const location = where ? `${where[1].replace('file://', '')}${where[2] ?? ''}` : scriptPath;
    return `The script has a syntax error and cannot run: SyntaxError: ${err.message} (${location}). Fix the script and try again.`;
  }
  return `The script threw an exception in its init code (top level): ${describeError(err)}`;
}

function banner(script: string, out: string[], scenarios: ScenarioRun[]): string {
  const maxVUs = scenarios.reduce((sum, s) => sum + initialVUs(s.config), 0);
  const lines = [
    '',
    '  execution: local (connect-perf-engine, node)',
    `     script: ${script}`,
    `     output: ${out.length ? out.join(', ') : '-'}`,
    '',
    `  scenarios: ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}, ${maxVUs} max VUs`,
    ...scenarios.map((s) => `           * ${s.name}: ${s.executor}`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}
