// A synchronous VU's thread (bundled by ./bundle.ts): sets the VU's globals, imports its copy of
// the script (k6 names resolve to ./modules/, whose calls block this thread), then runs each
// exported-function call the hub asks for. A call ends as a k6 iteration ends: when the function
// has returned, the Promise it returned (an async function) has settled, and the timers it
// started are done.
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { vuConsole } from '../console.ts';
import { inInitContext } from '../open.ts';
import { describeError, InterruptedError } from '../vu-errors.ts';
import { awaitedCallsSettled, connect, interrupted, post, state, waitingInCall } from './channel.ts';
import {
  type FromSyncVu,
  NEXT_BUSY,
  NEXT_IDLE,
  NEXT_ITER,
  NEXT_ITER_IN_SCENARIO,
  NEXT_ITER_IN_TEST,
  NEXT_PLACED,
  NEXT_STATE,
  type SyncVuInit,
  type ToSyncVu,
} from './protocol.ts';
import { cancelTimers, timers, timersIdle } from './timers.ts';

const init = workerData as SyncVuInit;
connect(init.control, init.replies, init.asyncReplies);

// One VU per thread: the per-VU names k6 gives scripts can be plain globals here.
const g = globalThis as Record<string, unknown>;
g.__VU = init.vuId;
g.__ITER = 0;
g.__ENV = init.env;
const scriptConsole = vuConsole((level, text) => post({ t: 'log', level, text }));
g.console = scriptConsole;
Object.assign(g, timers);
process.on('unhandledRejection', (err) => {
  if (!(err instanceof InterruptedError)) scriptConsole.error(`Uncaught (in promise) ${describeError(err)}`);
});

let exports: Record<string, unknown> = {};
try {
  exports = (await inInitContext(dirname(init.scriptPath), () => import(init.script))) as Record<
    string,
    unknown
  >;
  state.init = false;
  post({ t: 'loaded', functions: Object.keys(exports).filter((k) => typeof exports[k] === 'function') });
} catch (err) {
  post({ t: 'load-failed', message: describeError(err) });
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

let data: unknown;
/** Ends the running call's waits (its Promise, its timers) when the hub interrupts it. */
let stopWaiting: ((err: Error) => void) | null = null;

type CallMsg = Extract<ToSyncVu, { t: 'call' }>;

async function runCall(msg: CallMsg): Promise<void> {
  if (!msg.sameData) data = msg.data;
  g.__ITER = msg.iter;
  if (msg.env) g.__ENV = msg.env;
  Object.assign(state, {
    phase: msg.phase,
    iter: msg.iter,
    iterationInScenario: msg.iterationInScenario,
    scenario: msg.scenario,
  });
  // setup() and teardown() run in the groups k6 gives them.
  state.group = msg.phase === 'iteration' ? '' : `::${msg.phase}`;
  const stopped = new Promise<never>((_, reject) => {
    stopWaiting = reject;
  });
  stopped.catch(() => {});
  let reply: Extract<FromSyncVu, { t: 'done' }>;
  try {
    let value = (exports[msg.fn] as (data: unknown) => unknown)(data);
    if (isThenable(value)) {
      const pending = Promise.resolve(value);
      pending.catch(() => {});
      value = await Promise.race([pending, stopped]);
    }
    // k6 ends an iteration when the VU's event loop is empty: timers and awaited calls included.
    for (let wait = timersIdle() ?? awaitedCallsSettled(); wait; wait = timersIdle() ?? awaitedCallsSettled())
      await Promise.race([wait, stopped]);
    reply = { t: 'done', value: msg.fn === 'setup' ? value : undefined };
  } catch (err) {
    cancelTimers();
    if (err instanceof InterruptedError || interrupted()) reply = { t: 'done', interrupted: true };
    else reply = { t: 'done', error: describeError(err) };
  } finally {
    stopWaiting = null;
  }
  last = msg;
  // Ready for the next iteration on the shared word before the hub hears of this one's end, so
  // that it can place the next one at once; the wait itself comes after this turn of the loop.
  if (msg.phase === 'iteration') Atomics.store(next, NEXT_STATE, NEXT_IDLE);
  post(reply);
  if (msg.phase === 'iteration') setImmediate(waitForNext);
}

const next = new Int32Array(init.next, 0, 2);
const numbers = new Float64Array(init.next);
/** The last call run: a call placed on the shared word repeats it with new iteration numbers. */
let last: CallMsg | null = null;
/** How long the thread waits on the shared word before it goes back to its event loop. */
const WAIT_FOR_NEXT_MS = 50;

/**
 * Between iterations: waits (blocking, bounded) for the hub to place the next one on the shared
 * word; when none comes, goes back to its event loop, where the next call comes as a message.
 */
function waitForNext(): void {
  const until = performance.now() + WAIT_FOR_NEXT_MS;
  waitingInCall(true);
  for (;;) {
    const left = until - performance.now();
    if (left > 0) Atomics.wait(next, NEXT_STATE, NEXT_IDLE, left);
    const now = Atomics.load(next, NEXT_STATE);
    if (now === NEXT_PLACED) break;
    // BUSY: the hub took the word back to post a message (another function, new data, teardown).
    if (now === NEXT_BUSY) {
      waitingInCall(false);
      return;
    }
    if (performance.now() < until) continue;
    if (Atomics.compareExchange(next, NEXT_STATE, NEXT_IDLE, NEXT_BUSY) === NEXT_IDLE) {
      waitingInCall(false);
      return;
    }
  }
  waitingInCall(false);
  Atomics.store(next, NEXT_STATE, NEXT_BUSY);
  const prev = last as CallMsg;
  const iterationInTest = numbers[NEXT_ITER_IN_TEST];
  void runCall({
    t: 'call',
    fn: prev.fn,
    phase: 'iteration',
    sameData: true,
    iter: numbers[NEXT_ITER],
    iterationInScenario: numbers[NEXT_ITER_IN_SCENARIO],
    scenario: prev.scenario ? { ...prev.scenario, iterationInTest } : null,
  });
}

parentPort?.on('message', (msg: ToSyncVu) => {
  if (msg.t === 'interrupt') {
    cancelTimers();
    stopWaiting?.(new InterruptedError());
    return;
  }
  void runCall(msg);
});
