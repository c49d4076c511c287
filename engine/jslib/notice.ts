// `k6/x-engine-jslib` for async VUs: the one info line per run that says a jslib library is the
// engine's own offline implementation (see ./registry.ts). Every VU has its own instance of this
// module, so what was told lives in a thread-wide global: one line per library and test.
import { vuForModule } from '../registry.ts';
import type { TestContext } from '../test-context.ts';

const KEY = Symbol.for('connect-perf-engine.jslib-told');
const g = globalThis as unknown as Record<symbol, WeakMap<TestContext, Set<string>>>;
g[KEY] ??= new WeakMap();
const told = g[KEY];
const test = vuForModule(import.meta.url).test;

export function offline(library: string, url: string, why: string, standIn: string): void {
  let libraries = told.get(test);
  if (!libraries) {
    libraries = new Set();
    told.set(test, libraries);
  }
  if (libraries.has(library)) return;
  libraries.add(library);
  test.log(
    'info',
    `${url} cannot be downloaded (${why}) and is not in the module cache: ${library} is ${standIn}.`,
  );
}
