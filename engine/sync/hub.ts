// The VU thread's side of one synchronous VU: starts the VU's own thread (./vu-thread.ts), which
// runs the script and blocks on its calls, and performs those calls for it with the engine's HTTP
// code on this VU — so requests are timed, tagged and sampled exactly as for an async VU — and
// records its checks, groups and custom metrics with this VU's tags.
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { outOfMemory } from '../exit-codes.ts';
import { createHttp } from '../http/api.ts';
import { loadUndici } from '../http/connection.ts';
import type { Response } from '../http/response.ts';
import type { ThreadLoopEnd, ThreadLoopPlan, VU } from '../vu.ts';
import { InterruptedError } from '../vu-errors.ts';
import type { SyncBundle } from './bundle.ts';
import { HubCalls } from './hub-calls.ts';
import {
  ACK_WAIT,
  ACKED,
  ACTIVITY,
  type AsyncReply,
  CONTROL_WORDS,
  END_FIELDS,
  ENDED_COMPLETED,
  ENDED_REFUSED,
  type FromSyncVu,
  INTERRUPT,
  REPLY,
  STOP,
  type SyncCall,
  type SyncReply,
  type SyncVuInit,
  type ToSyncVu,
  WAITING,
  type WireRequest,
} from './protocol.ts';
import { abandonSharedArrays } from './shared-arrays.ts';

/** At most this many synchronous VUs in one run: each is a thread of about 8 MB. */
export const MAX_SYNC_VUS = 500;
/** How long an interrupted call may go on before its thread is ended. */
const STUCK_MS = 2000;
/** How long a VU's code may run without yielding once its scenario is over before its thread is ended. */
const SILENT_AFTER_END_MS = 5000;

export interface SyncHost {
  runId: string;
  scriptPath: string;
  env: Record<string, string>;
  bundle: SyncBundle;
  /** The test's options, for k6/execution's test.options. */
  options: unknown;
  /** Stops the test with exit 107 and this sentence. */
  fatal(message: string): void;
  /** Whether `vu`'s scenario has run its planned time, or the test is stopping. */
  overdue(vu: VU): boolean;
}

/** Why a script cannot go on in synchronous mode, and what to do instead. */
export function unsupportedMessage(what: string): string {
  return (
    `${what} is not supported for synchronous VUs yet (they run scripts whose exported functions are not async). ` +
    'Write the exported functions as `async function` with `await http.get(...)`, or run this script with the k6 binary (--engine k6).'
  );
}

/**
 * The Response as data for the VU's thread: k6's fields in k6's order (Response.toJSON()); the
 * reply's structured clone copies them.
 */
function plainResponse(r: Response): Record<string, unknown> {
  return r.toJSON();
}

export class SyncVu {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  private readonly replies: MessagePort;
  private readonly asyncReplies: MessagePort;
  private readonly http;
  private readonly calls: HubCalls;
  private loaded: { resolve: (names: string[]) => void; reject: (err: Error) => void } | null = null;
  private dead = false;
  private sentData: { has: boolean; value: unknown } = { has: false, value: undefined };
  private running: { resolve: (value: unknown) => void; reject: (err: Error) => void } | null = null;
  /** The scenario of the loop of iterations the thread runs (see loop()), null outside one. */
  private looping: ThreadLoopPlan['scenario'] | null = null;
  /** The scenario env the thread has as __ENV: sent again only when it changes (a new scenario). */
  private sentEnv: Record<string, string> | undefined;
  /** The one silence watch of this VU (see watchSilence), and where the running call stands in it. */
  private silence: NodeJS.Timeout | null = null;
  private activitySeen = 0;
  private activeAt = 0;

