// The synchronous VU's side of its link to the hub (./hub.ts): blocking calls wait on the shared
// control word until the hub has posted the reply; everything else is posted and not waited for.
import { AsyncLocalStorage } from 'node:async_hooks';
import { type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads';
import type { ScenarioFacts } from '../api/module-vu.ts';
import { InterruptedError } from '../vu-errors.ts';
import {
  ACK_WAIT,
  ACKED,
  ACTIVITY,
  type AsyncReply,
  type FromSyncVu,
  INTERRUPT,
  type LoopNews,
  REPLY,
  STOP,
  type SyncCall,
  type SyncReply,
  WAITING,
} from './protocol.ts';

let control: Int32Array<ArrayBufferLike> = new Int32Array(4);
let replies: MessagePort | null = null;
const awaited = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextAsyncId = 1;

/**
 * Where the VU's code stands: metrics are created only in the init context; the group it is in;
 * what k6/execution reports about the call that runs.
 */
export const state = {
  init: true,
  group: '',
  phase: 'init' as 'init' | 'setup' | 'iteration' | 'teardown',
  iter: 0,
  iterationInScenario: 0,
  scenario: null as ScenarioFacts | null,
};

// Async groups keep their group across awaits: async context tracking, switched on the first time
// this VU runs an async group (it costs a little on every promise); until then the plain field.
const groupContext = new AsyncLocalStorage<string>();
let trackGroups = false;

/** The group the VU's code runs in right now (k6's group tag). */
export function currentGroup(): string {
  return trackGroups ? (groupContext.getStore() ?? state.group) : state.group;
}

export function groupsTracked(): boolean {
  return trackGroups;
}

/** Runs `fn` in group `path` so that it stays there across its awaits. */
export function inAsyncGroup<T>(path: string, fn: () => T): T {
  trackGroups = true;
  return groupContext.run(path, fn);
}

export function connect(shared: SharedArrayBuffer, port: MessagePort, asyncPort: MessagePort): void {
  control = new Int32Array(shared);
  replies = port;
  // Shows the hub that this thread's code yields (a busy loop stops the beat; see hub.ts).
  setInterval(() => Atomics.add(control, ACTIVITY, 1), 250).unref();
  asyncPort.on('message', (reply: AsyncReply) => {
    const waiting = awaited.get(reply.id);
    if (!waiting) return;
    awaited.delete(reply.id);
    // After a turn of the event loop: what the script does with the result (timers it starts) comes first.
    if (awaited.size === 0)
      setImmediate(() => {
        if (awaited.size === 0) for (const settled of allSettled.splice(0)) settled();
      });
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(reply.interrupted ? new InterruptedError() : failure(reply));
  });
  // Only the parent port keeps the thread alive: a pending awaited call must not.
  asyncPort.unref();
}

/** Sends `call` to the hub without waiting: the Promise settles when its reply comes in. */
export function callAsync(call: SyncCall): Promise<unknown> {
  if (interrupted()) return Promise.reject(new InterruptedError());
  const id = nextAsyncId++;
  return new Promise((resolve, reject) => {
    awaited.set(id, { resolve, reject });
    post({ t: 'async-call', call: { id, call }, group: currentGroup() });
  });
}

const allSettled: (() => void)[] = [];

/** Resolves when no call the script awaits is pending (undefined: none is). */
export function awaitedCallsSettled(): Promise<void> | undefined {
  if (awaited.size === 0) return undefined;
  return new Promise((resolve) => allSettled.push(resolve));
}

/**
 * Set while the thread runs a loop of iterations (./vu-thread.ts): sends what the hub must know
 * before this iteration's first message (the ends of the iterations before it, the iteration's
 * numbers).
 */
let beforePost: (() => LoopNews | null) | null = null;

export function setBeforePost(hook: (() => LoopNews | null) | null): void {
  beforePost = hook;
}

export function post(msg: FromSyncVu): void {
  const before = beforePost?.() ?? null;
  parentPort?.postMessage(before ? ({ t: 'after', before, msg } satisfies FromSyncVu) : msg);
}

/** Posts without the loop's hook (the loop's own messages). */
export function postRaw(msg: FromSyncVu): void {
  parentPort?.postMessage(msg);
}

export function interrupted(): boolean {
  return Atomics.load(control, INTERRUPT) === 1;
}

/**
 * Waits until the hub has handled all but `ahead` of the `sent` batches of iteration ends (a loop
 * must not run ahead of the hub that records its iterations: their ends would pile up in memory).
 * Returns early when the iteration is interrupted or the loop asked to stop.
 */
export function waitForHub(sent: number, ahead: number): void {
  if (sent - Atomics.load(control, ACKED) <= ahead) return;
  Atomics.store(control, WAITING, 1);
  Atomics.store(control, ACK_WAIT, 1);
  for (let acked = Atomics.load(control, ACKED); sent - acked > ahead; acked = Atomics.load(control, ACKED)) {
    if (interrupted() || stopRequested()) break;
    Atomics.wait(control, ACKED, acked, 20);
  }
  Atomics.store(control, ACK_WAIT, 0);
  Atomics.store(control, WAITING, 0);
}

/** A loop of iterations is asked to start no new one. */
export function stopRequested(): boolean {
  return Atomics.load(control, STOP) === 1;
}

/** Sends `call` to the hub and blocks this thread until its reply is in. */
export function block(call: SyncCall): unknown {
  if (interrupted()) throw new InterruptedError();
  const seen = Atomics.load(control, REPLY);
  post({ t: 'call', call, group: currentGroup() });
  Atomics.store(control, WAITING, 1);
  Atomics.wait(control, REPLY, seen);
  Atomics.store(control, WAITING, 0);
  const reply = receiveMessageOnPort(replies as MessagePort)?.message as SyncReply | undefined;
  if (!reply) throw new Error('the engine lost the reply to a blocking call');
  if (!reply.ok) throw reply.interrupted ? new InterruptedError() : failure(reply);
  return reply.value;
}

/** The error a failed call throws into the VU's code, with the hub's error name (GoError). */
function failure(reply: { error: string; name?: string }): Error {
  const err = new Error(reply.error);
  if (reply.name) err.name = reply.name;
  return err;
}

/** sleep(): waits on the interrupt word, so that the end of a scenario wakes it. */
export function pause(ms: number): void {
  Atomics.store(control, WAITING, 1);
  const woken = Atomics.wait(control, INTERRUPT, 0, ms) !== 'timed-out';
  Atomics.store(control, WAITING, 0);
  if (woken && interrupted()) throw new InterruptedError();
}

/** A k6 call the synchronous mode cannot make yet: the hub stops the test with exit 107. */
export function unsupported(what: string): never {
  post({ t: 'unsupported', what });
  throw new Error(`${what} is not supported in synchronous mode yet`);
}

/** A k6 feature neither kind of VU has: the hub stops the test with exit 107 and says to use k6. */
export function notOnThisEngine(what: string): never {
  post({ t: 'unsupported', what, anywhere: true });
  throw new Error(`${what} is not supported by the node engine`);
}
