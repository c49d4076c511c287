// Messages between a synchronous VU's thread (./vu-thread.ts, runs the script) and the VU thread
// that hosts it (./hub.ts, performs its requests and turns its checks and metrics into samples).
// Everything goes over one port, so the hub sees them in the order the script made them.

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

/** A blocking call: the VU thread waits for its reply. */
export type SyncCall =
  | { op: 'request'; method: string; url: string; body: unknown; params: unknown }
  | { op: 'batch'; requests: unknown };

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
