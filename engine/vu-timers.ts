// A VU's own setTimeout/setInterval. k6 ends an iteration only when the VU's event loop is empty,
// so timers a script starts during an iteration fire before it ends (an interval keeps it going
// until cleared or interrupted). Node's event loop is shared by all VUs, so each VU counts the
// timers it started and the iteration waits for them. An interrupted iteration's timers are
// cleared and never fire; k6 logs a warning for each (grafana/k6, internal/js/tc55/timers:
// "setTimeout 1 was stopped because the VU iteration was interrupted"), and its code runs no
// more, so a timer asked for while the VU is interrupted is never started.
import type { VU } from './vu.ts';

type Callback = (...args: unknown[]) => unknown;

/**
 * k6's timers (grafana/k6 internal/js/tc55/timers): each call returns the next number of the
 * VU's one counter (1, 2, …, timeouts and intervals alike), which either clear function takes.
 */
export interface VuTimers {
  setTimeout(callback: Callback, ms?: number, ...args: unknown[]): number;
  clearTimeout(id: unknown): void;
  setInterval(callback: Callback, ms?: number, ...args: unknown[]): number;
  clearInterval(id: unknown): void;
}

/** What the timers need of their VU (a synchronous VU's thread has its own stand-in for it). */
export type TimerOwner = Pick<VU, 'phase' | 'timersIdle' | 'cancelTimers' | 'interrupted'> & {
  /** Kept true while timersIdle() has something to wait for (the VU's iteration checks it first). */
  timersBusy?: boolean;
  readonly test: Pick<VU['test'], 'log'>;
  /** Keeps the iteration open until an async callback's Promise settles (async VUs; see guarded()). */
  awaitable?: VU['awaitable'];
};

const owned = new WeakMap<TimerOwner, VuTimers>();
// Node's own timers, taken before a synchronous VU's thread puts the VU's timers in their place.
const native = { setTimeout, clearTimeout, setInterval, clearInterval };

/** The VU's timers (one set per VU, shared by the prelude's globals and `k6/timers`). */
export function timersOf(vu: TimerOwner): VuTimers {
  let timers = owned.get(vu);
  if (!timers) {
    timers = createTimers(vu);
    owned.set(vu, timers);
  }
  return timers;
}

function createTimers(vu: TimerOwner): VuTimers {
  /** The timers the running iteration waits for, with k6's name for each ("setTimeout 3"). */
  const live = new Map<NodeJS.Timeout, string>();
  /** The Node timer of each id a script holds. */
  const byId = new Map<number, NodeJS.Timeout>();
  let nextId = 1;
  /** k6 throws at the call when the callback is not a function. */
  const callable = (callback: unknown, name: string) => {
    if (typeof callback !== 'function') throw new Error(`${name}'s callback isn't a callable function`);
  };
  const clear = (id: unknown) => {
    const handle = byId.get(Number(id));
    if (!handle) return;
    byId.delete(Number(id));
    native.clearTimeout(handle);
    forget(handle);
  };
  let drained: { resolve: () => void; reject: (err: unknown) => void } | null = null;
  /** The exception a callback of the running iteration threw (k6 ends the iteration with it). */
  let failure: { err: unknown } | null = null;
  /** Keeps vu.timersBusy true exactly when timersIdle() would return a Promise. */
  const mark = () => {
    vu.timersBusy = live.size !== 0 || failure !== null;
  };
  const forget = (handle: NodeJS.Timeout) => {
    const removed = live.delete(handle);
    mark();
    if (removed && live.size === 0 && drained) {
      const { resolve } = drained;
      drained = null;
      resolve();
    }
  };
  // An async callback that awaits k6's calls (`setTimeout(async () => { await http.get(…) })`)
  // ends within its iteration in k6, whose calls block: the event loop is not empty until it has
  // run. On async VUs those calls are Promises, so the iteration waits for the callback's Promise
  // as it waits for an http.asyncRequest(); a rejection stays unhandled, reported as before.
  const guarded = (callback: Callback, args: unknown[]) => () => {
    try {
      const result = callback(...args);
      if (vu.awaitable && tracked() && typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
        const settle = vu.awaitable();
        (result as PromiseLike<unknown>).then(settle, (err: unknown) => {
          settle();
          throw err;
        });
      }
    } catch (err) {
      if (!tracked()) {
        vu.test.log('error', `a timer callback threw: ${err instanceof Error ? err.message : String(err)}`, {
          source: 'stacktrace',
        });
        return;
      }
      // As k6's event loop: a callback's exception ends the iteration with that exception (logged
      // and counted as any exception of the iteration); the iteration's other timers never fire.
      for (const handle of live.keys()) native.clearTimeout(handle);
      for (const [id, handle] of byId) if (live.has(handle)) byId.delete(id);
      live.clear();
      if (!drained) failure ??= { err };
      mark();
      if (drained) {
        const { reject } = drained;
        drained = null;
        reject(err);
      }
    }
  };
  // Timers started outside an iteration (init code, setup) are not waited for.
  const tracked = () => vu.phase === 'iteration';
  /** A started timer: the script's id for it, and (in an iteration) what the iteration waits for. */
  const hold = (id: number, handle: NodeJS.Timeout, name: string) => {
    byId.set(id, handle);
    if (tracked()) {
      live.set(handle, name);
      mark();
    }
  };

  vu.timersIdle = () => {
    if (failure) {
      const { err } = failure;
      failure = null;
      mark();
      return Promise.reject(err);
    }
    if (live.size === 0) return undefined;
    return new Promise<void>((resolve, reject) => {
      drained = { resolve, reject };
    });
  };
  vu.cancelTimers = () => {
    for (const [handle, name] of live) {
      native.clearTimeout(handle);
      for (const [id, h] of byId) if (h === handle) byId.delete(id);
      vu.test.log('warn', `${name} was stopped because the VU iteration was interrupted`, {});
    }
    live.clear();
    failure = null;
    mark();
    drained?.resolve();
    drained = null;
  };

  return {
    setTimeout(callback, ms, ...args) {
      callable(callback, 'setTimeout');
      const id = nextId++;
      // A timer asked for while the VU is interrupted is never started.
      if (vu.interrupted) return id;
      const run = guarded(callback, args);
      const handle: NodeJS.Timeout = native.setTimeout(() => {
        byId.delete(id);
        forget(handle);
        run();
      }, ms);
      hold(id, handle, `setTimeout ${id}`);
      return id;
    },
    clearTimeout: clear,
    setInterval(callback, ms, ...args) {
      callable(callback, 'setInterval');
      const id = nextId++;
      if (vu.interrupted) return id;
      hold(id, native.setInterval(guarded(callback, args), ms), `setInterval ${id}`);
      return id;
    },
    clearInterval: clear,
  };
}
