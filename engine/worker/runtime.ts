// The VU side of a test run, inside the VU thread: the VU pool (each VU imports its own copy of
// the script), setup(), the scenarios with their executors, teardown() and handleSummary(). It
// tells the main thread what happens through `send`; the clock that ends a run that never
// yields, the metrics and the summary live there (../lifecycle.ts).
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { logLine } from '../console.ts';
import { runExecutor } from '../executors/index.ts';
import { type ScenarioHost, ScenarioRun, type StopMode } from '../executors/scenario-run.ts';
import { EXIT } from '../exit-codes.ts';
import { closeConnections } from '../http/api.ts';
import { isCompileError, syntaxErrorLocation } from '../loader/syntax-location.ts';
import { InvalidOptionsError } from '../metrics/errors.ts';
import { MetricRegistry, registerBuiltins } from '../metrics/registry.ts';
import type { SampleEntry } from '../metrics/sample-groups.ts';
import type { MetricInfo, MetricType, ValueType } from '../metrics/types.ts';
import { inInitContext } from '../open.ts';
import {
  deriveScenarios,
  executionTuple,
  initialVUs,
  k6TestOptions,
  mergeOptions,
  type ScenarioConfig,
  segmentScenarios,
} from '../options.ts';
import { addVU } from '../registry.ts';
import { itemOf, type Stripe, stripeOf, WHOLE } from '../segments.ts';
import { setupDataJson } from '../setup-data.ts';
import { buildSyncBundle } from '../sync/bundle.ts';
import { MAX_SYNC_VUS, type SyncHost, SyncVu } from '../sync/hub.ts';
import type { TestContext } from '../test-context.ts';
import { defaultHttpSettings, httpSettings } from '../tls-options.ts';
import { unawaitedMessage, VU } from '../vu.ts';
import { describeError } from '../vu-errors.ts';
import {
  type Beat,
  type FromWorker,
  MAX_INFLIGHT_BATCHES,
  SampleEncoder,
  type WorkerInit,
} from './protocol.ts';

/**
 * Samples wait at most this long in the VU thread before they go to the main thread. Each batch
 * wakes the main thread, which on a busy machine takes the VU thread's core for a while: 5 ms
 * (200 batches a second) cost several per cent of the requests a VU thread makes.
 */
const BATCH_MS = 25;
const BATCH_RECORDS = 64 * 1024;
/** emit() looks at the clock once for this many entries. */
const CLOCK_EVERY = 32;
const BEAT_MS = 250;

/** A registry that tells the main thread about every metric defined after the first batch. */
class ReportingRegistry extends MetricRegistry {
  constructor(private readonly onNew: (info: MetricInfo) => void) {
    super();
  }
  override define(name: string, type: MetricType, contains: ValueType = 'default'): MetricInfo {
    const known = this.get(name);
    const info = super.define(name, type, contains);
    if (!known) this.onNew(info);
    return info;
  }
}

export class VuRuntime implements TestContext, ScenarioHost {
  readonly runId: string;
  readonly scriptPath: string;
  readonly registry: MetricRegistry;
  testTags: Record<string, string> = {};
  readonly env: Record<string, string>;
  options: Record<string, unknown> = {};
  /** exec.test.options: the options as k6 shows them to scripts (see ../options.ts k6TestOptions). */
  execOptions: Record<string, unknown> = {};
  readonly http = defaultHttpSettings();
  startedAt = 0;
  private readonly encoder = new SampleEncoder();
  private readonly inflight: Int32Array;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastFlush = 0;
  private sinceClock = 0;
  private readonly vus: VU[] = [];
  private readonly idle: VU[] = [];
  private setupVU: VU | null = null;
  /** The VUs 0 of setup(), teardown() and handleSummary() (see partVU). */
  private readonly partVUs: VU[] = [];
  private setupJson: string | undefined;
  private initChain: Promise<unknown> = Promise.resolve();
  private nextVuId = 1;
  /** This instance's stripe of the test's VU numbers (exec.vu.idInTest). */
  private vuStripe: Stripe = WHOLE;
  private scenarioConfigs: ScenarioConfig[] = [];
  private scenarios: ScenarioRun[] = [];
  private stopMode: StopMode | null = null;
  private aborted = false;
  private requests = 0;
  private failedRequests = 0;
  private breathCount = 0;
  /** The threads of the VUs in synchronous mode (--sync-vus), one per VU. */
  private readonly syncVus: SyncVu[] = [];
  /** Whether this run's VUs are synchronous (decided in load()). */
  private sync = false;
  /** Why the VUs are (or are not) synchronous, for the refusal of an unawaited call. */
  private syncReason: 'forced' | 'plain' | 'off' | 'async' | 'too-many' | 'unbuildable' = 'async';
  private syncProblem = '';
  /** Whether setup() and teardown() run in a synchronous VU's thread (decided in load()). */
  private syncSetup = false;
  /** Set while the test waits, paused, for the main thread's 'resume' (k6's --paused). */
  private paused: { resume: () => void } | null = null;
  private resumed = false;
  /** Replaces secret values handed to the script (k6/secrets) in every text that leaves this thread. */
  private redact: (text: string) => string = (text) => text;

