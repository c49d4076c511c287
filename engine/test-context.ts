// What the k6 module facades see of the running test: one object per test run, shared by all VUs.
import type { Routing } from './http/route.ts';
import type { MetricRegistry } from './metrics/registry.ts';
import type { SampleGroup } from './metrics/sample-groups.ts';
import type { Sample } from './metrics/types.ts';

/** Settings of the `http` module that come from the script's options. */
export interface HttpSettings {
  insecureSkipTLSVerify: boolean;
  /** PEM CA certificates to trust on top of Node's own (options.tlsCACerts / NODE_EXTRA_CA_CERTS). */
  ca: string[] | undefined;
  tlsAuth: Array<{ domains?: string[]; cert: string; key: string; password?: string }>;
  /** options.tlsVersion as Node's protocol names; undefined: Node's defaults. */
  tlsMinVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined;
  tlsMaxVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined;
  userAgent: string;
  maxRedirects: number;
  discardResponseBodies: boolean;
  throw: boolean;
  /** `hosts`, the environment's proxy and blockHostnames; null when none is set (requests go as written). */
  routing: Routing | null;
  noConnectionReuse: boolean;
  noVUConnectionReuse: boolean;
  noCookiesReset: boolean;
  /** httpDebug: '' off, 'headers', or 'full' (bodies too). */
  httpDebug: '' | 'headers' | 'full';
  /** `batch`: how many requests of one http.batch() run at once. */
  batch: number;
  /** `batchPerHost`: how many of them to one host (0: no limit, as in k6). */
  batchPerHost: number;
  /**
   * The system tags samples carry (options.systemTags); null for k6's default set. Kept with the
   * http settings because they come from the same options and requests are their main user.
   */
  systemTags: ReadonlySet<string> | null;
}

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
  /** Next value of `exec.scenario.iterationInTest`. */
  nextIterationInTest(): number;
  /** Told by the VU (`vu`) when an iteration it ran for this scenario has ended; may ask the VU to yield. */
  iterationEnded(vu: object, outcome: IterationOutcome): Promise<void> | undefined;
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
  readonly http: HttpSettings;
  readonly startedAt: number;
  /** Hands a sample, or all samples of one HTTP request, to the metrics engine and outputs. */
  emit(sample: Sample | SampleGroup): void;
  /** Counts a request for the progress line (`failed`: network error or unexpected status). */
  countRequest(failed: boolean): void;
  /** A line written by a VU's console, already formatted. */
  log(level: 'info' | 'warn' | 'error' | 'debug', text: string): void;
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
