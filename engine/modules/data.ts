// `import { SharedArray } from 'k6/data'`: the callback runs once per test (in the first VU that
// asks for the name), its result is copied through JSON like k6 does, deep-frozen, and every VU
// gets that same read-only array: one copy in memory, and writes throw (scripts are strict ES modules).
import { checkSharedArray, deepFreeze, sharedArrayElements } from '../api/shared-array.ts';
import { vuForModule } from '../registry.ts';
import type { TestContext } from '../test-context.ts';

const vu = vuForModule(import.meta.url);
// Each VU has its own instance of this module, so the arrays live in one map per thread; every VU
// of a test runs in the same VU thread, so that is one copy per test.
const STORE = Symbol.for('connect-perf-engine.shared-arrays');
const holder = globalThis as unknown as Record<symbol, WeakMap<TestContext, Map<string, readonly unknown[]>>>;
holder[STORE] ??= new WeakMap();
const arraysByTest = holder[STORE];

function sharedArray(name: unknown, callback: unknown): readonly unknown[] {
  checkSharedArray(name, callback, vu.phase === 'init');
  let arrays = arraysByTest.get(vu.test);
  if (!arrays) {
    arrays = new Map();
    arraysByTest.set(vu.test, arrays);
  }
  const existing = arrays.get(name);
  if (existing) return existing;
  const result = sharedArrayElements(name, callback as () => unknown);
  const frozen = deepFreeze(JSON.parse(JSON.stringify(result)) as unknown[]);
  arrays.set(name, frozen);
  return frozen;
}

export class SharedArray {
  constructor(name: string, callback: () => unknown[]) {
    // biome-ignore lint/correctness/noConstructorReturn: k6's SharedArray is used as `new SharedArray(...)` and must be the array itself
    return sharedArray(name, callback) as unknown as SharedArray;
  }
}

export default { SharedArray };
