// What every executor builds on: one running scenario with its VUs, its iteration counters, its
// clock, and k6's end-of-scenario rule (stop starting iterations, give the running ones
// gracefulStop, then interrupt them).
import type { Sample } from '../metrics/types.ts';
import { plannedDurationMs, type ScenarioConfig } from '../options.ts';
import { itemOf } from '../segments.ts';
import type { IterationOutcome, ScenarioView } from '../test-context.ts';
import type { VU } from '../vu.ts';
import { describeError, InterruptedError } from '../vu-errors.ts';

export type StopMode = 'graceful' | 'hard';

/** What a scenario needs from the test run around it. */
export interface ScenarioHost {
  /** Takes an initialised, idle VU, initialising a new one when none is idle. */
  acquireVU(): Promise<VU>;
  /** An idle VU if there is one, else null. */
  tryAcquireVU(): VU | null;
  releaseVU(vu: VU): void;
  /** Initialises one more VU (arrival-rate executors above preAllocatedVUs). */
  initVU(): Promise<VU>;
  emit(sample: Sample): void;
  /** A warning line; `fields` follow the message as k6's logger fields (`executor=… scenario=…`). */
  warn(message: string, fields?: Record<string, string>): void;
  readonly testTags: Record<string, string>;
  readonly env: Record<string, string>;
  /** Lets the event loop breathe between iterations that never left the microtask queue. */
  breathe(): Promise<void> | undefined;
}

/**
 * shared-iterations' pool: iterations left for the scenario's VUs to take. A plain count while only
 * this thread takes from it; shared memory once a synchronous VU's thread takes from it as well.
 */
export class IterationPool {
  private shared: BigInt64Array | null = null;
  constructor(private left: number) {}

  /** Takes one iteration; false when none is left. */
  take(): boolean {
    if (this.shared) {
      if (Atomics.sub(this.shared, 0, 1n) > 0n) return true;
      Atomics.add(this.shared, 0, 1n);
      return false;
    }
    if (this.left <= 0) return false;
    this.left--;
    return true;
  }

  remaining(): number {
    return this.shared ? Math.max(0, Number(Atomics.load(this.shared, 0))) : this.left;
  }

  buffer(): SharedArrayBuffer {
    if (!this.shared) {
      this.shared = new BigInt64Array(new SharedArrayBuffer(8));
      this.shared[0] = BigInt(this.left);
    }
    return this.shared.buffer as SharedArrayBuffer;
  }
}

/**
 * After interrupting, how long to wait for iterations stuck in code that cannot be interrupted (a
 * synchronous VU's thread in a busy loop; an awaiting iteration ends at once, see vu.ts).
 */
const ABANDON_AFTER_MS = 2000;

export class ScenarioRun implements ScenarioView {
  readonly name: string;
  readonly executor: string;
  readonly tags: Record<string, string>;
  readonly env: Record<string, string>;
  readonly plannedMs: number;
  startTime = 0;
  private startPerf = 0;
  iterationsCompleted = 0;
  iterationsInterrupted = 0;
  iterationsFailed = 0;
  /** VUs currently working for this scenario (the `vus` gauge). */
  activeVUs = 0;
  stopMode: StopMode | null = null;
  finished = false;
  private iterationInTest = 0;
  /** The iteration count in shared memory, once a synchronous VU's thread numbers iterations too. */
  private sharedCount: BigInt64Array | null = null;
  /** The VUs looping over this scenario's iterations (loop()), and whether each was asked to end. */
  private readonly loops = new Map<VU, { ended: boolean }>();
  private readonly inflight = new Set<VU>();
  private readonly stopListeners = new Set<(mode: StopMode) => void>();
  /** Pending waitUntil() calls; ended by finish() so no timer outlives the scenario. */
  private readonly waits = new Set<() => void>();

  constructor(
    readonly config: ScenarioConfig,
    readonly host: ScenarioHost,
  ) {
    this.name = config.name;
    this.executor = config.executor;
    this.tags = config.tags;
    this.env = { ...host.env, ...config.env };
    this.plannedMs = plannedDurationMs(config);
  }

