// A synchronous VU's thread (bundled by ./bundle.ts): sets the VU's globals, imports its copy of
// the script (k6 names resolve to ./modules/, whose calls block this thread), then runs each
// exported-function call the hub asks for. A call ends as a k6 iteration ends: when the function
// has returned, the Promise it returned (an async function) has settled, and the timers it
// started are done.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { dirname } from 'node:path';
import { promiseHooks } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { ScenarioFacts } from '../api/module-vu.ts';
import { installWebCrypto } from '../api/webcrypto.ts';
import { vuConsole } from '../console.ts';
import { inInitContext } from '../open.ts';
import { itemOf } from '../segments.ts';
import { setupDataJson } from '../setup-data.ts';
import {
  describeError,
  InterruptedError,
  installScriptStacks,
  isRefusal,
  stackTraceOf,
} from '../vu-errors.ts';
import {
  awaitedCallsSettled,
  connect,
  interrupted,
  post,
  postRaw,
  setBeforePost,
  state,
  stopRequested,
  waitForHub,
} from './channel.ts';
import {
  END_FIELDS,
  ENDED_COMPLETED,
  ENDED_FAILED,
  ENDED_REFUSED,
  type LoopNews,
  type SyncVuInit,
  type ToSyncVu,
} from './protocol.ts';
import { cancelTimers, timers, timersIdle } from './timers.ts';

/** The nice value of a VU's thread (0 is the process's default, 19 the lowest priority). */
const VU_THREAD_NICE = 10;

const init = workerData as SyncVuInit;
lowerThreadPriority();
connect(init.control, init.replies, init.asyncReplies);

/**
 * The hub thread takes every request's timings, so a response that arrives while the VUs' threads
 * hold the CPU is measured late. With hundreds of VU threads on a few cores that cost several
 * milliseconds per request (bench:fidelity, 400 VUs on 2 cores: engine − wrk 9.0 ms at the same
 * priority, 3.7–3.8 ms with the VU threads at nice 10 or 19). So each VU thread runs at nice 10
 * (Linux lets a thread lower its own priority, by its thread id). Where thread ids cannot be
 * read (no /proc/thread-self), the threads keep the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.max(getPriority(tid), VU_THREAD_NICE));
  } catch {
    // Not Linux, or not allowed: the thread keeps its priority.
  }
}

// The script's stack traces point at its own files and lines, not at the bundle (see ./bundle.ts).
process.setSourceMapsEnabled(true);
// The stack a script reads holds only its own frames, as in k6 (see installScriptStacks).
installScriptStacks();

// One VU per thread: the per-VU names k6 gives scripts can be plain globals here.
const g = globalThis as Record<string, unknown>;
installWebCrypto();
g.__VU = init.vuId;
g.__ITER = 0;
g.__ENV = init.env;
const scriptConsole = vuConsole((level, text) => {
  if (!interrupted()) post({ t: 'log', level, text });
});
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

/**
 * Promises made in this thread so far. A plain iteration that made none left no job in the
 * microtask queue, so it can end at once; one that made some (a `.then()`, an async helper called
 * without await, a rejected Promise) ends only once those jobs have run, as k6 ends an iteration
 * when the VU's event loop is empty: otherwise they would run in a later iteration, with its
 * __ITER and exec numbers. V8 calls this hook only when a Promise is made.
 */
let promisesMade = 0;
promiseHooks.onInit(() => {
  promisesMade++;
});

/** One macrotask turn: every job in the microtask queue has run when it resolves, and Node has reported unhandled rejections. */
const queueDrained = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs `fn` as k6 runs one call of an exported function: it ends when the function has returned,
 * the Promise it returned has settled, its promise jobs have run, and its timers and awaited
 * calls are done. A call that leaves nothing pending ends without a Promise (empty iterations
 * stay cheap in a loop).
 */
function runToEnd(fn: string): unknown {
  const made = promisesMade;
  const value = (exports[fn] as (data: unknown) => unknown)(data);
  if (isThenable(value)) return settle(value, undefined);
  const wait = timersIdle() ?? awaitedCallsSettled();
  if (wait) return settle(value, wait);
  return promisesMade === made ? value : settle(value, queueDrained());
}

class Settling {
  constructor(readonly done: Promise<unknown>) {}
}

function settle(value: unknown, first: Promise<void> | undefined): Settling {
  return new Settling(
    (async () => {
      const stopped = new Promise<never>((_, reject) => {
        stopWaiting = reject;
      });
      stopped.catch(() => {});
      try {
        let result = value;
        if (isThenable(value)) {
          const pending = Promise.resolve(value);
          pending.catch(() => {});
          result = await Promise.race([pending, stopped]);
        }
        // k6 ends an iteration when the VU's event loop is empty: timers, awaited calls and promise
        // jobs included. The loop ends after a macrotask turn that left nothing pending.
        let wait = first ?? timersIdle() ?? awaitedCallsSettled();
        for (;;) {
          if (wait) await Promise.race([wait, stopped]);
          else {
            await Promise.race([queueDrained(), stopped]);
            wait = timersIdle() ?? awaitedCallsSettled();
            if (!wait) return result;
            continue;
          }
          wait = timersIdle() ?? awaitedCallsSettled();
        }
      } finally {
        stopWaiting = null;
      }
    })(),
  );
}

/** Sets the per-call names: __ITER and what k6/execution reports. */
function enter(
  phase: typeof state.phase,
  iter: number,
  iterationInScenario: number,
  scenario: ScenarioFacts | null,
): void {
  g.__ITER = iter;
  state.phase = phase;
  state.iter = iter;
  state.iterationInScenario = iterationInScenario;
  state.scenario = scenario;
  // setup() and teardown() run in the groups k6 gives them.
  state.group = phase === 'iteration' ? '' : `::${phase}`;
}

