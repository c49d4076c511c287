// Messages between a synchronous VU's thread (./vu-thread.ts, runs the script) and the VU thread
// that hosts it (./hub.ts, performs its requests and turns its checks and metrics into samples).
// Everything goes over one port, so the hub sees them in the order the script made them.
import type { ScenarioFacts } from '../api/module-vu.ts';
import type { StatusSpec } from '../http/expected-statuses.ts';

export interface SyncVuInit {
  runId: string;
  scriptPath: string;
  vuId: number;
  env: Record<string, string>;
  /** The script's bundled module (./bundle.ts). */
  script: string;
  /**
   * Int32Array[4]: [REPLY] reply counter (the hub bumps it and notifies), [INTERRUPT] 1 = interrupt
   * the iteration, [ACTIVITY] bumped by the thread's event loop, [WAITING] 1 while blocked in a call.
   */
  control: SharedArrayBuffer;
  /** Replies to blocking calls, read with receiveMessageOnPort while the thread waits. */
  replies: import('node:worker_threads').MessagePort;
  /** Replies to calls the script awaits (http.asyncRequest), heard by the thread's event loop. */
  asyncReplies: import('node:worker_threads').MessagePort;
  /** The test's options (k6/execution's test.options). */
  options: unknown;
}

export const REPLY = 0;
export const INTERRUPT = 1;
export const ACTIVITY = 2;
export const WAITING = 3;
export const CONTROL_WORDS = 4;

/**
 * A request's arguments as they cross to the hub: the k6/http objects in them (http.url, http.file,
 * a cookie jar, expectedStatuses) taken apart, the rest as the script gave it.
 */
export interface WireRequest {
  method: string;
  url: string;
  /** The name tag of an http.url`…` URL. */
  name?: string;
  body: unknown;
  /** The keys of the body that hold an http.file() ({ data, filename, content_type }). */
  files?: string[];
  /** params without jar and responseCallback. */
  params: Record<string, unknown> | null;
  /** params.jar: a jar's number in the hub (./hub-calls.ts), null for none; absent: the VU's jar. */
  jar?: number | null;
  /** params.responseCallback: expectedStatuses' codes and ranges, or null; absent: the VU's callback. */
  expected?: StatusSpec[] | null;
}

/** The methods of k6's CookieJar a script can call. */
export type JarMethod = 'set' | 'cookiesForURL' | 'clear' | 'delete';

/** A blocking call: the VU thread waits for its reply. */
export type SyncCall =
  | ({ op: 'request' } & WireRequest)
  | { op: 'batch'; requests: WireRequest[] | Record<string, WireRequest> }
  | { op: 'jar-new' }
  | { op: 'jar'; jar: number; method: JarMethod; args: unknown[] }
  | { op: 'response-callback'; expected: StatusSpec[] | null }
  | { op: 'secret'; source: string; key: string }
  /** Replies { buffer } once the array exists, or { make: true }: this VU runs the callback. */
  | { op: 'shared-array'; name: string }
  | { op: 'shared-array-made'; name: string; buffer: SharedArrayBuffer | null; error?: string }
  /** k6/execution's figures that change while the VU runs. */
  | { op: 'execution'; what: 'instance' | 'progress' }
  | { op: 'abort'; message: string };

/** A call the script awaits: the thread goes on, and the reply comes on the async port with its id. */
export interface AsyncCall {
  id: number;
  call: SyncCall;
}
export type AsyncReply = SyncReply & { id: number };

export type SyncReply = { ok: true; value: unknown } | { ok: false; error: string; interrupted: boolean };

export type FromSyncVu =
  | { t: 'loaded'; functions: string[] }
  | { t: 'load-failed'; message: string }
  | { t: 'call'; call: SyncCall; group: string }
  | { t: 'async-call'; call: AsyncCall; group: string }
  | { t: 'tag'; key: string; value: string | null }
  | { t: 'metadata'; key: string; value: string | null }
  | { t: 'fail'; message: string }
  | { t: 'check'; name: string; pass: boolean; group: string; tags?: Record<string, string> }
  | { t: 'group-end'; path: string; ms: number }
  | { t: 'metric-new'; name: string; type: 'counter' | 'gauge' | 'rate' | 'trend'; isTime: boolean }
  | { t: 'metric-add'; name: string; value: number; group: string; tags?: Record<string, string> }
  | { t: 'unsupported'; what: string; anywhere?: boolean }
  | { t: 'log'; level: 'info' | 'warn' | 'error' | 'debug'; text: string }
  | { t: 'done'; value?: unknown; error?: string; interrupted?: boolean };

/**
 * `data` is sent when it changed: the VU keeps one copy of the setup data across its iterations, as in k6.
 * 'interrupt' reaches a thread that waits in its event loop (timers, awaited calls); a thread
 * blocked in a call sees the interrupt word instead.
 */
export type ToSyncVu =
  | {
      t: 'call';
      fn: string;
      /** setup, an iteration, teardown: the phase k6/execution and the timers go by. */
      phase: 'setup' | 'iteration' | 'teardown';
      data?: unknown;
      sameData: boolean;
      iter: number;
      iterationInScenario: number;
      scenario: ScenarioFacts | null;
      env?: Record<string, string>;
    }
  | { t: 'interrupt' };
