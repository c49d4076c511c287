// Per-VU bindings that the loader's prelude imports into every script module: `__ITER` and `__ENV`
// are live bindings the VU updates, `console` writes to the test's stderr log.

import { formatConsoleArgs } from '../console.ts';
import { vuForModule } from '../registry.ts';
import { settingsOfRun } from '../run-settings.ts';

const vu = vuForModule(import.meta.url);

export let __ITER = Math.max(vu.iter, 0);
export let __ENV: Record<string, string> = vu.test.env;

vu.bindings = {
  setIter(n) {
    __ITER = n;
  },
  setEnv(env) {
    __ENV = env;
  },
};

const write =
  (level: 'info' | 'warn' | 'error' | 'debug') =>
  (...args: unknown[]): void =>
    vu.test.log(level, formatConsoleArgs(args));

export const console = {
  log: write('info'),
  info: write('info'),
  warn: write('warn'),
  error: write('error'),
  // As in k6, console.debug prints only with --verbose.
  debug: settingsOfRun(vu.test.runId).verbose ? write('debug') : () => {},
};
