// The loader's per-VU prelude bindings in a synchronous VU's thread (one VU per thread).
import { formatConsoleArgs } from '../../console.ts';
import { bindings, post, state, unsupported } from '../channel.ts';

export let __ITER = 0;
export let __ENV: Record<string, string> = state.env;

bindings.setIter = (n) => {
  __ITER = n;
};
bindings.setEnv = (env) => {
  __ENV = env;
};

const write =
  (level: 'info' | 'warn' | 'error' | 'debug') =>
  (...args: unknown[]): void =>
    post({ t: 'log', level, text: formatConsoleArgs(args) });

export const console = {
  log: write('info'),
  info: write('info'),
  warn: write('warn'),
  error: write('error'),
  debug: write('debug'),
};

const timer = (): never => unsupported('Timers (setTimeout/setInterval)');
export const setTimeout = timer;
export const clearTimeout = timer;
export const setInterval = timer;
export const clearInterval = timer;
