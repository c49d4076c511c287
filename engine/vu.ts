// One virtual user: its own instance of the script's modules, its iteration counters, the
// group/scenario it is in (for tags), its HTTP connections and cookie jar, and the means to
// interrupt the iteration it is running.
import { IterationSamples } from './metrics/sample-groups.ts';
import { sharedTagSet } from './metrics/tag-sets.ts';
import { parseDuration } from './metrics/time.ts';
import { opened, openPromise } from './open-promise.ts';
import type { Stripe } from './segments.ts';
import type { IterationOutcome, ScenarioView, TestContext } from './test-context.ts';
import { InterruptedError, isRefusal, ResponseNotAwaitedError, stackTraceOf } from './vu-errors.ts';

export type Phase = 'init' | 'setup' | 'iteration' | 'teardown' | 'summary';

export interface VuBindings {
  setEnv(env: Record<string, string>): void;
}

/**
 * A loop of a scenario's iterations that a synchronous VU runs in its own thread, back to back,
 * without a message per iteration (sync/hub.ts); the scenario's executor asks for it.
 */
export interface ThreadLoopPlan {
  fn: string;
  scenario: ScenarioView;
  /** At most this many iterations (Infinity: until stopped). */
  max: number;
  /** shared-iterations' pool (a BigInt64Array[1] of iterations left), null for none. */
  pool: SharedArrayBuffer | null;
  /** The scenario's count of iterations started (BigInt64Array[1]): exec.scenario's numbers. */
  counter: SharedArrayBuffer;
  stripe: Stripe | null;
}

export interface ThreadLoopEnd {
  /** Iterations started, the interrupted one included. */
  ran: number;
  interrupted: boolean;
}

export class VU {
  /** `__VU`, exec.vu.idInInstance: 1, 2, … in this instance (0 runs setup and teardown). */
  readonly id: number;
  /**
   * The VU's key in its module URLs (`__vu=KEY`) and in ../registry.ts: its number, or `0.setup`,
   * `0.teardown`, `0.summary` for the VU 0 that runs one of those (k6 gives each a VU of its own).
   */
  moduleKey: string;
  /** exec.vu.idInTest: with an execution segment, this instance's stripe of the test's VU numbers. */
  idInTest: number;
  readonly test: TestContext;
  exports: Record<string, unknown> = {};
  bindings: VuBindings | null = null;
  /** Sets `__ITER` in the VU's modules; null while none of them names it (../modules/iter.ts). */
  setIter: ((n: number) => void) | null = null;
  phase: Phase = 'init';
  /** `__ITER`: iterations this VU started, 0-based. */
  iter = -1;
  iterationInScenario = -1;
  iterationInTest = 0;
  /** exec.scenario.iterationInInstance: this iteration's number among the scenario's in this instance. */
  iterationInInstance = 0;
  scenario: ScenarioView | null = null;
  group = '';
  setupData: unknown = undefined;
  /** Bytes on the wire since the last data_sent/data_received samples. */
  bytesSent = 0;
  bytesReceived = 0;
  /** Cleanups of the current iteration's pending sleeps and requests, run on interruption. */
  readonly pending = new Set<(err: Error) => void>();
  interrupted = false;
  /**
   * A synchronous VU: its code runs in a thread of its own (sync/hub.ts), which ends an
   * interrupted call itself (and ends the thread when it cannot), so the VU waits for that.
   */
  ownThread = false;
  /** A synchronous VU's loop of iterations in its thread (sync/hub.ts); null for an async VU. */
  threadLoop: ((plan: ThreadLoopPlan) => Promise<ThreadLoopEnd>) | null = null;
  /** Asks the running thread loop to start no new iteration. */
  stopThreadLoop: (() => void) | null = null;
  /** Ends the running iteration's wait for its function, timers and async requests (interruption). */
  private stopWaiting: ((err: Error) => void) | null = null;
  /**
   * Bumped when an interrupted iteration is left behind: its calls that settle later (a request
   * cancelled under it) no longer count against the VU's next iteration.
   */
  private generation = 0;
  /** k6's blocking calls (http.get & co., http.batch, sleep) started and not settled yet. */
  private blockingOpen = 0;
  private blockingName = '';
  /** http.asyncRequest() calls in flight: an iteration waits for them, as k6's waits for its event loop. */
  private asyncOpen = 0;
  private asyncDrained: (() => void) | null = null;
  /** Set by the VU's timers (vu-timers.ts): whether timersIdle() has something to wait for. */
  timersBusy = false;
  /** Set by the VU's timers (vu-timers.ts): resolves when the timers started in this iteration are done. */
  timersIdle: () => Promise<void> | undefined = () => undefined;
  /** Set by the VU's timers: clears them all (interruption, end of test). */
  cancelTimers: () => void = () => {};
  /** Per-VU state owned by the http module (connections, cookie jar, response callback). */
  httpState: unknown = undefined;
  /** Set by the http module: cancels the VU's requests in flight (they are not in `pending`). */
  interruptRequests: ((err: Error) => void) | null = null;
  /** Set by the http module: a new iteration begins (cookie jar reset, noVUConnectionReuse). */
  iterationStarting: (() => void) | null = null;
  /** minIterationDuration in ms, read from the options at the first iteration (0: none). */
  private minIterationMs = -1;
  readonly tags: Record<string, string>;
  readonly metadata: Record<string, string> = {};
  private tagsVersion = 0;
  /** Whether the script has reached for exec.vu.metrics.metadata: until then no sample looks at it. */
  metadataUsed = false;
  /** The copy of `metadata` that samples carry, and what it held when it was made. */
  private metadataCopy: Record<string, string> | undefined = undefined;
  private metadataKey = '';
  private cachedTags: Record<string, string> | null = null;
  private cachedScenario: ScenarioView | null = null;
  private cachedGroup = '';
  private cachedVersion = -1;
  /** options.systemTags has `iter`: the tags change with every iteration. */
  private iterTag = false;
  private cachedIter = -1;