  constructor(
    private readonly init: WorkerInit,
    private readonly post: (msg: FromWorker, transfer?: ArrayBuffer[]) => void,
  ) {
    this.runId = init.runId;
    this.inflight = new Int32Array(init.inflight);
    this.scriptPath = init.scriptPath;
    this.env = init.env;
    this.registry = new ReportingRegistry((info) => this.encoder.defineMetric(info));
    registerBuiltins(this.registry);
    this.encoder.take();
    // From the start, so that the main thread can tell a script still loading from one that hangs.
    setInterval(() => this.send({ t: 'beat', beat: this.beat() }), BEAT_MS);
  }

  /** Sends a message after the samples emitted before it, so the main thread sees them in order. */
  send(msg: FromWorker): void {
    this.flush();
    this.post(msg);
  }

  // Sent when BATCH_MS have passed since the last batch (VU code that never reaches the timer
  // phase still gets its samples out) or by a timer for the last ones.
  readonly emit = (entry: SampleEntry): void => {
    this.encoder.push(entry);
    // The clock is read every CLOCK_EVERY entries: a few entries late is soon enough.
    if (this.encoder.size >= BATCH_RECORDS || (++this.sinceClock >= CLOCK_EVERY && this.batchDue()))
      this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS);
  };

  private batchDue(): boolean {
    this.sinceClock = 0;
    return performance.now() - this.lastFlush >= BATCH_MS;
  }

  flush(): void {
    this.lastFlush = performance.now();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.encoder.take();
    if (!batch) return;
    // Blocks this thread while the main thread is behind (as k6's VUs wait on a full output):
    // a script that emits faster than the metrics side can count must not queue without bound.
    for (let unread = Atomics.load(this.inflight, 0); unread >= MAX_INFLIGHT_BATCHES; ) {
      Atomics.wait(this.inflight, 0, unread, 100);
      unread = Atomics.load(this.inflight, 0);
    }
    Atomics.add(this.inflight, 0, 1);
    this.post({ t: 'samples', batch }, [batch.records.buffer as ArrayBuffer]);
  }

  countRequest(failed: boolean): void {
    this.requests++;
    if (failed) this.failedRequests++;
  }

  log(level: 'info' | 'warn' | 'error' | 'debug', text: string, fields?: Record<string, string>): void {
    if (level === 'debug' && !this.init.verbose) return;
    const name = level === 'error' ? 'error' : level === 'warn' ? 'warning' : level;
    if (fields) {
      const redacted: Record<string, string> = {};
      for (const [k, v] of Object.entries(fields)) redacted[k] = this.redact(v);
      this.post({ t: 'log', text: logLine(name, this.redact(text), undefined, redacted) });
      return;
    }
    this.post({ t: 'log', text: logLine(name, this.redact(text), 'console') });
  }

  /** The engine's own warning (not a console line), with k6's logger fields if any. */
  warn(message: string, fields?: Record<string, string>): void {
    this.log('warn', message, fields ?? {});
  }

  private error(message: string): void {
    this.post({ t: 'log', text: logLine('error', this.redact(message)) });
  }

  redactWith(redact: (text: string) => string): void {
    this.redact = redact;
  }

  abort(reason: string): void {
    this.stopWith(EXIT.scriptAborted, `test aborted: ${this.redact(reason)}`);
  }

  unawaited(call: string): void {
    if (this.aborted) return;
    this.error(unawaitedMessage(call, this.asyncReason()));
    this.stopWith(EXIT.scriptException, `${call} was called without await`);
  }

  /** Ends the test at once with `code` (the first reason wins on the main thread). */
  stopWith(code: number, message: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.send({ t: 'abort', code, message });
    this.stopScenarios('hard');
    this.paused?.resume();
  }

  /** Un-pauses a test started paused; before the VUs are ready, they then start without waiting. */
  resume(): void {
    this.resumed = true;
    this.paused?.resume();
  }

  markFailed(reason: string): void {
    this.send({ t: 'failed', reason: this.redact(reason) });
  }

  instanceStats() {
    let completed = 0;
    let interrupted = 0;
    let active = 0;
    // k6 counts an iteration that threw as a full one and only cut-short ones as interrupted
    // (grafana/k6, lib/executor/helpers.go, getIterationRunner).
    for (const s of this.scenarios) {
      completed += s.iterationsCompleted + s.iterationsFailed;
      interrupted += s.iterationsInterrupted;
      active += s.activeVUs;
    }
    return {
      iterationsInterrupted: interrupted,
      iterationsCompleted: completed,
      vusActive: active,
      vusInitialized: this.vus.length,
      currentTestRunDuration: this.startedAt === 0 ? 0 : Date.now() - this.startedAt,
    };
  }

  breathe(): Promise<void> | undefined {
    if (++this.breathCount % 256 !== 0) return undefined;
    return new Promise((r) => setImmediate(r));
  }

  requestStop(mode: StopMode): void {
    if (this.stopMode === 'hard') return;
    this.stopMode = mode;
    this.stopScenarios(mode);
    this.paused?.resume();
  }

  private stopScenarios(mode: StopMode): void {
    for (const s of this.scenarios) s.stop(mode);
  }

  // VU pool

  /** Set once the synchronous VUs' code is built (run()). */
  private syncHost: SyncHost | null = null;

  private async prepareSyncVUs(): Promise<void> {
    this.syncHost = {
      runId: this.init.runId,
      scriptPath: this.init.scriptPath,
      env: this.init.env,
      options: this.execOptions,
      bundle: await buildSyncBundle(this.init.runId, this.init.scriptPath, this.init.settings).catch(
        (err) => {
          throw new Error(syncLoadError('the script cannot be built for synchronous VUs', err));
        },
      ),
      fatal: (message) => {
        if (this.aborted) return;
        this.error(message);
        this.stopWith(EXIT.scriptException, message);
      },
      overdue: (vu) =>
        this.stopMode !== null ||
        this.scenarios.some((s) => s.name === vu.scenario?.name && s.elapsedMs() >= s.plannedMs),
    };
  }

  /**
   * Whether the VUs run in threads of their own (k6's synchronous style): when asked to, or when a
   * scenario's exec function is a plain function, which may use k6's blocking calls, and the
   * scenarios need at most MAX_SYNC_VUS VUs. (A plain setup or teardown gets a thread of its own
   * whatever the VUs are: see run().)
   */
  private syncMode(setupVU: VU, mostVUs: number): 'forced' | 'plain' | 'off' | 'async' | 'too-many' {
    if (this.init.syncVus === true) return 'forced';
    if (this.init.syncVus === false) return 'off';
    const plain = this.scenarioConfigs.some((s) => isPlainFunction(setupVU.exports[s.exec]));
    if (!plain) return 'async';
    return mostVUs > MAX_SYNC_VUS ? 'too-many' : 'plain';
  }

  /** Why this run's VUs are not synchronous, to go with the refusal of an unawaited blocking call. */
  asyncReason(): string {
    switch (this.syncReason) {
      case 'too-many':
        return `This script's functions are not async, but its scenarios need more than ${MAX_SYNC_VUS} VUs, the most that can run as synchronous VUs (a thread of about 8 MB each).`;
      case 'unbuildable':
        return `This script's functions are not async, but they cannot run as synchronous VUs: ${this.syncProblem}`;
      case 'off':
        return 'Synchronous VUs were switched off (--sync-vus=false).';
      case 'async':
        return "This script's exported functions are async; with --sync-vus they run on synchronous VUs, where http.get() and the other blocking calls block as in k6.";
      default:
        return '';
    }
  }

  /** VU `id` of this instance, with its number in the whole test (execution segments). */
  private newVU(id: number): VU {
    const vu = new VU(id, this);
    if (id > 0) vu.idInTest = itemOf(this.vuStripe, id - 1) + 1;
    return vu;
  }

  /** A VU whose code runs in its own thread and blocks on its calls (k6's synchronous style). */
  private async initSyncVU(id: number): Promise<VU> {
    const vu = this.newVU(id);
    vu.ownThread = true;
    addVU(vu);
    try {
      this.syncVus.push(await SyncVu.start(vu, this.syncHost as SyncHost));
    } catch (err) {
      throw new Error(syncLoadError(`synchronous VU ${id} could not load the script`, err));
    }
    vu.phase = 'iteration';
    if (this.setupJson !== undefined) vu.setupData = JSON.parse(this.setupJson);
    return vu;
  }

  private initOne(id: number, moduleKey?: string): Promise<VU> {
    if (this.sync && id > 0) return this.initSyncVU(id);
    const next = this.initChain.then(async () => {
      const vu = this.newVU(id);
      if (moduleKey) vu.moduleKey = moduleKey;
      addVU(vu);
      const url = `${pathToFileURL(this.scriptPath).href}?__run=${this.runId}&__vu=${vu.moduleKey}`;
      vu.exports = { ...((await inInitContext(dirname(this.scriptPath), () => import(url))) as object) };
      vu.phase = 'iteration';
      if (this.setupJson !== undefined) vu.setupData = JSON.parse(this.setupJson);
      return vu;
    });
    this.initChain = next.catch(() => {});
    return next;
  }

  /**
   * A fresh VU 0 for setup(), teardown() or handleSummary(): k6 runs each on a VU of its own
   * (grafana/k6 internal/js/runner.go: runPart and HandleSummary call newVU), so the init code
   * runs once more for each and module state set in one is not seen by the others. A plain
   * setup() or teardown() runs in a synchronous VU's thread of its own (see load()).
   */
  private async partVU(part: 'setup' | 'teardown' | 'summary'): Promise<VU> {
    let vu: VU;
    if (part !== 'summary' && this.syncSetup) {
      vu = this.newVU(0);
      vu.moduleKey = `0.${part}`;
      addVU(vu);
      this.syncVus.push(await SyncVu.start(vu, this.syncHost as SyncHost));
    } else vu = await this.initOne(0, `0.${part}`);
    this.partVUs.push(vu);
    return vu;
  }

  /** partVU() for setup() or teardown(), made when it is due as k6 makes it; null (and the test stopped, 107) when the script fails to load again. */
  private async partVUFor(part: 'setup' | 'teardown'): Promise<VU | null> {
    try {
      return await this.partVU(part);
    } catch (err) {
      if (!this.aborted) {
        this.error(
          `${part}() failed: ${this.syncSetup ? (err as Error).message : await scriptLoadError(this.scriptPath, err)}`,
        );
        this.send({ t: 'abort', code: EXIT.scriptException, message: `${part}() failed` });
      }
      return null;
    }
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

  /**
   * Loads the script in VU 0 and works out the options and scenarios. Sends 'ready', or 'fatal'
   * with k6's exit code when the script or its options cannot run.
   */
  async load(): Promise<boolean> {
    let setupVU: VU;
    try {
      setupVU = await this.initOne(0);
    } catch (err) {
      this.send({
        t: 'fatal',
        code: EXIT.scriptException,
        message: await scriptLoadError(this.scriptPath, err),
      });
      return false;
    }
    this.setupVU = setupVU;
    if (this.init.mode === 'summary') return true;
    try {
      const scriptOptions = (setupVU.exports.options ?? {}) as Record<string, unknown>;
      this.options = mergeOptions(scriptOptions, this.init.overrides, (m, f) => this.warn(m, f));
      this.vuStripe = stripeOf(executionTuple(this.options));
      const wholeTest = deriveScenarios(this.options, (message) => this.warn(message));
      this.scenarioConfigs = segmentScenarios(wholeTest, this.options);
      this.execOptions = plain(k6TestOptions(this.options, wholeTest));
      for (const s of this.scenarioConfigs) {
        if (typeof setupVU.exports[s.exec] !== 'function') {
          throw new InvalidOptionsError(
            s.exec === 'default'
              ? `scenario "${s.name}" runs the default function, but the script has no \`export default function\`.`
              : `scenario "${s.name}" has exec "${s.exec}", but the script exports no function named "${s.exec}".`,
          );
        }
      }
      const most = this.scenarioConfigs.reduce(
        (sum, s) => sum + Math.max(initialVUs(s), 'maxVUs' in s ? s.maxVUs : 0),
        0,
      );
      if (this.init.syncVus === true && most > MAX_SYNC_VUS) {
        throw new InvalidOptionsError(
          `the scenarios need up to ${most} VUs, but synchronous VUs (--sync-vus) are limited to ${MAX_SYNC_VUS}: each is a thread of about 8 MB (${MAX_SYNC_VUS} ≈ 4 GB). Use fewer VUs, async functions with await, or the k6 binary (--engine k6).`,
        );
      }
      this.syncReason = this.syncMode(setupVU, most);
      const plainSetup =
        this.init.syncVus !== false &&
        (isPlainFunction(setupVU.exports.setup) || isPlainFunction(setupVU.exports.teardown));
      if (this.syncReason === 'forced' || this.syncReason === 'plain' || plainSetup) {
        try {
          await this.prepareSyncVUs();
          this.sync = this.syncReason === 'forced' || this.syncReason === 'plain';
          this.syncSetup = true;
        } catch (err) {
          if (this.syncReason === 'forced') {
            this.send({ t: 'fatal', code: EXIT.scriptException, message: (err as Error).message });
            return false;
          }
          // The script may still be right with async VUs: a blocking call left unawaited stops it (107).
          if (this.syncReason === 'plain') this.syncReason = 'unbuildable';
          this.syncProblem = (err as Error).message;
        }
      }
      Object.assign(this.http, httpSettings(this.options, this.env));
      this.testTags = { ...((this.options.tags as Record<string, string>) ?? {}) };
      this.send({
        t: 'ready',
        options: plain(this.options),
        scenarios: this.scenarioConfigs,
        metrics: this.registry.all(),
        hasSetup: typeof setupVU.exports.setup === 'function',
        hasTeardown: typeof setupVU.exports.teardown === 'function',
        hasHandleSummary: typeof setupVU.exports.handleSummary === 'function',
      });
      return true;
    } catch (err) {
      this.send({ t: 'fatal', code: EXIT.invalidConfig, message: `Invalid options: ${describeError(err)}` });
      return false;
    }
  }

  /**
   * Initialises the VUs, then runs setup(), the scenarios and teardown(). `paused`: between the
   * VUs and setup() the test waits to be resumed, as k6 does (internal/execution/scheduler.go: the
   * paused wait comes before setup); a stop while paused ends the test without setup or teardown.
   */
  async run(paused = false): Promise<void> {
    const setupVU = this.setupVU as VU;
    this.scenarios = this.scenarioConfigs.map((c) => new ScenarioRun(c, this));
    try {
      const needed = this.scenarioConfigs.reduce((sum, s) => sum + initialVUs(s), 0);
      try {
        if (this.sync) {
          // Threads start in parallel (each loads the script), all before the test clock starts.
          const ids = Array.from({ length: needed }, () => this.nextVuId++);
          const vus = await Promise.all(ids.map((id) => this.initOne(id)));
          this.vus.push(...vus);
          this.idle.push(...vus);
        } else for (let i = 0; i < needed && !this.stopMode; i++) this.idle.push(await this.initVU());
      } catch (err) {
        const message = this.syncSetup ? (err as Error).message : await scriptLoadError(this.scriptPath, err);
        this.send({ t: 'fatal', code: EXIT.scriptException, message });
        return;
      }
      this.idle.reverse();
      if (paused && !this.resumed && !this.stopMode && !this.aborted) {
        // The REST API's vus-max is right from the first status of the pause.
        this.send({ t: 'beat', beat: this.beat() });
        this.send({ t: 'phase', phase: 'paused' });
        await new Promise<void>((resume) => {
          this.paused = { resume };
        });
        this.paused = null;
      }
      if (this.stopMode || this.aborted) return;
      this.startedAt = Date.now();
      this.send({ t: 'phase', phase: 'started' });
      let setupFailed = false;
      if (typeof setupVU.exports.setup === 'function' && !this.stopMode) {
        this.send({ t: 'phase', phase: 'setup' });
        const part = await this.partVUFor('setup');
        setupFailed = !part || !(await this.runSetup(part));
      }
      if (!setupFailed && !this.stopMode) {
        this.send({ t: 'phase', phase: 'running' });
        await Promise.all(this.scenarios.map((s) => this.runScenario(s)));
        if (typeof setupVU.exports.teardown === 'function' && this.stopMode !== 'hard') {
          this.send({ t: 'phase', phase: 'teardown' });
          const part = await this.partVUFor('teardown');
          if (part) await this.runTeardown(part);
        }
      }
    } finally {
      await Promise.all(this.vus.concat(setupVU, this.partVUs).map((vu) => closeConnections(vu)));
      await Promise.all(this.syncVus.map((sync) => sync.stop()));
      // The counts as they ended, for the main thread's end line.
      this.send({ t: 'beat', beat: this.beat() });
      this.send({ t: 'phase', phase: 'ended' });
    }
  }

  private beat(): Beat {
    let vusActive = 0;
    const scenarios = this.scenarios.map((s) => {
      vusActive += s.activeVUs;
      return {
        name: s.name,
        executor: s.executor,
        elapsedMs: s.elapsedMs(),
        plannedMs: s.plannedMs,
        vus: s.activeVUs,
        iterations: s.iterationsCompleted,
        interrupted: s.iterationsInterrupted,
        failed: s.iterationsFailed,
      };
    });
    return {
      scenarios,
      vusActive,
      vusMax: this.vus.length,
      requests: this.requests,
      failedRequests: this.failedRequests,
    };
  }

  private async runSetup(vu: VU): Promise<boolean> {
    vu.phase = 'setup';
    vu.group = '::setup';
    try {
      const data = await (vu.exports.setup as () => unknown)();
      const unawaited = vu.unawaitedCall();
      if (unawaited) {
        this.unawaited(unawaited);
        return false;
      }
      this.setupJson = data === undefined ? undefined : setupDataJson(data);
    } catch (err) {
      const unawaited = vu.unawaitedCall();
      if (unawaited) this.unawaited(unawaited);
      else if (!this.aborted) {
        this.error(`setup() failed: ${describeError(err)}`);
        this.send({ t: 'abort', code: EXIT.scriptException, message: 'setup() failed' });
      }
      return false;
    } finally {
      vu.emitDataSamples();
      vu.group = '';
    }
    if (this.aborted) return false;
    this.send({ t: 'setup-data', json: this.setupJson });
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
      if (!vu.blockingPending) this.error(`teardown() failed: ${describeError(err)}`);
      // k6 fails the run when teardown() throws: a script exception, exit 107 (k6
      // internal/js/runner.go wraps it as scriptExceptionError).
      if (!this.aborted) this.send({ t: 'abort', code: EXIT.scriptException, message: 'teardown() failed' });
    } finally {
      const unawaited = vu.unawaitedCall();
      if (unawaited) this.unawaited(unawaited);
      vu.emitDataSamples();
      vu.group = '';
    }
  }

  private async runScenario(s: ScenarioRun): Promise<void> {
    if (s.config.startTimeMs > 0 && !(await s.waitUntil(s.config.startTimeMs))) {
      s.finished = true;
      return;
    }
    s.begin();
    try {
      await runExecutor(s);
    } catch (err) {
      this.error(`scenario ${s.name} failed: ${describeError(err)}`);
    }
    s.finished = true;
  }

  /** Runs handleSummary(data) in VU 0; sends its files, or null with the error. */
  async handleSummary(data: unknown): Promise<void> {
    if (!this.setupVU || typeof this.setupVU.exports.handleSummary !== 'function') {
      this.send({ t: 'summary-result', files: null });
      return;
    }
    try {
      const vu = await this.partVU('summary');
      const handle = vu.exports.handleSummary;
      vu.phase = 'summary';
      const result = (await (handle as (d: unknown) => unknown)(data)) as Record<
        string,
        string | ArrayBuffer
      > | null;
      // A handleSummary() that returns nothing (any falsy value) gets k6's default text summary,
      // without an error (grafana/k6 internal/js/summary-wrapper.js).
      this.send({ t: 'summary-result', files: result || null });
    } catch (err) {
      this.send({ t: 'summary-result', files: null, error: describeError(err) });
    }
  }
}

/** The options as data (functions and other values that cannot cross threads left out). */
function plain(options: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(options)) as Record<string, unknown>;
}

function isPlainFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name !== 'AsyncFunction';
}

function syncLoadError(what: string, err: unknown): string {
  return `${what}: ${describeError(err)}. Write the exported functions as async functions with await (they then run on async VUs), or run with the k6 binary (--engine k6).`;
}

/**
 * Why the script could not be loaded: a module that does not compile (with the file, line and
 * column esbuild finds, as V8's error has none), or an exception its init code threw — a
 * SyntaxError thrown by running code (JSON.parse of a missing __ENV value) included.
 */
async function scriptLoadError(scriptPath: string, err: unknown): Promise<string> {
  if (isCompileError(err)) {
    const at = await syntaxErrorLocation(scriptPath).catch(() => null);
    const location = at ? `${at.file}:${at.line}:${at.column}` : scriptPath;
    return `The script has a syntax error and cannot run: SyntaxError: ${err.message} (${location}). Fix the script and try again.`;
  }
  return `The script threw an exception in its init code (top level): ${describeError(err)}`;
}
