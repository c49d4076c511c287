// Per-VU bindings that the loader's prelude imports into every script module: `__VU`; `__ENV` is a
// live binding the VU updates, `console` writes to the test's stderr log (`__ITER` is ./iter.ts).

import { vuConsole } from '../console.ts';
import { scriptGlobalView } from '../loader/global-view.ts';
import { vuForModule } from '../registry.ts';
import { timersOf } from '../vu-timers.ts';

const vu = vuForModule(import.meta.url);

export const __VU = vu.id;
/** The VU's own copy (a synchronous VU's thread has its own anyway): k6 gives each VU its own map. */
export let __ENV: Record<string, string> = { ...vu.test.env };

vu.bindings = {
  setEnv(env) {
    __ENV = env;
  },
};

// An interrupted iteration's code that still runs (a catch around an awaited k6 call) writes
// nothing: k6 runs no more of an interrupted iteration (see ../vu.ts).
export const console = vuConsole((level, text) => {
  if (!vu.interrupted) vu.test.log(level, text);
});

const timers = timersOf(vu);
export const { setTimeout, clearTimeout, setInterval, clearInterval } = timers;

/**
 * What the VU's global names are on `globalThis` (and k6's `global`): in k6 each VU has its own
 * runtime, whose global object holds its timers (k6/timers exports the very same functions:
 * grafana/k6 internal/js/modules/k6/timers/timers.go, Exports, reads them from the global object;
 * internal/js/tc55/timers/timers.go SetupGlobally), `__VU`, `__ITER`, `__ENV` and `console`. The
 * async VUs share one global object, so a script module sees this view of it instead: these names
 * read as the VU's own, Node's globals that k6 does not have are not there, and everything else
 * is the global object itself.
 */
const own: Record<string, () => unknown> = {
  setTimeout: () => timers.setTimeout,
  clearTimeout: () => timers.clearTimeout,
  setInterval: () => timers.setInterval,
  clearInterval: () => timers.clearInterval,
  __VU: () => __VU,
  __ITER: () => Math.max(vu.iter, 0),
  __ENV: () => __ENV,
  console: () => console,
};
const vuGlobal = scriptGlobalView(globalThis, own);

export { vuGlobal as globalThis, vuGlobal as global };
