// Per-VU bindings that the loader's prelude imports into every script module: `__VU`; `__ITER` and `__ENV`
// are live bindings the VU updates, `console` writes to the test's stderr log.

import { vuConsole } from '../console.ts';
import { vuForModule } from '../registry.ts';
import { timersOf } from '../vu-timers.ts';

const vu = vuForModule(import.meta.url);

export const __VU = vu.id;
export let __ITER = Math.max(vu.iter, 0);
/** The VU's own copy (a synchronous VU's thread has its own anyway): k6 gives each VU its own map. */
export let __ENV: Record<string, string> = { ...vu.test.env };

vu.bindings = {
  setIter(n) {
    __ITER = n;
  },
  setEnv(env) {
    __ENV = env;
  },
};

// An interrupted iteration's code that still runs (a catch around an awaited k6 call) writes
// nothing: k6 runs no more of an interrupted iteration (see ../vu.ts).
export const console = vuConsole((level, text) => {
  if (!vu.interrupted) vu.test.log(level, text);
});

export const { setTimeout, clearTimeout, setInterval, clearInterval } = timersOf(vu);