  constructor(id: number, test: TestContext) {
    this.id = id;
    this.moduleKey = String(id);
    this.idInTest = id;
    this.test = test;
    this.tags = new Proxy({} as Record<string, string>, {
      set: (target, key, value) => {
        target[key as string] = String(value);
        this.tagsVersion++;
        return true;
      },
      deleteProperty: (target, key) => {
        delete target[key as string];
        this.tagsVersion++;
        return true;
      },
    });
  }

  /** Tags every sample of this VU carries right now; do not mutate (it is shared until tags change). */
  sampleTags(): Record<string, string> {
    if (
      this.cachedTags !== null &&
      this.cachedScenario === this.scenario &&
      this.cachedGroup === this.group &&
      this.cachedVersion === this.tagsVersion &&
      (!this.iterTag || this.cachedIter === this.iter)
    ) {
      return this.cachedTags;
    }
    const tags: Record<string, string> = { ...this.test.testTags };
    if (this.scenario) Object.assign(tags, this.scenario.tags);
    Object.assign(tags, this.tags);
    const system = this.test.http.systemTags;
    if (system === null) {
      tags.group = this.group;
      if (this.scenario) tags.scenario = this.scenario.name;
    } else {
      if (system.has('group')) tags.group = this.group;
      if (this.scenario && system.has('scenario')) tags.scenario = this.scenario.name;
      if (system.has('vu')) tags.vu = String(this.id);
      this.iterTag = system.has('iter');
      if (this.iterTag && this.iter >= 0) tags.iter = String(this.iter);
      this.cachedIter = this.iter;
    }
    this.cachedTags = sharedTagSet(tags);
    this.cachedScenario = this.scenario;
    this.cachedGroup = this.group;
    this.cachedVersion = this.tagsVersion;
    return this.cachedTags;
  }

  /** Registers a cleanup for something pending in this iteration; returns its remover. */
  onInterrupt(cleanup: (err: Error) => void): () => void {
    if (this.interrupted) {
      cleanup(new InterruptedError());
      return () => {};
    }
    this.pending.add(cleanup);
    return () => this.pending.delete(cleanup);
  }

