// `import { check, group, sleep, fail, randomSeed } from 'k6'` in a synchronous VU's thread: check
// and group run the script's functions here and tell the hub what to record; sleep blocks this
// thread; randomSeed seeds this VU's Math.random (the thread is the VU's alone).
import { seededRandom } from '../../api/seeded-random.ts';
import { currentGroup, groupsTracked, inAsyncGroup, pause, post, state, unsupported } from '../channel.ts';

const SEPARATOR = '::';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export function check<T>(
  value: T,
  sets: Record<string, ((v: T) => unknown) | unknown>,
  tags?: Record<string, string | number | boolean>,
): boolean {
  let all = true;
  const extra = tags ? Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)])) : undefined;
  for (const [name, test] of Object.entries(sets)) {
    const result = typeof test === 'function' ? (test as (v: T) => unknown)(value) : test;
    if (isThenable(result)) unsupported(`check "${name}" returning a Promise`);
    const pass = Boolean(result);
    if (!pass) all = false;
    post({ t: 'check', name, pass, group: currentGroup(), tags: extra });
  }
  return all;
}

export function group<T>(name: string, fn: () => T): T {
  if (typeof name !== 'string' || name.includes(SEPARATOR)) {
    throw new Error(`group name ${JSON.stringify(name)} is invalid: it must be a string without "::".`);
  }
  if (typeof fn !== 'function') throw new TypeError(`group "${name}" needs a function.`);
  const path = `${currentGroup()}${SEPARATOR}${name}`;
  const start = performance.now();
  const end = () => post({ t: 'group-end', path, ms: performance.now() - start });
  if (fn.constructor?.name === 'AsyncFunction') {
    // k6 ≥ 0.52: the group lasts until the async function settles, and what it does after each
    // await stays in the group.
    let result: T;
    try {
      result = inAsyncGroup(path, fn);
    } catch (err) {
      end();
      throw err;
    }
    return Promise.resolve(result).finally(end) as T;
  }
  const parent = state.group;
  if (!groupsTracked()) state.group = path;
  try {
    const result = groupsTracked() ? inAsyncGroup(path, fn) : fn();
    if (isThenable(result)) unsupported(`group "${name}" with a function that returns a Promise`);
    return result;
  } finally {
    state.group = parent;
    end();
  }
}

export function sleep(seconds: number): void {
  pause(Math.max(0, Number(seconds) * 1000));
}

export function fail(message?: string): never {
  throw new Error(message ?? 'fail() was called');
}

export function randomSeed(value: number): void {
  Math.random = seededRandom(value);
}

export default { check, group, sleep, fail, randomSeed };