  private constructor(
    private readonly vu: VU,
    private readonly host: SyncHost,
  ) {
    if (host.bundle.usesHttp) loadUndici();
    this.http = createHttp(vu);
    this.calls = new HubCalls(vu);
    const { port1, port2 } = new MessageChannel();
    const awaited = new MessageChannel();
    this.replies = port1;
    this.asyncReplies = awaited.port1;
    const init: SyncVuInit = {
      runId: host.runId,
      scriptPath: host.scriptPath,
      vuId: vu.id,
      vuIdInTest: vu.idInTest,
      env: host.env,
      script: host.bundle.script,
      control: this.control.buffer as SharedArrayBuffer,
      replies: port2,
      asyncReplies: awaited.port2,
      options: host.options,
    };
    this.worker = new Worker(host.bundle.entry, {
      workerData: init,
      transferList: [port2, awaited.port2],
      stdout: false,
      stderr: false,
    });
    this.worker.on('message', (msg: FromSyncVu) => this.onMessage(msg));
    this.worker.on('error', (err: NodeJS.ErrnoException) => {
      // Out of memory ends k6's whole process (Go's runtime cannot go on): the test stops here too,
      // rather than going on with one VU fewer and exit 0.
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') host.fatal(outOfMemory(vu.id));
      this.lost(new Error(`the thread of synchronous VU ${vu.id} failed: ${err.message}`));
    });
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
    vu.threadLoop = (plan) => sync.loop(plan);
    vu.stopThreadLoop = () => sync.stopLoop();
    return sync;
  }

  /**
   * Arms the thread for one call or loop: clears the interrupt word, and on the VU's interruption
   * sets it, wakes the thread, and ends the thread when its code cannot see it. Returns the disarm.
   */
  private arm(): () => void {
    Atomics.store(this.control, INTERRUPT, 0);
    let stuck: NodeJS.Timeout | undefined;
    this.watchSilence();
    const removeInterrupt = this.vu.onInterrupt(() => {
      Atomics.store(this.control, INTERRUPT, 1);
      Atomics.notify(this.control, INTERRUPT);
      this.worker.postMessage({ t: 'interrupt' } satisfies ToSyncVu);
      // Code that never reaches a k6 call (a busy loop) cannot see the interrupt: end its thread.
      stuck = setTimeout(() => {
        if (!this.running) return;
        this.dead = true;
        void this.stop();
        this.lost(new InterruptedError());
      }, STUCK_MS);
    });
    return () => {
      clearTimeout(stuck);
      removeInterrupt();
    };
  }

  /** `data` for a message: undefined when the thread has it already. */
  private dataFor(data: unknown): { data: unknown; sameData: boolean } {
    const sameData = this.sentData.has && this.sentData.value === data;
    this.sentData = { has: true, value: data };
    return { data: sameData ? undefined : data, sameData };
  }

  /**
   * __ENV is the scenario's env for as long as the VU runs that scenario, as on async VUs
   * (engine/vu.ts sets it when the scenario changes); copying it for every call was costly.
   */
  private envFor(env: Record<string, string> | undefined): Record<string, string> | undefined {
    if (!env || env === this.sentEnv) return undefined;
    this.sentEnv = env;
    return env;
  }

  /** Runs one exported-function call in the VU's thread; resolves with what it returned. */
  call(fn: string, data: unknown): Promise<unknown> {
    if (this.dead) return Promise.reject(new InterruptedError());
    const disarm = this.arm();
    const group = this.vu.group;
    return new Promise<unknown>((resolve, reject) => {
      this.running = { resolve, reject };
      const vu = this.vu;
      const scenario = vu.scenario;
      this.worker.postMessage({
        t: 'call',
        fn,
        phase: fn === 'setup' ? 'setup' : fn === 'teardown' ? 'teardown' : 'iteration',
        ...this.dataFor(data),
        iter: Math.max(vu.iter, 0),
        iterationInScenario: Math.max(vu.iterationInScenario, 0),
        scenario: scenario
          ? {
              name: scenario.name,
              executor: scenario.executor,
              startTime: scenario.startTime,
              iterationInTest: vu.iterationInTest,
              iterationInInstance: vu.iterationInInstance,
            }
          : null,
        env: this.envFor(scenario?.env),
      } satisfies ToSyncVu);
    }).finally(() => {
      disarm();
      this.vu.group = group;
    });
  }

