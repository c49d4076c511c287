// `import { SharedArray } from 'k6/data'`, on both kinds of VU: the callback runs once per test (in
// the first VU that asks for the name), its result is copied through JSON like k6 does, and every
// VU gets the same read-only array: one copy in memory, and writes throw (scripts are strict ES
// modules).
import { checkSharedArray, sharedArrayElements } from '../api/shared-array.ts';
import { moduleVU } from './module-vu.ts';

const vu = moduleVU(import.meta.url);

export class SharedArray {
  constructor(name: string, callback: () => unknown[]) {
    checkSharedArray(name, callback, vu.phase === 'init');
    // biome-ignore lint/correctness/noConstructorReturn: k6's SharedArray is used as `new SharedArray(...)` and must be the array itself
    return vu.sharedArray(name, () => sharedArrayElements(name, callback)) as unknown as SharedArray;
  }
}

export default { SharedArray };
