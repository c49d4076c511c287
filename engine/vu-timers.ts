// A VU's own setTimeout/setInterval. k6 ends an iteration only when the VU's event loop is empty,
// so timers a script starts during an iteration fire before it ends (an interval keeps it going
// until cleared or interrupted). Node's event loop is shared by all VUs, so each VU counts the
// timers it started and the iteration waits for them.
import type { VU } from './vu.ts';

type Callback = (...args: unknown[]) => unknown;

export interface VuTimers {
  setTimeout(callback: Callback, ms?: number, ...args: unknown[]): NodeJS.Timeout;
  clearTimeout(handle: NodeJS.Timeout | undefined): void;
  setInterval(callback: Callback, ms?: number, ...args: unknown[]): NodeJS.Timeout;
  clearInterval(handle: NodeJS.Timeout | undefined): void;
}

/** What the timers need of their VU (a synchronous VU's thread has its own stand-in for it). */
export type TimerOwner = Pick<VU, 'phase' | 'timersIdle' | 'cancelTimers'> & {
  readonly test: Pick<VU['test'], 'log'>;
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
  const live = new Set<NodeJS.Timeout>();
  let drained: (() => void) | null = null;
  const forget = (handle: NodeJS.Timeout) => {
    if (live.delete(handle) && live.size === 0 && drained) {
      const resolve = drained;
      drained = null;
      resolve();
    }
  };
  const guarded = (callback: Callback, args: unknown[]) => () => {
    try {
      callback(...args);
    } catch (err) {
      vu.test.log('error', `a timer callback threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  // Timers started outside an iteration (init code, setup) are not waited for.
  const tracked = () => vu.phase === 'iteration';

  vu.timersIdle = () => {
    if (live.size === 0) return undefined;
    return new Promise<void>((resolve) => {
      drained = resolve;
    });
  };
  vu.cancelTimers = () => {
    for (const handle of live) native.clearTimeout(handle);
    live.clear();
    drained?.();
    drained = null;
  };

  return {
    setTimeout(callback, ms, ...args) {
      const run = guarded(callback, args);
      const handle: NodeJS.Timeout = native.setTimeout(() => {
        forget(handle);
        run();
      }, ms);
      if (tracked()) live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      if (!handle) return;
      native.clearTimeout(handle);
      forget(handle);
    },
    setInterval(callback, ms, ...args) {
      const handle = native.setInterval(guarded(callback, args), ms);
      if (tracked()) live.add(handle);
      return handle;
    },
    clearInterval(handle) {
      if (!handle) return;
      native.clearInterval(handle);
      forget(handle);
    },
  };
}