  /**
   * Runs a scenario's iterations back to back in the VU's thread (executors/scenario-run.ts loop()):
   * the thread reports their ends in batches, and this side emits each one's samples and counts it
   * as runIteration would have. Ends when stopLoop() is called, the plan's limits are reached or
   * the VU is interrupted.
   */
  loop(plan: ThreadLoopPlan): Promise<ThreadLoopEnd> {
    if (this.dead) return Promise.reject(new InterruptedError());
    const vu = this.vu;
    vu.beginThreadLoop(plan.scenario);
    Atomics.store(this.control, STOP, 0);
    Atomics.store(this.control, ACKED, 0);
    const disarm = this.arm();
    this.looping = plan.scenario;
    return new Promise<unknown>((resolve, reject) => {
      this.running = { resolve, reject };
      this.worker.postMessage({
        t: 'loop',
        fn: plan.fn,
        ...this.dataFor(vu.setupData),
        iter: vu.iter,
        iterationInScenario: vu.iterationInScenario,
        scenario: {
          name: plan.scenario.name,
          executor: plan.scenario.executor,
          startTime: plan.scenario.startTime,
        },
        env: this.envFor(plan.scenario.env),
        max: Number.isFinite(plan.max) ? plan.max : -1,
        pool: plan.pool,
        counter: plan.counter,
        stripe: plan.stripe,
      } satisfies ToSyncVu);
    })
      .then((end) => end as ThreadLoopEnd)
      .finally(() => {
        disarm();
        this.looping = null;
        vu.endThreadLoop();
      });
  }

  /** The running loop starts no new iteration. */
  stopLoop(): void {
    Atomics.store(this.control, STOP, 1);
  }

  /**
   * Code that never yields (a busy loop) cannot be interrupted: once the scenario is over, a thread
   * that is neither blocked in a call nor turning its event loop for 5 s is ended, as the VU
   * thread's own watchdog does for async VUs.
   */
  private watchSilence(): void {
    this.activitySeen = Atomics.load(this.control, ACTIVITY);
    this.activeAt = performance.now();
    // One interval for the VU's life (not one per call): it looks only while a call runs.
    this.silence ??= setInterval(() => {
      if (!this.running) return;
      const beat = Atomics.load(this.control, ACTIVITY);
      const now = performance.now();
      if (beat !== this.activitySeen || Atomics.load(this.control, WAITING) === 1) {
        this.activitySeen = beat;
        this.activeAt = now;
        return;
      }
      if (now - this.activeAt < SILENT_AFTER_END_MS || !this.host.overdue(this.vu)) return;
      this.vu.test.log(
        'error',
        `Stopping the thread of VU ${this.vu.id}: the VU code has not yielded for ${((now - this.activeAt) / 1000).toFixed(1)} s at the end of its scenario.`,
      );
      this.dead = true;
      void this.stop();
      this.lost(new InterruptedError());
    }, 1000);
    this.silence.unref();
  }

  stop(): Promise<number> {
    if (this.silence) clearInterval(this.silence);
    this.silence = null;
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }

