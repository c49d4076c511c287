// What the k6 module facades see of the running test: one object per test run, shared by all VUs.
import type { HttpSettings } from './http/settings.ts';
import type { MetricRegistry } from './metrics/registry.ts';
import type { SampleGroup } from './metrics/sample-groups.ts';
import type { Sample } from './metrics/types.ts';

export type IterationOutcome = 'completed' | 'interrupted' | 'failed';

/** A scenario as a VU running one of its iterations sees it. */
export interface ScenarioView {
  name: string;
  executor: string;
  /** Epoch ms at which the scenario started. */
  startTime: number;
  tags: Record<string, string>;
  env: Record<string, string>;
  progress(): number;
  /** Next values of `exec.scenario.iterationInInstance` and `iterationInTest`. */
  nextIteration(): { inInstance: number; inTest: number };
  /** Told by the VU (`vu`) when it starts an iteration for this scenario. */
  iterationStarting(vu: object): void;
  /** Told by the VU (`vu`) when an iteration it ran for this scenario has ended; may ask the VU to yield. */
  iterationEnded(vu: object, outcome: IterationOutcome): Promise<void> | undefined;
  /** Counts an ended iteration (iterationEnded does, and a synchronous VU's loop for each of its iterations). */
  countEnded(outcome: IterationOutcome): void;
}

export interface TestContext {
  readonly runId: string;
  readonly scriptPath: string;
  readonly registry: MetricRegistry;
  /** `options.tags` plus `--tag`. */
  readonly testTags: Record<string, string>;
  /** `__ENV` outside any scenario. */
  readonly env: Record<string, string>;
  readonly options: Record<string, unknown>;
  /** exec.test.options: the options as k6 shows them to scripts (shortcuts turned into scenarios). */
  readonly execOptions: Record<string, unknown>;
  readonly http: HttpSettings;
  readonly startedAt: number;
  /** Hands a sample, or all samples of one HTTP request, to the metrics engine and outputs. */
  emit(sample: Sample | SampleGroup): void;
  /** Counts a request for the progress line (`failed`: network error or unexpected status). */
  countRequest(failed: boolean): void;
  /**
   * A line of the test's log from VU code: without `fields`, one written by a VU's console
   * (`source=console`, what `--console-output` takes); with `fields`, an engine line with logrus
   * fields, as k6's logger writes them (`error`, `url`; `source: 'stacktrace'` for an exception,
   * as k6's errext.Format; `{}` for a line with no source).
   */
  log(level: 'info' | 'warn' | 'error' | 'debug', text: string, fields?: Record<string, string>): void;
  abort(reason: string): void;
  /** VU code returned while `call` (k6's blocking API) was still running: fails the test with exit 107. */
  unawaited(call: string): void;
  markFailed(reason: string): void;
  /** From now on every log line, abort and fail reason of the test passes through `redact` (k6/secrets). */
  redactWith(redact: (text: string) => string): void;
  instanceStats(): {
    iterationsInterrupted: number;
    iterationsCompleted: number;
    vusActive: number;
    vusInitialized: number;
    currentTestRunDuration: number;
  };
}
