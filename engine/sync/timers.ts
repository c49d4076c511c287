// A synchronous VU's setTimeout/setInterval: the engine's per-VU timers (../vu-timers.ts), owned
// by this thread's VU, so that an iteration ends only when its timers are done, as in k6.
import { type TimerOwner, timersOf } from '../vu-timers.ts';
import { interrupted, post, state } from './channel.ts';

const owner: TimerOwner = {
  get phase() {
    return state.phase;
  },
  get interrupted() {
    return interrupted();
  },
  // The hub writes the line: a console line without fields, else the line's source (none: null).
  test: {
    log: (level, text, fields) =>
      post({ t: 'log', level, text, source: fields === undefined ? undefined : (fields.source ?? null) }),
  },
  timersIdle: () => undefined,
  cancelTimers: () => {},
};

export const timers = timersOf(owner);

/** Resolves when the timers started by the running call have fired or been cleared. */
export const timersIdle = (): Promise<void> | undefined => owner.timersIdle();

/** Clears every timer of the running call (interruption). */
export const cancelTimers = (): void => owner.cancelTimers();
