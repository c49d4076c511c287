// `import { SharedArray } from 'k6/data'` in a synchronous VU's thread: the first VU to ask for a
// name runs the callback and hands the hub the elements encoded in one SharedArrayBuffer; every
// VU's array is a read-only view on that buffer (../../api/shared-array.ts), so the test holds one copy.
import {
  checkSharedArray,
  encodeSharedArray,
  sharedArrayElements,
  sharedArrayView,
} from '../../api/shared-array.ts';
import { block, state } from '../channel.ts';

type Reply = { buffer: SharedArrayBuffer } | { make: true };

function sharedArray(name: unknown, callback: unknown): readonly unknown[] {
  checkSharedArray(name, callback, state.init);
  const reply = block({ op: 'shared-array', name }) as Reply;
  if ('buffer' in reply) return sharedArrayView(name, reply.buffer);
  let buffer: SharedArrayBuffer;
  try {
    buffer = encodeSharedArray(name, sharedArrayElements(name, callback as () => unknown));
  } catch (err) {
    block({ op: 'shared-array-made', name, buffer: null, error: (err as Error)?.message ?? String(err) });
    throw err;
  }
  block({ op: 'shared-array-made', name, buffer });
  return sharedArrayView(name, buffer);
}

export class SharedArray {
  constructor(name: string, callback: () => unknown[]) {
    // biome-ignore lint/correctness/noConstructorReturn: k6's SharedArray is used as `new SharedArray(...)` and must be the array itself
    return sharedArray(name, callback) as unknown as SharedArray;
  }
}

export default { SharedArray };
