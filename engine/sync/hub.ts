// The VU thread's side of one synchronous VU: starts the VU's own thread (./vu-thread.ts), which
// runs the script and blocks on its calls, and performs those calls for it with the engine's HTTP
// code on this VU — so requests are timed, tagged and sampled exactly as for an async VU — and
// records its checks, groups and custom metrics with this VU's tags.
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { createHttp } from '../http/api.ts';
import type { Response } from '../http/response.ts';
import { InterruptedError, type VU } from '../vu.ts';
import type { SyncBundle } from './bundle.ts';
import { HubCalls } from './hub-calls.ts';
import {
  type FromSyncVu,
  INTERRUPT,
  REPLY,
  type SyncCall,
  type SyncReply,
  type ToSyncVu,
  type WireRequest,
} from './protocol.ts';
import { abandonSharedArrays } from './shared-arrays.ts';

/** At most this many synchronous VUs in one run: each is a thread of about 8 MB. */
export const MAX_SYNC_VUS = 500;
/** How long an interrupted call may go on before its thread is ended. */
const STUCK_MS = 2000;

export interface SyncHost {
  runId: string;
  scriptPath: string;
  env: Record<string, string>;
  bundle: SyncBundle;
  /** Stops the test with exit 107 and this sentence. */
  fatal(message: string): void;
}

/** Why a script cannot go on in synchronous mode, and what to do instead. */
export function unsupportedMessage(what: string): string {
  return (
    `${what} is not supported for synchronous VUs (--sync-vus) yet. Write the exported functions as ` +
    '`async function` with `await http.get(...)` (without --sync-vus), or run this script with the k6 binary (--engine k6).'
  );
}

function plainResponse(r: Response): Record<string, unknown> {
  return {
    status: r.status,
    status_text: r.status_text,
    url: r.url,
    proto: r.proto,
    headers: r.headers,
    body: r.body,
    cookies: r.cookies,
    timings: { ...r.timings },
    error: r.error,
    error_code: r.error_code,
    tls_version: r.tls_version,
    tls_cipher_suite: r.tls_cipher_suite,
    remote_ip: r.remote_ip,
    remote_port: r.remote_port,
    request: r.request,
  };
}

export class SyncVu {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  private readonly replies: MessagePort;
  private readonly http;
  private readonly calls: HubCalls;
  private loaded: { resolve: (names: string[]) => void; reject: (err: Error) => void } | null = null;
  private dead = false;
  private sentData: { has: boolean; value: unknown } = { has: false, value: undefined };
  private running: { resolve: (value: unknown) => void; reject: (err: Error) => void } | null = null;

  private constructor(
    private readonly vu: VU,
    private readonly host: SyncHost,
  ) {
    this.http = createHttp(vu);
    this.calls = new HubCalls(vu);
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    const init = {
      runId: host.runId,
      scriptPath: host.scriptPath,
      vuId: vu.id,
      env: host.env,
      script: host.bundle.script,
      control: this.control.buffer as SharedArrayBuffer,
      replies: port2,
    };
    this.worker = new Worker(host.bundle.entry, {
      workerData: init,
      transferList: [port2],
      stdout: false,
      stderr: false,
    });
    this.worker.on('message', (msg: FromSyncVu) => this.onMessage(msg));
    this.worker.on('error', (err) =>
      this.lost(new Error(`the thread of synchronous VU ${vu.id} failed: ${err.message}`)),
    );
    this.worker.on('exit', () => this.lost(new Error(`the thread of synchronous VU ${vu.id} ended`)));
  }

  /** Starts the VU's thread, loads the script there and gives `vu` its exported functions. */
  static async start(vu: VU, host: SyncHost): Promise<SyncVu> {
    const sync = new SyncVu(vu, host);
    const names = await new Promise<string[]>((resolve, reject) => {
      sync.loaded = { resolve, reject };
    });
    const exports: Record<string, unknown> = {};
    for (const name of names) exports[name] = (data: unknown) => sync.call(name, data);
    vu.exports = exports;
    return sync;
  }

