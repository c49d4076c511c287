// The `k6` module: check, group, sleep, fail, randomSeed (k6-facts §1.3, §3.3).
import { AsyncLocalStorage } from 'node:async_hooks';
import { InterruptedError, type VU } from '../vu.ts';
import { seededRandom } from './seeded-random.ts';

const SEPARATOR = '::';

function isAsync(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** The group an async group's code runs in, carried across its awaits. */
interface GroupCell {
  vu: VU;
  group: string;
}

// Async context tracking slows every promise on Node 20, so it is switched on only for VUs that
// run an async group; synchronous code keeps the plain `vu.group` field.
const groupContext = new AsyncLocalStorage<GroupCell>();
const tracked = new WeakSet<VU>();

/** Makes `vu.group` read the group of the async group whose code is running, if any. */
function trackGroupAcrossAwaits(vu: VU): void {
  if (tracked.has(vu)) return;
  tracked.add(vu);
  let base = vu.group;
  Object.defineProperty(vu, 'group', {
    configurable: true,
    enumerable: true,
    get(): string {
      const cell = groupContext.getStore();
      return cell?.vu === vu ? cell.group : base;
    },
    set(value: string) {
      const cell = groupContext.getStore();
      if (cell?.vu === vu) cell.group = value;
      else base = value;
    },
  });
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
      const sampleTags: Record<string, string> = { ...base };
      const system = vu.test.http.systemTags;
      if (system === null || system.has('check')) sampleTags.check = name;
      if (tags) for (const [k, v] of Object.entries(tags)) sampleTags[k] = String(v);
      vu.test.emit({ metric: 'checks', time: Date.now(), value: ok ? 1 : 0, tags: sampleTags });
    }
    return all;
  }

  function group<T>(name: string, fn: () => T): T | Promise<unknown> {
    if (typeof name !== 'string' || name.includes(SEPARATOR)) {
      throw new Error(`group name ${JSON.stringify(name)} is invalid: it must be a string without "::".`);
    }
    if (typeof fn !== 'function') throw new TypeError(`group "${name}" needs a function.`);
    const parent = vu.group;
    const path = `${parent}${SEPARATOR}${name}`;
    const start = performance.now();
    const emitDuration = (tags: Record<string, string>) =>
      vu.test.emit({ metric: 'group_duration', time: Date.now(), value: performance.now() - start, tags });
    if (isAsync(fn)) {
      // As k6 does for async groups: the parent's tags come back as soon as the callback returns,
      // the group's code keeps the group's tags across its awaits, and group_duration runs until
      // the returned promise settles.
      trackGroupAcrossAwaits(vu);
      const settled = groupContext.run({ vu, group: path }, fn) as Promise<unknown>;
      const groupTags = () => ({ ...vu.sampleTags(), group: path });
      return settled.then(
        (value) => {
          emitDuration(groupTags());
          return value;
        },
        (err) => {
          emitDuration(groupTags());
          throw err;
        },
      );
    }
    vu.group = path;
    let result: T;
    let tags: Record<string, string>;
    try {
      result = fn();
    } finally {
      tags = vu.sampleTags();
      vu.group = parent;
    }
    if (isThenable(result)) {
      // A plain function that returns a promise: requests it started are tagged with the group
      // (tags are taken when a request starts); the duration runs until the promise settles.
      return Promise.resolve(result).then(
        (value) => {
          emitDuration(tags);
          return value;
        },
        (err) => {
          emitDuration(tags);
          throw err;
        },
      );
    }
    emitDuration(tags);
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

  function randomSeed(value: number): void {
    Math.random = seededRandom(value);
  }

  return { check, group, sleep, fail, randomSeed };
}
