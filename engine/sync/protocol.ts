// Messages between a synchronous VU's thread (./vu-thread.ts, runs the script) and the VU thread
// that hosts it (./hub.ts, performs its requests and turns its checks and metrics into samples).
// Everything goes over one port, so the hub sees them in the order the script made them.
import type { StatusSpec } from '../http/expected-statuses.ts';

export interface SyncVuInit {
  runId: string;
  scriptPath: string;
  vuId: number;
  env: Record<string, string>;
  /** The script's bundled module (./bundle.ts). */
  script: string;
  /** Int32Array[2]: [0] reply counter (the hub bumps it and notifies), [1] 1 = interrupt the iteration. */
  control: SharedArrayBuffer;
  /** Replies to blocking calls, read with receiveMessageOnPort while the thread waits. */
  replies: import('node:worker_threads').MessagePort;
}

export const REPLY = 0;
export const INTERRUPT = 1;

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
  | { op: 'shared-array-made'; name: string; buffer: SharedArrayBuffer | null; error?: string };

export type SyncReply = { ok: true; value: unknown } | { ok: false; error: string; interrupted: boolean };

export type FromSyncVu =
  | { t: 'loaded'; functions: string[] }
  | { t: 'load-failed'; message: string }
  | { t: 'call'; call: SyncCall }
  | { t: 'check'; name: string; pass: boolean; tags?: Record<string, string> }
  | { t: 'group'; path: string }
  | { t: 'group-end'; path: string; ms: number; parent: string }
  | { t: 'metric-new'; name: string; type: 'counter' | 'gauge' | 'rate' | 'trend'; isTime: boolean }
  | { t: 'metric-add'; name: string; value: number; tags?: Record<string, string> }
  | { t: 'unsupported'; what: string }
  | { t: 'log'; level: 'info' | 'warn' | 'error' | 'debug'; text: string }
  | { t: 'done'; value?: unknown; error?: string; interrupted?: boolean };

/** `data` is sent when it changed: the VU keeps one copy of the setup data across its iterations, as in k6. */
export type ToSyncVu = {
  t: 'call';
  fn: string;
  data?: unknown;
  sameData: boolean;
  iter: number;
  env?: Record<string, string>;
};