  /** Notes a blocking call (a Promise here, a blocking call in k6); returns its settle function. */
  blocking(call: string): () => void {
    const generation = this.openBlocking(call);
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      this.closeBlocking(generation);
    };
  }

  /**
   * blocking() without a closure, for the request path: returns the token that closeBlocking()
   * takes, once.
   */
  openBlocking(call: string): number {
    this.blockingOpen++;
    this.blockingName = call;
    return this.generation;
  }

  closeBlocking(generation: number): void {
    if (generation === this.generation) this.blockingOpen--;
  }

  /** Notes a call the script may await later (http.asyncRequest); returns its settle function. */
  awaitable(): () => void {
    const generation = this.openAwaitable();
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      this.closeAwaitable(generation);
    };
  }

  /** awaitable() without a closure: returns the token that closeAwaitable() takes, once. */
  openAwaitable(): number {
    this.asyncOpen++;
    return this.generation;
  }

  closeAwaitable(generation: number): void {
    if (generation !== this.generation) return;
    if (--this.asyncOpen === 0 && this.asyncDrained) {
      const drained = this.asyncDrained;
      this.asyncDrained = null;
      drained();
    }
  }

  /** Resolves when no http.asyncRequest() of this VU is in flight (undefined: none is). */
  private awaitablesIdle(): Promise<void> | undefined {
    if (this.asyncOpen === 0) return undefined;
    return new Promise((resolve) => {
      this.asyncDrained = resolve;
    });
  }

  get blockingPending(): boolean {
    return this.blockingOpen > 0;
  }

  /**
   * The blocking call still running when a call of VU code has returned, if any: the script used
   * k6's synchronous style (no `await`), which this engine cannot run as k6 does.
   */
  unawaitedCall(): string | null {
    if (this.blockingOpen === 0) return null;
    this.blockingOpen = 0;
    return this.blockingName;
  }

  interrupt(): void {
    if (this.interrupted) return;
    this.interrupted = true;
    const err = new InterruptedError();
    this.cancelTimers();
    for (const cleanup of [...this.pending]) cleanup(err);
    this.pending.clear();
    this.interruptRequests?.(err);
    this.stopWaiting?.(err);
  }

  /**
   * `wait`, ended by an interruption. k6 stops an interrupted iteration's event loop at once,
   * whatever its code awaits (grafana/k6, internal/js/runner.go runFn and the eventloop package):
   * a Promise that only a cancelled timer or a never-settled promise would resolve must not keep
   * the iteration, its VU and the test running.
   */
  private orInterrupt(wait: PromiseLike<unknown>): Promise<unknown> {
    if (this.interrupted) return Promise.reject(new InterruptedError());
    const waiting = openPromise();
    const { resolve, reject } = opened;
    this.stopWaiting = reject;
    wait.then(resolve, reject);
    return waiting;
  }

  /**
   * Leaves an interrupted iteration behind: what it still had open (its function's Promise,
   * requests cancelled under it) no longer counts for the VU's next iteration.
   */
  private abandon(): void {
    this.generation++;
    this.blockingOpen = 0;
    this.asyncOpen = 0;
    this.asyncDrained = null;
  }

  /**
   * exec.vu.metrics.metadata as the VU's samples carry it (k6 puts it on every sample of the VU,
   * for outputs; the summary ignores it): undefined while it is empty, else a copy that later
   * changes do not reach, the same object as long as the metadata stays the same.
   */
  metadataOf(): Record<string, string> | undefined {
    if (!this.metadataUsed) return undefined;
    const metadata = this.metadata;
    let key = '';
    for (const k in metadata) key += `${k}\u0000${metadata[k]}\u0001`;
    if (key === '') return undefined;
    if (key !== this.metadataKey) {
      this.metadataKey = key;
      this.metadataCopy = { ...metadata };
    }
    return this.metadataCopy;
  }

  /** A check's sample: the VU's tags, the `check` system tag (when enabled), then the check's own tags. */
  emitCheck(name: string, pass: boolean, tags?: Record<string, string>): void {
    const sampleTags: Record<string, string> = { ...this.sampleTags() };
    const system = this.test.http.systemTags;
    if (system === null || system.has('check')) sampleTags.check = name;
    if (tags) Object.assign(sampleTags, tags);
    this.emitSample('checks', pass ? 1 : 0, sampleTags);
  }

  /** group_duration of the group at `path`, tagged with that group. */
  emitGroupDuration(path: string, ms: number): void {
    const saved = this.group;
    this.group = path;
    const tags = this.sampleTags();
    this.group = saved;
    this.emitSample('group_duration', ms, tags);
  }

  /** A custom metric's sample: the VU's tags with `tags` on top. */
  emitMetric(name: string, value: number, tags?: Record<string, string>): void {
    this.emitSample(name, value, tags ? { ...this.sampleTags(), ...tags } : this.sampleTags());
  }

  private emitSample(metric: string, value: number, tags: Record<string, string>): void {
    this.test.emit({ metric, time: Date.now(), value, tags, metadata: this.metadataOf() });
  }

  /** Emits the bytes counted since the last call, as k6 does at the end of every exported-function call. */
  emitDataSamples(): void {
    this.emitEnd(-1);
  }

  /** data_sent/data_received, after iterations/iteration_duration when `durationMs` ≥ 0; at `at` (epoch ms). */
  private emitEnd(durationMs: number, at = Date.now()): void {
    const group = new IterationSamples(at, this.sampleTags(), durationMs, this.bytesSent, this.bytesReceived);
    group.metadata = this.metadataOf();
    this.test.emit(group);
    this.bytesSent = 0;
    this.bytesReceived = 0;
  }

  /**
   * An iteration's exception (`stackTrace`, see stackTraceOf), logged as k6 logs it: with its
   * executor's logger fields (executor, scenario), the hint of a script exception and
   * `source=stacktrace` (grafana/k6 errext/format.go, internal/execution/scheduler.go), so not a
   * console line: it stays in the log when `--console-output` sends the console elsewhere.
   */
  logIterationError(scenario: { name: string; executor: string } | null, stackTrace: string): void {
    this.test.log('error', stackTrace, {
      executor: scenario?.executor ?? '',
      hint: 'script exception',
      scenario: scenario?.name ?? '',
      source: 'stacktrace',
    });
  }

  /**
   * Runs iterations of an exported function, one after the other while `more()` says so (one
   * iteration when `more` is null); returns how many started. Logs exceptions with the VU and
   * iteration like k6. Every iteration that was not interrupted emits iterations/
   * iteration_duration, one that threw included: k6 counts an exception as a full iteration
   * (grafana/k6, js/runner.go, runFn).
   */
  async runIterations(
    fn: (data: unknown) => unknown,
    scenario: ScenarioView,
    more: (() => boolean) | null,
  ): Promise<number> {
    // One call for a whole loop of iterations (an executor's VU runs one for its scenario), and
    // the work before and after each wait in plain methods: every local of an async function is
    // saved at each await.
    let ran = 0;
    while (more === null ? ran === 0 : more()) {
      ran++;
      const start = this.beginIteration(scenario);
      let failed = false;
      let failure: unknown;
      try {
        const result = fn(this.setupData);
        if (isThenable(result)) await (this.ownThread ? result : this.orInterrupt(result));
        // k6 ends the iteration when the VU's event loop is empty: its timers have fired and its
        // async requests have answered (and what the script did with the answers is done).
        if (this.timersBusy || this.asyncOpen !== 0)
          for (
            let wait = this.timersIdle() ?? this.awaitablesIdle();
            wait;
            wait = this.timersIdle() ?? this.awaitablesIdle()
          )
            await this.orInterrupt(wait);
      } catch (err) {
        failed = true;
        failure = err;
      }
      const outcome = this.endIteration(scenario, start, failed, failure);
      const rest = outcome === 'interrupted' ? undefined : this.restUntil(start);
      if (rest) await rest;
      const breath = scenario.iterationEnded(this, outcome);
      if (breath) await breath;
    }
    return ran;
  }

  /** An iteration's start: the VU's numbers and state for a new iteration; returns its start time. */
  private beginIteration(scenario: ScenarioView): number {
    scenario.iterationStarting(this);
    if (this.scenario !== scenario) {
      this.scenario = scenario;
      // Each VU its own copy, as k6 gives each VU it activates a new map of the test's and the
      // scenario's env (grafana/k6 internal/js/runner.go, VU.Activate): what one VU writes into
      // __ENV is not seen by the others.
      this.bindings?.setEnv({ ...scenario.env });
    }
    this.group = '';
    this.phase = 'iteration';
    this.interrupted = false;
    this.iter++;
    this.iterationInScenario++;
    const numbers = scenario.nextIteration();
    this.iterationInTest = numbers.inTest;
    this.iterationInInstance = numbers.inInstance;
    this.setIter?.(this.iter);
    this.iterationStarting?.();
    return performance.now();
  }

  /**
   * An iteration's end, once the iteration's function and what it left running are done (`failed`:
   * it threw `failure`): logs the exception as k6 does, emits the iteration's samples, and says
   * how the iteration ended.
   */
  private endIteration(
    scenario: ScenarioView,
    start: number,
    failed: boolean,
    failure: unknown,
  ): IterationOutcome {
    let outcome: IterationOutcome = 'completed';
    let refused = false;
    let notAwaited: string | null = null;
    if (!failed) {
      if (this.interrupted) outcome = 'interrupted';
    } else {
      this.cancelTimers();
      if (this.interrupted || failure instanceof InterruptedError) {
        outcome = 'interrupted';
      } else {
        outcome = 'failed';
        refused = isRefusal(failure);
        this.logIterationError(scenario, stackTraceOf(failure));
        if (failure instanceof ResponseNotAwaitedError)
          notAwaited = 'A request (http.get() or another request method)';
      }
    }
    this.stopWaiting = null;
    if (outcome === 'interrupted') this.abandon();
    const unawaited = outcome === 'interrupted' ? null : (this.unawaitedCall() ?? notAwaited);
    if (unawaited) {
      outcome = 'failed';
      this.test.unawaited(unawaited);
    }
    if (this.pending.size > 0) this.pending.clear();
    this.group = '';
    const counted = outcome === 'completed' || (outcome === 'failed' && !unawaited && !refused);
    this.emitEnd(counted ? performance.now() - start : -1);
    return outcome;
  }

  /** A thread loop starts (sync/hub.ts): the VU's state as runIterations sets it. */
  beginThreadLoop(scenario: ScenarioView): void {
    this.scenario = scenario;
    this.group = '';
    this.phase = 'iteration';
    this.interrupted = false;
  }

  /** A thread loop's iteration is about to send something: its numbers, and k6's start of an iteration. */
  threadIterationStarts(iter: number, inScenario: number, inTest: number, inInstance: number): void {
    this.iter = iter;
    this.iterationInScenario = inScenario;
    this.iterationInTest = inTest;
    this.iterationInInstance = inInstance;
    this.group = '';
    this.iterationStarting?.();
  }

  /** A thread loop's iteration ended: its samples, as runIterations emits them (`durationMs` -1: not counted). */
  threadIterationEnded(iter: number, inScenario: number, at: number, durationMs: number): void {
    this.iter = iter;
    this.iterationInScenario = inScenario;
    this.group = '';
    this.emitEnd(durationMs, at);
  }

  /** A thread loop ended: what runIterations does after an iteration. */
  endThreadLoop(): void {
    this.stopWaiting = null;
    if (this.interrupted) this.abandon();
    if (this.pending.size > 0) this.pending.clear();
    this.group = '';
  }

  /** The loop asks for the minimum iteration duration (ms, 0: none), read once from the options. */
  minIterationDurationMs(): number {
    if (this.minIterationMs < 0) {
      const value = this.test.options.minIterationDuration;
      this.minIterationMs =
        value === undefined || value === null || value === ''
          ? 0
          : parseDuration(value as string, 'minIterationDuration');
    }
    return this.minIterationMs;
  }

  /**
   * minIterationDuration: the VU waits out the rest of it after the iteration (not counted in
   * iteration_duration); an interruption ends the wait.
   */
  private restUntil(start: number): Promise<void> | undefined {
    const min = this.minIterationDurationMs();
    if (min === 0) return undefined;
    const left = min - (performance.now() - start);
    if (left <= 0 || this.interrupted) return undefined;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        remove();
        resolve();
      }, left);
      const remove = this.onInterrupt(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Why a script in k6's synchronous style cannot run on async VUs (`why`: why they are async), and what to do instead. */
export function unawaitedMessage(call: string, why = ''): string {
  return (
    `${call} was called without await. ${why ? `${why} ` : ''}On async VUs k6's blocking calls ` +
    '(http.get and the other request methods, http.batch, sleep) return a Promise, so the script would run with ' +
    'wrong results. Write `const res = await http.get(...)` (and `await sleep(1)`), or write the exported ' +
    'functions as plain (non-async) functions: those run on synchronous VUs, one thread per VU, about 8 MB each, ' +
    'at most 500 VUs. Or run it with the k6 binary (--engine k6).'
  );
}