  private lost(err: Error): void {
    if (this.silence) clearInterval(this.silence);
    this.silence = null;
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
        vu.group = msg.group;
        void this.answer(msg.call).then((reply) => {
          this.replies.postMessage(reply);
          Atomics.add(this.control, REPLY, 1);
          Atomics.notify(this.control, REPLY);
        });
        return;
      case 'async-call': {
        vu.group = msg.group;
        const id = msg.call.id;
        void this.answer(msg.call.call).then((reply) =>
          this.asyncReplies.postMessage({ ...reply, id } satisfies AsyncReply),
        );
        return;
      }
      case 'check':
        vu.group = msg.group;
        vu.emitCheck(msg.name, msg.pass, msg.tags);
        return;
      case 'group-end':
        vu.group = msg.path;
        vu.emitGroupDuration(msg.path, msg.ms);
        return;
      case 'tag':
        if (msg.value === null) delete vu.tags[msg.key];
        else vu.tags[msg.key] = msg.value;
        return;
      case 'metadata':
        vu.metadataUsed = true;
        if (msg.value === null) delete vu.metadata[msg.key];
        else vu.metadata[msg.key] = msg.value;
        return;
      case 'fail':
        vu.test.markFailed(msg.message);
        return;
      case 'metric-new':
        try {
          vu.test.registry.define(msg.name, msg.type, msg.isTime ? 'time' : 'default');
        } catch (err) {
          this.host.fatal(`Invalid custom metric: ${(err as Error).message}`);
        }
        return;
      case 'metric-add':
        vu.group = msg.group;
        vu.emitMetric(msg.name, msg.value, msg.tags);
        return;
      case 'log':
        // undefined: a console line; null: a line with no source; else that source.
        vu.test.log(
          msg.level,
          msg.text,
          msg.source === undefined ? undefined : msg.source === null ? {} : { source: msg.source },
        );
        return;
      case 'unsupported':
        this.host.fatal(
          msg.anywhere
            ? `${msg.what} is not supported by the node engine; run this script with the k6 binary (--engine k6).`
            : unsupportedMessage(msg.what),
        );
        return;
      case 'after': {
        const { ends, start } = msg.before;
        if (ends) this.ends(ends);
        if (start)
          vu.threadIterationStarts(start.iter, start.iterationInScenario, start.inTest, start.inInstance);
        this.onMessage(msg.msg);
        return;
      }
      case 'ends':
        this.ends(msg.ends);
        return;
      case 'iter-error':
        vu.logIterationError(this.looping, msg.error);
        return;
      case 'loop-done': {
        const running = this.running;
        this.running = null;
        if (!running) return;
        if (msg.error !== undefined) {
          this.host.fatal(`synchronous VU ${vu.id} stopped: ${msg.error}`);
          running.reject(new InterruptedError());
          return;
        }
        if (msg.cut) {
          vu.threadIterationEnded(msg.cut.iter, msg.cut.iterationInScenario, Date.now(), -1);
          this.looping?.countEnded('interrupted');
        }
        running.resolve({ ran: msg.ran, interrupted: msg.cut !== null } satisfies ThreadLoopEnd);
        return;
      }
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

  /**
   * A batch of a loop's iteration ends: each one's samples and count, as runIteration does; then
   * the loop may go on.
   */
  private ends(ends: number[]): void {
    const scenario = this.looping;
    for (let i = 0; scenario && i < ends.length; i += END_FIELDS) {
      const outcome = ends[i + 4];
      this.vu.threadIterationEnded(
        ends[i],
        ends[i + 1],
        ends[i + 2],
        outcome === ENDED_REFUSED ? -1 : ends[i + 3],
      );
      scenario.countEnded(outcome === ENDED_COMPLETED ? 'completed' : 'failed');
    }
    Atomics.add(this.control, ACKED, 1);
    // Only a waiting loop is woken: every notify takes V8's one lock over all the process's
    // waiters, which hundreds of threads blocked in their calls make long.
    if (Atomics.load(this.control, ACK_WAIT) === 1) Atomics.notify(this.control, ACKED);
  }

  /** Performs one call of the VU's code; the request starts (and takes its tags) at once. */
  private async answer(call: SyncCall): Promise<SyncReply> {
    try {
      return { ok: true, value: await this.perform(call) };
    } catch (err) {
      const interrupted = err instanceof InterruptedError || this.vu.interrupted;
      const name = err instanceof Error && err.name !== 'Error' ? err.name : undefined;
      return { ok: false, error: (err as Error)?.message ?? String(err), interrupted, name };
    }
  }

  private async perform(call: SyncCall): Promise<unknown> {
    const vu = this.vu;
    switch (call.op) {
      case 'request':
        return plainResponse(await this.http.asyncRequest(...this.calls.requestArgs(call)));
      case 'batch': {
        const args = (w: WireRequest) => this.calls.requestArgs(w);
        const requests = Array.isArray(call.requests)
          ? call.requests.map(args)
          : Object.fromEntries(Object.entries(call.requests).map(([k, w]) => [k, args(w)]));
        const rs = (await this.http.batch(requests)) as Record<string, Response>;
        const out: Record<string, unknown> | unknown[] = Array.isArray(rs) ? [] : {};
        for (const [k, r] of Object.entries(rs)) (out as Record<string, unknown>)[k] = plainResponse(r);
        return out;
      }
      case 'execution':
        if (call.what === 'tags') return { ...vu.sampleTags() };
        return call.what === 'instance' ? vu.test.instanceStats() : (vu.scenario?.progress() ?? 0);
      case 'abort':
        vu.test.abort(call.message);
        vu.interrupt();
        return undefined;
      default:
        return this.calls.perform(call);
    }
  }
}
