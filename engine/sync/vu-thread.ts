// A synchronous VU's thread: imports its own copy of the script (k6 names resolve to ./modules/,
// whose calls block this thread), then runs each exported-function call the hub asks for.
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { SYNC_MODULES } from '../loader/register.ts';
import { inInitContext } from '../open.ts';
import { configureRun } from '../run-settings.ts';
import { describeError, InterruptedError } from '../vu.ts';
import { bindings, connect, interrupted, post, state } from './channel.ts';
import type { SyncVuInit, ToSyncVu } from './protocol.ts';

const init = workerData as SyncVuInit;
connect(init.control, init.replies);
state.env = init.env;
configureRun(init.runId, init.settings, SYNC_MODULES);

let exports: Record<string, unknown> = {};
try {
  const url = `${pathToFileURL(init.scriptPath).href}?__run=${init.runId}&__vu=${init.vuId}`;
  exports = (await inInitContext(dirname(init.scriptPath), () => import(url))) as Record<string, unknown>;
  state.init = false;
  post({ t: 'loaded', functions: Object.keys(exports).filter((k) => typeof exports[k] === 'function') });
} catch (err) {
  post({ t: 'load-failed', message: describeError(err) });
}

parentPort?.on('message', (msg: ToSyncVu) => {
  bindings.setIter(msg.iter);
  if (msg.env) bindings.setEnv(msg.env);
  state.group = '';
  try {
    const value = (exports[msg.fn] as (data: unknown) => unknown)(msg.data);
    if (typeof (value as { then?: unknown } | null)?.then === 'function') {
      post({ t: 'unsupported', what: `exec function "${msg.fn}" returning a Promise` });
      post({ t: 'done', error: 'returned a Promise' });
    } else post({ t: 'done', value: msg.fn === 'setup' ? value : undefined });
  } catch (err) {
    if (err instanceof InterruptedError || interrupted()) post({ t: 'done', interrupted: true });
    else post({ t: 'done', error: describeError(err) });
  }
});
