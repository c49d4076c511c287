// A synchronous VU's thread (bundled by ./bundle.ts): sets the VU's globals, imports its copy of
// the script (k6 names resolve to ./modules/, whose calls block this thread), then runs each
// exported-function call the hub asks for.
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { formatConsoleArgs } from '../console.ts';
import { inInitContext } from '../open.ts';
import { describeError, InterruptedError } from '../vu.ts';
import { connect, interrupted, post, state, unsupported } from './channel.ts';
import type { SyncVuInit, ToSyncVu } from './protocol.ts';

const init = workerData as SyncVuInit;
connect(init.control, init.replies);

// One VU per thread: the per-VU names k6 gives scripts can be plain globals here.
const g = globalThis as Record<string, unknown>;
g.__VU = init.vuId;
g.__ITER = 0;
g.__ENV = init.env;
const write =
  (level: 'info' | 'warn' | 'error' | 'debug') =>
  (...args: unknown[]): void =>
    post({ t: 'log', level, text: formatConsoleArgs(args) });
g.console = {
  log: write('info'),
  info: write('info'),
  warn: write('warn'),
  error: write('error'),
  debug: write('debug'),
};
// A timer would fire only after the iteration: k6 waits for it inside the iteration.
for (const name of ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'])
  g[name] = () => unsupported('Timers (setTimeout/setInterval)');

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

let data: unknown;
parentPort?.on('message', (msg: ToSyncVu) => {
  if (!msg.sameData) data = msg.data;
  g.__ITER = msg.iter;
  if (msg.env) g.__ENV = msg.env;
  state.group = '';
  try {
    const value = (exports[msg.fn] as (data: unknown) => unknown)(data);
    if (typeof (value as { then?: unknown } | null)?.then === 'function') {
      post({ t: 'unsupported', what: `An exported function ("${msg.fn}") that returns a Promise` });
      post({ t: 'done', error: 'returned a Promise' });
    } else post({ t: 'done', value: msg.fn === 'setup' ? value : undefined });
  } catch (err) {
    if (err instanceof InterruptedError || interrupted()) post({ t: 'done', interrupted: true });
    else post({ t: 'done', error: describeError(err) });
  }
});
