// What every executor builds on: one running scenario with its VUs, its iteration counters, its
// clock, and k6's end-of-scenario rule (stop starting iterations, give the running ones
// gracefulStop, then interrupt them).
import type { Sample } from '../metrics/types.ts';
import { plannedDurationMs, type ScenarioConfig } from '../options.ts';
import { itemOf } from '../segments.ts';
import type { IterationOutcome, ScenarioView } from '../test-context.ts';
import type { VU } from '../vu.ts';

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
  warn(message: string): void;
  readonly testTags: Record<string, string>;
  readonly env: Record<string, string>;
  /** Lets the event loop breathe between iterations that never left the microtask queue. */
  breathe(): Promise<void> | undefined;
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
    const inInstance = this.iterationInTest++;
    const stripe = this.config.segment?.work;
    return { inInstance, inTest: stripe ? itemOf(stripe, inInstance) : inInstance };
  }

  /** Runs one iteration on `vu`. */
  iterate(vu: VU): Promise<IterationOutcome> {
    this.inflight.add(vu);
    return vu.runIteration(vu.exports[this.config.exec] as (data: unknown) => unknown, this);
  }

  iterationEnded(vu: VU, outcome: IterationOutcome): Promise<void> | undefined {
    this.inflight.delete(vu);
    if (outcome === 'completed') this.iterationsCompleted++;
    else if (outcome === 'interrupted') this.iterationsInterrupted++;
    else this.iterationsFailed++;
    return this.host.breathe();
  }

  get stopping(): boolean {
    return this.stopMode !== null;
  }

  stop(mode: StopMode): void {
    if (this.stopMode === 'hard' || this.stopMode === mode) return;
    this.stopMode = mode;
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

  dropped(count: number): void {
    if (count <= 0) return;
    this.host.emit({
      metric: 'dropped_iterations',
      time: Date.now(),
      value: count,
      tags: { ...this.host.testTags, ...this.tags, scenario: this.name },
    });
  }
}
