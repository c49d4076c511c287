// Messages between a synchronous VU's thread (./vu-thread.ts, runs the script) and the VU thread
// that hosts it (./hub.ts, performs its requests and turns its checks and metrics into samples).
// Everything goes over one port, so the hub sees them in the order the script made them.
import type { ScenarioFacts } from '../api/module-vu.ts';
import type { StatusSpec } from '../http/expected-statuses.ts';
import type { Stripe } from '../segments.ts';

export interface SyncVuInit {
  runId: string;
  scriptPath: string;
  vuId: number;
  /** exec.vu.idInTest (differs from vuId in an execution segment). */
  vuIdInTest: number;
  env: Record<string, string>;
  /** The script's bundled module (./bundle.ts). */
  script: string;
  /**
   * Int32Array[5]: [REPLY] reply counter (the hub bumps it and notifies), [INTERRUPT] 1 = interrupt
   * the iteration, [ACTIVITY] bumped by the thread's event loop, [WAITING] 1 while blocked in a call,
   * [STOP] 1 = a loop of iterations starts no new one, [ACKED] 'ends' batches the hub has handled,
   * [ACK_WAIT] 1 while the loop waits for ACKED (the hub wakes it only then: see hub.ts).
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
export const STOP = 4;
export const ACKED = 5;
export const ACK_WAIT = 6;
export const CONTROL_WORDS = 7;

/**
 * One iteration's end in a loop's batch ('ends'): five numbers per iteration in a flat array —
 * __ITER, exec.vu.iterationInScenario, the epoch ms it ended, its duration in ms, and its outcome.
 */
export const END_FIELDS = 5;
/** Outcomes in an 'ends' batch: completed, failed (a counted exception), refused (not counted). */
export const ENDED_COMPLETED = 0;
export const ENDED_FAILED = 1;
export const ENDED_REFUSED = 2;

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
  | { op: 'execution'; what: 'instance' | 'progress' | 'tags' }
  | { op: 'abort'; message: string };

/** A call the script awaits: the thread goes on, and the reply comes on the async port with its id. */
export interface AsyncCall {
  id: number;
  call: SyncCall;
}
export type AsyncReply = SyncReply & { id: number };

/** A failed call's `name`: set when the error is not a plain Error (a GoError from k6/http's `throw`). */
export type SyncReply =
  | { ok: true; value: unknown }
  | { ok: false; error: string; interrupted: boolean; name?: string };

/**
 * What a loop tells the hub before an iteration's first message: the ends not sent yet, and the
 * numbers of the iteration that sends it (only then: an iteration that sends nothing costs nothing
 * but its place in a batch of ends).
 */
export interface LoopNews {
  ends: number[] | null;
  start: { iter: number; iterationInScenario: number; inTest: number; inInstance: number } | null;
}

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
  | { t: 'log'; level: 'info' | 'warn' | 'error' | 'debug'; text: string; source?: string | null }
  | { t: 'done'; value?: unknown; error?: string; interrupted?: boolean }
  /** In a loop: `msg`, and what the hub must know before it (see LoopNews). */
  | { t: 'after'; before: LoopNews; msg: FromSyncVu }
  /** In a loop: iterations that ended, END_FIELDS numbers each, in the order they ended. */
  | { t: 'ends'; ends: number[] }
  /** In a loop: the running iteration threw (what k6 logs); its end follows in an 'ends' batch. */
  | { t: 'iter-error'; error: string }
  /**
   * The loop is over: `ran` iterations started; `cut`: the numbers of the last one when it was
   * interrupted; `error`: the loop itself failed.
   */
  | {
      t: 'loop-done';
      ran: number;
      cut: { iter: number; iterationInScenario: number } | null;
      error?: string;
    };

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
  /**
   * Runs the scenario's iterations back to back in the thread, without a message per iteration,
   * until the STOP word is set, `max` iterations ran (-1: no limit), the pool is empty or the
   * iteration is interrupted. The iteration numbers come from the scenario's shared counter.
   */
  | {
      t: 'loop';
      fn: string;
      data?: unknown;
      sameData: boolean;
      /** __ITER and exec.vu.iterationInScenario of the last iteration the VU ran (-1: none yet). */
      iter: number;
      iterationInScenario: number;
      scenario: { name: string; executor: string; startTime: number };
      env?: Record<string, string>;
      max: number;
      /** shared-iterations' pool of iterations left (BigInt64Array[1]), null for none. */
      pool: SharedArrayBuffer | null;
      /** The scenario's count of iterations started in this instance (BigInt64Array[1]). */
      counter: SharedArrayBuffer;
      /** With an execution segment: this instance's stripe of the test's iteration numbers. */
      stripe: Stripe | null;
    }
  | { t: 'interrupt' };
