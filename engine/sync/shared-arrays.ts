// k6/data SharedArrays of synchronous VUs, kept by the hubs (all in the VU thread). An array the
// init code already made on the VU thread (VU 0 reads the options there, running the callback as
// k6's first init does) is encoded once into a SharedArrayBuffer (../api/shared-array.ts);
// otherwise the first VU to ask for a name is told to run its callback and hands back the encoded
// array, and VUs asking meanwhile wait for it. Every VU thread then reads that one buffer.
import { encodeSharedArray, sharedArraysOf } from '../api/shared-array.ts';
import type { TestContext } from '../test-context.ts';
import type { VU } from '../vu.ts';

interface Entry {
  maker: number;
  buffer: SharedArrayBuffer | null;
  error: string | null;
  waiters: Array<{ resolve: (b: SharedArrayBuffer) => void; reject: (err: Error) => void }>;
}

export type SharedArrayReply = { buffer: SharedArrayBuffer } | { make: true };

const byTest = new WeakMap<TestContext, Map<string, Entry>>();

function entriesOf(test: TestContext): Map<string, Entry> {
  let entries = byTest.get(test);
  if (!entries) {
    entries = new Map();
    byTest.set(test, entries);
  }
  return entries;
}

/** The array named `name`, or { make: true } when `vu` is the first to ask and must run the callback. */
export async function makeSharedArray(vu: VU, name: string): Promise<SharedArrayReply> {
  const entries = entriesOf(vu.test);
  const entry = entries.get(name);
  if (!entry) {
    const made = sharedArraysOf(vu.test).get(name);
    const buffer = made ? encodeSharedArray(name, made as unknown[]) : null;
    entries.set(name, { maker: vu.id, buffer, error: null, waiters: [] });
    return buffer ? { buffer } : { make: true };
  }
  if (entry.buffer) return { buffer: entry.buffer };
  if (entry.error) throw new Error(entry.error);
  const buffer = await new Promise<SharedArrayBuffer>((resolve, reject) =>
    entry.waiters.push({ resolve, reject }),
  );
  return { buffer };
}

/** The maker's result: the encoded array, or why its callback failed. */
export function madeSharedArray(
  vu: VU,
  name: string,
  buffer: SharedArrayBuffer | null,
  error?: string,
): void {
  const entry = entriesOf(vu.test).get(name);
  if (!entry || entry.maker !== vu.id || entry.buffer || entry.error) return;
  if (buffer) entry.buffer = buffer;
  else
    entry.error = `SharedArray "${name}": its function failed in VU ${vu.id}: ${error ?? 'no reason given'}`;
  for (const w of entry.waiters) {
    if (buffer) w.resolve(buffer);
    else w.reject(new Error(entry.error as string));
  }
  entry.waiters = [];
}

/** A VU whose thread ended: the arrays it was making will not come. */
export function abandonSharedArrays(vu: VU): void {
  for (const [name, entry] of entriesOf(vu.test))
    if (entry.maker === vu.id) madeSharedArray(vu, name, null, 'its thread ended');
}