  begin(): void {
    this.startTime = Date.now();
    this.startPerf = performance.now();
  }

  elapsedMs(): number {
    return this.startPerf === 0 ? 0 : performance.now() - this.startPerf;
  }

  progress(): number {
    if (this.finished) return 1;
    return this.plannedMs === 0 ? 0 : Math.min(1, this.elapsedMs() / this.plannedMs);
  }

  /**
   * The numbers of the next iteration: in this instance (0, 1, 2, …) and in the whole test, where
   * an execution segment makes them this instance's stripe of the test's iterations (k6's
   * exec.scenario.iterationInInstance and iterationInTest).
   */
  nextIteration(): { inInstance: number; inTest: number } {
    const inInstance = this.sharedCount
      ? Number(Atomics.add(this.sharedCount, 0, 1n))
      : this.iterationInTest++;
    const stripe = this.config.segment?.work;
    return { inInstance, inTest: stripe ? itemOf(stripe, inInstance) : inInstance };
  }

  /** Runs one iteration on `vu`. */
  iterate(vu: VU): Promise<number> {
    return vu.runIterations(this.execFn(vu), this, null);
  }

  /** The exported function the scenario runs (k6 looks it up once, when the VU is made). */
  private execFn(vu: VU): (data: unknown) => unknown {
    return vu.exports[this.config.exec] as (data: unknown) => unknown;
  }

  iterationStarting(vu: VU): void {
    this.inflight.add(vu);
  }

  iterationEnded(vu: VU, outcome: IterationOutcome): Promise<void> | undefined {
    this.inflight.delete(vu);
    this.countEnded(outcome);
    return this.host.breathe();
  }

  countEnded(outcome: IterationOutcome): void {
    if (outcome === 'completed') this.iterationsCompleted++;
    else if (outcome === 'interrupted') this.iterationsInterrupted++;
    else this.iterationsFailed++;
  }

  private counterBuffer(): SharedArrayBuffer {
    if (!this.sharedCount) {
      this.sharedCount = new BigInt64Array(new SharedArrayBuffer(8));
      this.sharedCount[0] = BigInt(this.iterationInTest);
    }
    return this.sharedCount.buffer as SharedArrayBuffer;
  }

  /**
   * Runs iterations on `vu`, one after the other, until endLoop(vu) or the scenario stops, `max`
   * iterations ran, or `pool` is empty. Resolves with the number of iterations started. A
   * synchronous VU runs the loop in its own thread (no message per iteration; with
   * minIterationDuration it goes iteration by iteration, as the rest between them is timed here).
   */
  async loop(vu: VU, max = Number.POSITIVE_INFINITY, pool: IterationPool | null = null): Promise<number> {
    const control = { ended: false };
    this.loops.set(vu, control);
    try {
      if (vu.threadLoop && vu.minIterationDurationMs() === 0)
        return this.stopping || max <= 0 ? 0 : await this.loopInThread(vu, vu.threadLoop, max, pool);
      let ran = 0;
      await vu.runIterations(this.execFn(vu), this, () => {
        if (control.ended || this.stopping || ran >= max || (pool !== null && !pool.take())) return false;
        ran++;
        return true;
      });
      return ran;
    } finally {
      this.loops.delete(vu);
    }
  }

  /** loop() on a synchronous VU: its own thread runs the iterations (sync/hub.ts). */
  private async loopInThread(
    vu: VU,
    threadLoop: NonNullable<VU['threadLoop']>,
    max: number,
    pool: IterationPool | null,
  ): Promise<number> {
    this.inflight.add(vu);
    const before = vu.iterationInScenario;
    try {
      const end = await threadLoop({
        fn: this.config.exec,
        scenario: this,
        max,
        pool: pool ? pool.buffer() : null,
        counter: this.counterBuffer(),
        stripe: this.config.segment?.work ?? null,
      });
      return end.ran;
    } catch (err) {
      // The VU's thread ended under the loop (code that never yielded, ended after its
      // interruption; a thread that failed): its running iteration ends as runIteration's would.
      if (err instanceof InterruptedError || vu.interrupted) this.countEnded('interrupted');
      else {
        this.countEnded('failed');
        this.host.warn(`scenario ${this.name}, VU ${vu.id}: ${describeError(err)}`);
      }
      // The iterations whose ends the hub recorded, and the one that was running.
      return vu.iterationInScenario - before + 1;
    } finally {
      this.inflight.delete(vu);
      await this.host.breathe();
    }
  }

