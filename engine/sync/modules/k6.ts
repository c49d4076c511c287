// `import { check, group, sleep, fail } from 'k6'` in a synchronous VU's thread: check and group
// run the script's functions here and tell the hub what to record; sleep blocks this thread.
import { pause, post, state, unsupported } from '../channel.ts';

const SEPARATOR = '::';

function isThenable(value: unknown): boolean {
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
    post({ t: 'check', name, pass, tags: extra });
  }
  return all;
}

export function group<T>(name: string, fn: () => T): T {
  if (typeof name !== 'string' || name.includes(SEPARATOR)) {
    throw new Error(`group name ${JSON.stringify(name)} is invalid: it must be a string without "::".`);
  }
  if (typeof fn !== 'function') throw new TypeError(`group "${name}" needs a function.`);
  const parent = state.group;
  const path = `${parent}${SEPARATOR}${name}`;
  const start = performance.now();
  state.group = path;
  post({ t: 'group', path });
  try {
    const result = fn();
    if (isThenable(result)) unsupported(`group "${name}" with an async function`);
    return result;
  } finally {
    state.group = parent;
    post({ t: 'group-end', path, ms: performance.now() - start, parent });
  }
}

export function sleep(seconds: number): void {
  pause(Math.max(0, Number(seconds) * 1000));
}

export function fail(message?: string): never {
  throw new Error(message ?? 'fail() was called');
}

export function randomSeed(): never {
  return unsupported('randomSeed()');
}

export default { check, group, sleep, fail, randomSeed };