async function runCall(msg: Extract<ToSyncVu, { t: 'call' }>): Promise<void> {
  if (!msg.sameData) data = msg.data;
  if (msg.env) g.__ENV = msg.env;
  enter(msg.phase, msg.iter, msg.iterationInScenario, msg.scenario);
  try {
    let value = runToEnd(msg.fn);
    if (value instanceof Settling) value = await value.done;
    // setup()'s data goes through JSON, as k6 marshals it: a SharedArray (a Proxy, which a
    // message cannot carry) arrives as the plain array k6 hands on.
    const json = msg.fn === 'setup' ? setupDataJson(value) : undefined;
    post({ t: 'done', value: json === undefined ? undefined : JSON.parse(json) });
  } catch (err) {
    cancelTimers();
    if (err instanceof InterruptedError || interrupted()) post({ t: 'done', interrupted: true });
    else post({ t: 'done', error: describeError(err) });
  }
}

/** A loop's batch of iteration ends goes to the hub at least this often (and when it is this long). */
const ENDS_EVERY_MS = 10;
const ENDS_AT_MOST = 1024;
/** Batches of ends the hub may have still to handle before the loop waits for it. */
const BATCHES_AHEAD = 2;

/**
 * Runs the scenario's iterations back to back (see the 'loop' message): one message per batch of
 * iteration ends instead of two per iteration. Each iteration takes its numbers from the scenario's
 * shared counter as it starts, as the hub would have given them; an iteration that sends anything
 * (a request, a check, a log line) first tells the hub its numbers, so what it sends carries them.
 */
async function runLoop(msg: Extract<ToSyncVu, { t: 'loop' }>): Promise<void> {
  if (!msg.sameData) data = msg.data;
  if (msg.env) g.__ENV = msg.env;
  const pool = msg.pool ? new BigInt64Array(msg.pool) : null;
  const counter = new BigInt64Array(msg.counter);
  const facts: ScenarioFacts = { ...msg.scenario, iterationInTest: 0, iterationInInstance: 0 };
  let iter = msg.iter;
  let inScenario = msg.iterationInScenario;
  let ran = 0;
  let announced = true;
  let ends: number[] = [];
  /** When the oldest end not yet sent was pushed. */
  let oldestEnd = 0;
  let cut: { iter: number; iterationInScenario: number } | null = null;
  let error: string | undefined;
  let batches = 0;
  const flush = () => {
    if (ends.length === 0) return;
    postRaw({ t: 'ends', ends });
    ends = [];
    waitForHub(++batches, BATCHES_AHEAD);
  };
  // What the hub must know first rides on the iteration's first message: one message, not three.
  setBeforePost(() => {
    const before: LoopNews = { ends: null, start: null };
    if (ends.length > 0) {
      before.ends = ends;
      ends = [];
      batches++;
    }
    if (!announced) {
      announced = true;
      before.start = {
        iter,
        iterationInScenario: inScenario,
        inTest: facts.iterationInTest,
        inInstance: facts.iterationInInstance,
      };
    }
    return before.ends || before.start ? before : null;
  });
  try {
    while ((msg.max < 0 || ran < msg.max) && !stopRequested() && !interrupted()) {
      if (pool && Atomics.sub(pool, 0, 1n) <= 0n) {
        Atomics.add(pool, 0, 1n);
        break;
      }
      const inInstance = Number(Atomics.add(counter, 0, 1n));
      facts.iterationInInstance = inInstance;
      facts.iterationInTest = msg.stripe ? itemOf(msg.stripe, inInstance) : inInstance;
      ran++;
      enter('iteration', ++iter, ++inScenario, facts);
      announced = false;
      const start = performance.now();
      let outcome = ENDED_COMPLETED;
      try {
        const value = runToEnd(msg.fn);
        if (value instanceof Settling) await value.done;
        // Interrupted while it ended (its code caught the interruption, or its timers were
        // cancelled under it): an interrupted iteration, as the hub counts a call's.
        if (interrupted()) {
          cut = { iter, iterationInScenario: inScenario };
          break;
        }
      } catch (err) {
        cancelTimers();
        if (err instanceof InterruptedError || interrupted()) {
          cut = { iter, iterationInScenario: inScenario };
          break;
        }
        // Logged by the hub as k6 logs it (see VU.logIterationError); counted unless it is
        // this engine's refusal of a k6 feature.
        post({ t: 'iter-error', error: stackTraceOf(err) });
        outcome = isRefusal(err) ? ENDED_REFUSED : ENDED_FAILED;
      }
      const now = performance.now();
      if (ends.length === 0) oldestEnd = now;
      ends.push(iter, inScenario, Date.now(), now - start, outcome);
      // Sent when they are many or the oldest has waited ENDS_EVERY_MS; until then, the next
      // iteration's first message takes them along.
      if (ends.length >= ENDS_AT_MOST * END_FIELDS || now - oldestEnd >= ENDS_EVERY_MS) {
        flush();
        // Lets this thread's event loop turn: the hub's 'interrupt', the heartbeat (see hub.ts).
        await new Promise(setImmediate);
      } else waitForHub(batches, BATCHES_AHEAD);
    }
  } catch (err) {
    // The loop's own code failed (not the script's): the hub stops the test with this sentence.
    error = describeError(err);
  } finally {
    setBeforePost(null);
  }
  flush();
  postRaw({ t: 'loop-done', ran, cut, error });
}

parentPort?.on('message', (msg: ToSyncVu) => {
  if (msg.t === 'interrupt') {
    cancelTimers();
    stopWaiting?.(new InterruptedError());
    return;
  }
  void (msg.t === 'loop' ? runLoop(msg) : runCall(msg));
});