  /** `vu`'s loop starts no new iteration (the one running goes on). */
  endLoop(vu: VU): void {
    const control = this.loops.get(vu);
    if (!control || control.ended) return;
    control.ended = true;
    vu.stopThreadLoop?.();
  }

  private endLoops(): void {
    for (const vu of this.loops.keys()) this.endLoop(vu);
  }

  get stopping(): boolean {
    return this.stopMode !== null;
  }

  stop(mode: StopMode): void {
    if (this.stopMode === 'hard' || this.stopMode === mode) return;
    this.stopMode = mode;
    this.endLoops();
    for (const l of [...this.stopListeners]) l(mode);
    if (mode === 'hard') this.interruptAll();
  }

  /**
   * Waits until `offsetMs` after the scenario start. Resolves false early when the test is
   * stopping (any mode), true otherwise.
   */
  waitUntil(offsetMs: number): Promise<boolean> {
    if (this.stopMode) return Promise.resolve(false);
    const delay = offsetMs - this.elapsedMs();
    if (delay <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const settle = (reached: boolean) => {
        clearTimeout(timer);
        this.stopListeners.delete(listener);
        this.waits.delete(listener);
        resolve(reached);
      };
      const listener = () => settle(false);
      const timer = setTimeout(() => settle(true), delay);
      this.stopListeners.add(listener);
      this.waits.add(listener);
    });
  }

  interrupt(vu: VU): void {
    if (this.inflight.has(vu)) vu.interrupt();
  }

  isRunningIteration(vu: VU): boolean {
    return this.inflight.has(vu);
  }

  interruptAll(): void {
    for (const vu of this.inflight) vu.interrupt();
  }

  /** k6's end of a scenario: running work gets `gracefulStop`, then is interrupted. */
  async finish(work: Iterable<Promise<unknown>>): Promise<void> {
    this.endLoops();
    for (const end of [...this.waits]) end();
    const all = Promise.all(work);
    if (this.stopMode !== 'hard') {
      let timer: NodeJS.Timeout | undefined;
      let onHard: ((mode: StopMode) => void) | undefined;
      const graceEnded = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.config.gracefulStopMs);
        onHard = (mode) => {
          if (mode === 'hard') resolve();
        };
        this.stopListeners.add(onHard);
      });
      await Promise.race([all, graceEnded]);
      clearTimeout(timer);
      if (onHard) this.stopListeners.delete(onHard);
    }
    this.interruptAll();
    let abandon: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise<void>((resolve) => {
        abandon = setTimeout(() => {
          if (this.inflight.size > 0) {
            this.host.warn(
              `scenario ${this.name}: ${this.inflight.size} iteration(s) did not stop after being interrupted ` +
                '(code that never yields, such as a busy loop); leaving them behind.',
            );
          }
          resolve();
        }, ABANDON_AFTER_MS);
      }),
    ]);
    clearTimeout(abandon);
    this.finished = true;
  }

  /**
   * dropped_iterations, unless the test is being stopped (an abort, a signal, the REST API): k6
   * pushes them only while the run's context is alive (grafana/k6 lib/executor/shared_iterations.go
   * and the others: metrics.PushIfNotDone(parentCtx, …)), so an aborted test reports none.
   */
  dropped(count: number): void {
    if (count <= 0 || this.stopMode !== null) return;
    this.host.emit({
      metric: 'dropped_iterations',
      time: Date.now(),
      value: count,
      tags: { ...this.host.testTags, ...this.tags, scenario: this.name },
    });
  }
}
