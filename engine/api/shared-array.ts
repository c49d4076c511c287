// k6/data's SharedArray, the parts both kinds of VU use: the checks k6 makes, the callback's result
// taken through JSON as k6 does, deep freezing, and — for synchronous VUs, whose threads cannot
// share JavaScript objects — the elements JSON-encoded once into one SharedArrayBuffer that every
// thread reads through a read-only array view, parsing an element on each access as k6 does.

import type { TestContext } from '../test-context.ts';

const arraysByTest = new WeakMap<TestContext, Map<string, readonly unknown[]>>();

/** The arrays made on the VU thread in a test, by name: one copy per test. */
export function sharedArraysOf(test: TestContext): Map<string, readonly unknown[]> {
  let arrays = arraysByTest.get(test);
  if (!arrays) {
    arrays = new Map();
    arraysByTest.set(test, arrays);
  }
  return arrays;
}

/** Throws k6's errors for a wrong `new SharedArray(name, callback)`. */
export function checkSharedArray(name: unknown, callback: unknown, inInit: boolean): asserts name is string {
  if (typeof name !== 'string' || name === '') throw new TypeError('SharedArray needs a non-empty name.');
  if (typeof callback !== 'function')
    throw new TypeError(`SharedArray "${name}" needs a function that returns an array.`);
  if (!inInit) {
    throw new Error(
      `new SharedArray("${name}") must be called in the init context (the top level of the script).`,
    );
  }
}

/** Runs the callback; its result must be an array. */
export function sharedArrayElements(name: string, callback: () => unknown): unknown[] {
  const result = callback();
  if (!Array.isArray(result)) {
    throw new TypeError(
      `SharedArray "${name}": the function returned ${typeof result}; it must return an array.`,
    );
  }
  return result;
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

// Layout: Uint32 count n, Uint32 offsets[n + 1] (into the text), then the UTF-8 text of each
// element's JSON one after the other.
const HEADER = 4;

/** The elements as JSON in shared memory; an element JSON cannot hold (undefined, a function) is null, as in JSON arrays. */
export function encodeSharedArray(name: string, elements: unknown[]): SharedArrayBuffer {
  const texts = elements.map((e) => Buffer.from(JSON.stringify(e) ?? 'null', 'utf8'));
  const tableBytes = HEADER * (texts.length + 2);
  const total = tableBytes + texts.reduce((n, t) => n + t.length, 0);
  if (total > 2 ** 32 - 1) throw new RangeError(`SharedArray "${name}" is larger than 4 GB.`);
  const buffer = new SharedArrayBuffer(total);
  const table = new Uint32Array(buffer, 0, texts.length + 2);
  const bytes = new Uint8Array(buffer);
  table[0] = texts.length;
  let at = 0;
  texts.forEach((t, i) => {
    table[i + 1] = at;
    bytes.set(t, tableBytes + at);
    at += t.length;
  });
  table[texts.length + 1] = at;
  return buffer;
}

function readOnly(name: string): never {
  throw new TypeError(`SharedArray "${name}" is read-only.`);
}

/** A read-only array over an encoded SharedArray: indexes, length, iteration and Array methods work. */
export function sharedArrayView(name: string, buffer: SharedArrayBuffer): readonly unknown[] {
  const length = new Uint32Array(buffer, 0, 1)[0];
  const table = new Uint32Array(buffer, 0, length + 2);
  const textStart = HEADER * (length + 2);
  const indexOf = (key: string | symbol): number => {
    if (typeof key !== 'string') return -1;
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < length && String(i) === key ? i : -1;
  };
  const element = (i: number): unknown => {
    const text = Buffer.from(buffer, textStart + table[i + 1], table[i + 2] - table[i + 1]).toString('utf8');
    return deepFreeze(JSON.parse(text));
  };
  // The target is an empty array so that Array.isArray() and Array.prototype work on the view.
  return new Proxy([] as unknown[], {
    get(target, key, receiver) {
      if (key === 'length') return length;
      const i = indexOf(key);
      return i >= 0 ? element(i) : Reflect.get(target, key, receiver);
    },
    has(target, key) {
      return indexOf(key) >= 0 || Reflect.has(target, key);
    },
    ownKeys() {
      return [...Array.from({ length }, (_, i) => String(i)), 'length'];
    },
    getOwnPropertyDescriptor(target, key) {
      if (key === 'length') return { value: length, writable: true, enumerable: false, configurable: false };
      const i = indexOf(key);
      if (i >= 0) return { value: element(i), writable: false, enumerable: true, configurable: true };
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    set: () => readOnly(name),
    defineProperty: () => readOnly(name),
    deleteProperty: () => readOnly(name),
    setPrototypeOf: () => readOnly(name),
    preventExtensions: () => readOnly(name),
  });
}
