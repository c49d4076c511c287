// The `k6` module: check, group, sleep, fail, randomSeed (k6-facts §1.3, §3.3).
import { InterruptedError, type VU } from '../vu.ts';

const SEPARATOR = '::';

function isAsync(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export function createK6(vu: VU) {
  function check<T>(
    value: T,
    sets: Record<string, ((v: T) => unknown) | unknown>,
    tags?: Record<string, string | number | boolean>,
  ): boolean {
    let all = true;
    for (const [name, test] of Object.entries(sets)) {
      if (isAsync(test)) {
        throw new Error(
          `check "${name}" uses an async function; check() needs synchronous checks (await before calling check).`,
        );
      }
      const result = typeof test === 'function' ? (test as (v: T) => unknown)(value) : test;
      if (isThenable(result)) {
        throw new Error(
          `check "${name}" returned a Promise; check() needs synchronous checks (await before calling check).`,
        );
      }
      const ok = Boolean(result);
      if (!ok) all = false;
      const base = vu.sampleTags();
      const sampleTags: Record<string, string> = { ...base, check: name };
      if (tags) for (const [k, v] of Object.entries(tags)) sampleTags[k] = String(v);
      vu.test.emit({ metric: 'checks', time: Date.now(), value: ok ? 1 : 0, tags: sampleTags });
    }
    return all;
  }

  function group<T>(name: string, fn: () => T): T {
    if (typeof name !== 'string' || name.includes(SEPARATOR)) {
      throw new Error(`group name ${JSON.stringify(name)} is invalid: it must be a string without "::".`);
    }
    if (isAsync(fn)) {
      throw new Error(
        `group "${name}" was given an async function; group() only supports synchronous code (k6 rejects async callbacks too).`,
      );
    }
    const parent = vu.group;
    const path = `${parent}${SEPARATOR}${name}`;
    vu.group = path;
    const start = performance.now();
    let result: T;
    try {
      result = fn();
    } finally {
      const duration = performance.now() - start;
      const tags = vu.sampleTags();
      vu.group = parent;
      vu.test.emit({ metric: 'group_duration', time: Date.now(), value: duration, tags });
    }
    if (isThenable(result)) {
      throw new Error(
        `group "${name}" returned a Promise; group() only supports synchronous code (k6 rejects async callbacks too).`,
      );
    }
    return result;
  }

  function sleep(seconds: number): Promise<void> {
    const ms = Math.max(0, Number(seconds) * 1000);
    return new Promise<void>((resolve, reject) => {
      if (vu.interrupted) {
        reject(new InterruptedError());
        return;
      }
      const settle = vu.blocking('sleep()');
      const done = vu.onInterrupt((err) => {
        clearTimeout(timer);
        settle();
        reject(err);
      });
      const timer = setTimeout(() => {
        done();
        settle();
        resolve();
      }, ms);
    });
  }

  function fail(message?: string): never {
    throw new Error(message ?? 'fail() was called');
  }

  let seed = 0;
  function randomSeed(value: number): void {
    seed = value >>> 0;
    Math.random = () => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  return { check, group, sleep, fail, randomSeed };
}
