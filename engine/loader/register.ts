// Installs the loader hooks once per thread (the VU thread calls it; hooks are not inherited). The k6 module names map to the engine's facade
// modules; each facade finds its VU from its own URL (see ./hooks.ts).
import { register } from 'node:module';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ownFile } from '../own-file.ts';
import type { RunLoaderSettings } from './hooks.ts';

/** k6 module name → facade file in ../modules/ (a new module is one file and one line here). */
export const MODULES: Readonly<Record<string, string>> = {
  k6: 'k6.ts',
  'k6/http': 'http.ts',
  'k6/metrics': 'metrics.ts',
  'k6/execution': 'execution.ts',
  'k6/timers': 'timers.ts',
  'k6/encoding': 'encoding.ts',
  'k6/crypto': 'crypto.ts',
  'k6/data': 'data.ts',
  'k6/html': 'html.ts',
  'k6/secrets': 'secrets.ts',
  'k6/experimental/fs': 'fs.ts',
  'k6/experimental/csv': 'csv.ts',
  'k6/experimental/streams': 'streams.ts',
  'k6/x-engine-context': 'context.ts',
  'k6/x-engine-iter': 'iter.ts',
  'k6/x-engine-jslib': '../jslib/notice.ts',
  'k6/x-engine-jslib/k6-utils': '../jslib/k6-utils.ts',
  'k6/x-engine-jslib/k6-summary': '../jslib/k6-summary.ts',
  'k6/x-engine-jslib/httpx': '../jslib/httpx.ts',
  'k6/x-engine-jslib/papaparse': '../jslib/papaparse.ts',
  'k6/x-engine-jslib/formdata': '../jslib/formdata.ts',
  'k6/x-engine-jslib/url': '../jslib/url.ts',
  'k6/x-engine-jslib/totp': '../jslib/totp.ts',
  'k6/x-engine-jslib/form-urlencoded': '../jslib/form-urlencoded.ts',
  'k6/x-engine-jslib/k6-reporter': '../jslib/k6-reporter.ts',
  'k6/x-engine-jslib/k6chaijs': '../jslib/k6chaijs.ts',
  'k6/x-engine-jslib/k6-testing': '../jslib/k6-testing.ts',
};

let toLoader: MessagePort | null = null;

function registerLoader(): void {
  if (toLoader) return;
  const { port1, port2 } = new MessageChannel();
  port1.unref();
  toLoader = port1;
  const engineUrl = new URL('../', import.meta.url).href;
  const modules: Record<string, string> = {};
  for (const [name, file] of Object.entries(MODULES))
    modules[name] = ownFile(`../modules/${file}`, import.meta.url).href;
  register(ownFile('./hooks.ts', import.meta.url), {
    data: { modules, engineUrl, port: port2 },
    transferList: [port2],
  });
}

/** Tells the loader a run's settings; call before the run imports its script. */
export function configureLoader(settings: RunLoaderSettings): void {
  registerLoader();
  toLoader?.postMessage(settings);
}