  /** Runs one exported-function call in the VU's thread; resolves with what it returned. */
  call(fn: string, data: unknown): Promise<unknown> {
    if (this.dead) return Promise.reject(new InterruptedError());
    Atomics.store(this.control, INTERRUPT, 0);
    let stuck: NodeJS.Timeout | undefined;
    const removeInterrupt = this.vu.onInterrupt(() => {
      Atomics.store(this.control, INTERRUPT, 1);
      Atomics.notify(this.control, INTERRUPT);
      // Code that never reaches a k6 call (a busy loop) cannot see the interrupt: end its thread.
      stuck = setTimeout(() => {
        if (!this.running) return;
        this.dead = true;
        void this.stop();
        this.lost(new InterruptedError());
      }, STUCK_MS);
    });
    const sameData = this.sentData.has && this.sentData.value === data;
    this.sentData = { has: true, value: data };
    return new Promise<unknown>((resolve, reject) => {
      this.running = { resolve, reject };
      const msg: ToSyncVu = {
        t: 'call',
        fn,
        data: sameData ? undefined : data,
        sameData,
        iter: Math.max(this.vu.iter, 0),
        env: this.vu.scenario?.env,
      };
      this.worker.postMessage(msg);
    }).finally(() => {
      clearTimeout(stuck);
      removeInterrupt();
    });
  }

  stop(): Promise<number> {
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }

  private lost(err: Error): void {
    abandonSharedArrays(this.vu);
    this.loaded?.reject(err);
    this.running?.reject(err);
    this.loaded = null;
    this.running = null;
  }

  private onMessage(msg: FromSyncVu): void {
    const vu = this.vu;
    switch (msg.t) {
      case 'loaded':
        this.loaded?.resolve(msg.functions);
        this.loaded = null;
        return;
      case 'load-failed':
        this.loaded?.reject(new Error(msg.message));
        this.loaded = null;
        return;
      case 'call':
        void this.perform(msg.call);
        return;
      case 'check': {
        const tags: Record<string, string> = { ...vu.sampleTags(), check: msg.name, ...msg.tags };
        vu.test.emit({ metric: 'checks', time: Date.now(), value: msg.pass ? 1 : 0, tags });
        return;
      }
      case 'group':
        vu.group = msg.path;
        return;
      case 'group-end':
        vu.test.emit({ metric: 'group_duration', time: Date.now(), value: msg.ms, tags: vu.sampleTags() });
        vu.group = msg.parent;
        return;
      case 'metric-new':
        try {
          vu.test.registry.define(msg.name, msg.type, msg.isTime ? 'time' : 'default');
        } catch (err) {
          this.host.fatal(`Invalid custom metric: ${(err as Error).message}`);
        }
        return;
      case 'metric-add': {
        const tags = msg.tags ? { ...vu.sampleTags(), ...msg.tags } : vu.sampleTags();
        vu.test.emit({ metric: msg.name, time: Date.now(), value: msg.value, tags });
        return;
      }
      case 'log':
        vu.test.log(msg.level, msg.text);
        return;
      case 'unsupported':
        this.host.fatal(unsupportedMessage(msg.what));
        return;
      case 'done': {
        const running = this.running;
        this.running = null;
        if (!running) return;
        if (msg.interrupted) running.reject(new InterruptedError());
        else if (msg.error !== undefined) {
          const err = new Error(msg.error);
          err.stack = msg.error;
          running.reject(err);
        } else running.resolve(msg.value);
      }
    }
  }

  private async perform(call: SyncCall): Promise<void> {
    let reply: SyncReply;
    try {
      if (call.op === 'request') {
        const r = await this.http.asyncRequest(...this.calls.requestArgs(call));
        reply = { ok: true, value: plainResponse(r) };
      } else if (call.op === 'batch') {
        const args = (w: WireRequest) => this.calls.requestArgs(w);
        const requests = Array.isArray(call.requests)
          ? call.requests.map(args)
          : Object.fromEntries(Object.entries(call.requests).map(([k, w]) => [k, args(w)]));
        const rs = (await this.http.batch(requests)) as Record<string, Response>;
        const out: Record<string, unknown> | unknown[] = Array.isArray(rs) ? [] : {};
        for (const [k, r] of Object.entries(rs)) (out as Record<string, unknown>)[k] = plainResponse(r);
        reply = { ok: true, value: out };
      } else reply = { ok: true, value: await this.calls.perform(call) };
    } catch (err) {
      const interrupted = err instanceof InterruptedError || this.vu.interrupted;
      reply = { ok: false, error: (err as Error)?.message ?? String(err), interrupted };
    }
    this.replies.postMessage(reply);
    Atomics.add(this.control, REPLY, 1);
    Atomics.notify(this.control, REPLY);
  }
}
