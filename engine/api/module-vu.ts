// What a k6 module may ask of the VU that imports it, in the manner of k6's `modules.VU`
// (go.k6.io/k6/js/modules, documented at https://pkg.go.dev/go.k6.io/k6/js/modules#VU): where the
// VU's code stands, its group, samples, metrics, sleeping, timers and shared arrays. A module is
// written once against this interface and works on both kinds of VU: the async VUs of the VU
// thread (../modules/module-vu.ts) and the synchronous VUs that each own a thread
// (../sync/module-vu.ts).
import type { VuTimers } from '../vu-timers.ts';

export type ModulePhase = 'init' | 'setup' | 'iteration' | 'teardown' | 'summary';

export type SampleTags = Record<string, string>;

/** What k6/execution tells of the scenario iteration that runs. */
export interface ScenarioFacts {
  name: string;
  executor: string;
  startTime: number;
  iterationInTest: number;
  iterationInInstance: number;
}

/** k6/execution's `instance` figures. */
export interface InstanceFigures {
  iterationsInterrupted: number;
  iterationsCompleted: number;
  vusActive: number;
  vusInitialized: number;
  currentTestRunDuration: number;
}

export interface ModuleVU {
  /** Where the VU's code stands: metrics and shared arrays belong to the init context. */
  readonly phase: ModulePhase;
  /** The group path the VU's code runs in right now ('' at the top, `::a::b` inside groups). */
  readonly group: string;
  /** Runs a plain function with `path` as the VU's group; the previous group is back afterwards. */
  inGroup<T>(path: string, fn: () => T): T;
  /** Runs an async function with `path` as its group across all its awaits. */
  inAsyncGroup<T>(path: string, fn: () => T): T;
  /** One `checks` sample for the group the code runs in, with the check's extra tags. */
  emitCheck(name: string, pass: boolean, tags: SampleTags | undefined): void;
  /** One `group_duration` sample of the group at `path`. */
  emitGroupDuration(path: string, ms: number): void;
  /** Defines a custom metric (init context only; the caller checks the phase). */
  defineMetric(name: string, type: 'counter' | 'gauge' | 'rate' | 'trend', isTime: boolean): void;
  /** A warning of the VU's logger (a log line, not a console one). */
  warn(text: string): void;
  /** One sample of a custom metric with the VU's tags and the extra ones. */
  emitMetric(name: string, value: number, tags: SampleTags | undefined): void;
  /** k6's sleep(): a Promise on async VUs, a blocking wait on a synchronous VU. */
  sleep(ms: number): Promise<void> | void;
  /** The VU's own timers, which the end of an iteration waits for. */
  readonly timers: VuTimers;
  /**
   * The test's shared array `name`: made once per test by calling `make` in the first VU that
   * asks, then the same read-only elements for every VU.
   */
  sharedArray(name: string, make: () => unknown[]): readonly unknown[];
  /** k6/secrets: the value of `key` in the secret source `source` (redacted from the test's logs from then on). */
  secret(source: string, key: string): string;
  /** The VU's number in this instance (`__VU`, exec.vu.idInInstance). */
  readonly id: number;
  /** Its number in the whole test (exec.vu.idInTest): differs from `id` in an execution segment. */
  readonly idInTest: number;
  /** Iterations this VU started, 0-based (-1 before the first). */
  readonly iter: number;
  readonly iterationInScenario: number;
  /** The scenario iteration that runs, or null outside one (init, setup, teardown). */
  scenario(): ScenarioFacts | null;
  /** The running scenario's progress, 0 to 1. */
  scenarioProgress(): number;
  instance(): InstanceFigures;
  /** exec.vu.tags and exec.vu.metrics.metadata: what is set here tags the VU's samples. */
  readonly tags: Record<string, string>;
  /**
   * Every tag the VU's samples carry now (test-wide, scenario, `scenario`, `group`, the VU's
   * own): what reading exec.vu.tags gives in k6, whose object reads the VU state's tag set
   * (grafana/k6 internal/js/modules/k6/execution/execution.go, tagsDynamicObject).
   */
  currentTags(): Record<string, string>;
  readonly metadata: Record<string, string>;
  /** The test's options (exec.test.options). */
  readonly options: unknown;
  /** exec.test.abort(): ends the test (exit 108) and interrupts this VU's iteration. */
  abortTest(message: string): void;
  /** exec.test.fail(): the test goes on and fails at the end. */
  failTest(message: string): void;
  /** The k6/http module as this kind of VU provides it (its functions, classes and constants). */
  httpModule(): Record<string, unknown>;
}

/** Extra tags as a script gives them (numbers, booleans) turned into sample tags. */
export function extraTags(tags: Record<string, unknown> | undefined): SampleTags | undefined {
  if (tags === undefined || tags === null) return undefined;
  const out: SampleTags = {};
  for (const [k, v] of Object.entries(tags)) {
    // As k6's ApplyCustomUserTag (grafana/k6 js/common/tags.go): a string, a boolean or a number.
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new Error(
        `invalid value for metric tag '${k}': only String, Boolean and Number types are accepted as a metric tag values`,
      );
    }
    out[k] = String(v);
  }
  return out;
}
