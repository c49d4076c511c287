// `import { SharedArray } from 'k6/data'`: the callback runs once per test (in the first VU that
// asks for the name), its result is copied through JSON like k6 does, deep-frozen, and every VU
// gets that same read-only array: one copy in memory, and writes throw (scripts are strict ES modules).
import { checkSharedArray, deepFreeze, sharedArrayElements, sharedArraysOf } from '../api/shared-array.ts';
import { vuForModule } from '../registry.ts';

const vu = vuForModule(import.meta.url);

function sharedArray(name: unknown, callback: unknown): readonly unknown[] {
  checkSharedArray(name, callback, vu.phase === 'init');
  // Each VU has its own instance of this module; the arrays are kept per test in ../api (one
  // instance per thread), and every VU of a test runs in the same VU thread: one copy per test.
  const arrays = sharedArraysOf(vu.test);
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
