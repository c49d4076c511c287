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
import { awaitedCallsSettled, connect, interrupted, post, state } from './channel.ts';
import type { SyncVuInit, ToSyncVu } from './protocol.ts';
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

async function runCall(msg: Extract<ToSyncVu, { t: 'call' }>): Promise<void> {
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
    post({ t: 'done', value: msg.fn === 'setup' ? value : undefined });
  } catch (err) {
    cancelTimers();
    if (err instanceof InterruptedError || interrupted()) post({ t: 'done', interrupted: true });
    else post({ t: 'done', error: describeError(err) });
  } finally {
    stopWaiting = null;
  }
}

parentPort?.on('message', (msg: ToSyncVu) => {
  if (msg.t === 'interrupt') {
    cancelTimers();
    stopWaiting?.(new InterruptedError());
    return;
  }
  void runCall(msg);
});
