// The `k6` module: check, group, sleep, fail, randomSeed, written once for both kinds of VU
// against ./module-vu.ts. What k6 does with them is in its documentation
// (https://grafana.com/docs/k6/latest/javascript-api/k6/) and in grafana/k6's
// internal/js/modules/k6/k6.go.

import { goError } from '../vu-errors.ts';
import type { ModuleVU } from './module-vu.ts';
import { extraTags } from './module-vu.ts';
import { seededRandom } from './seeded-random.ts';

const SEPARATOR = '::';

/** A JavaScript value as a Go string parameter of a k6 function gets it: undefined and null are "". */
function goString(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}
/** k6's error for a group or check name with the separator (grafana/k6 lib/models.go). */
const NAME_WITH_SEPARATOR = "group and check names may not contain '::'";

function isAsync(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export function createK6(vu: ModuleVU) {
  /**
   * k6 refuses async check functions (an exception in the iteration). A plain function that
   * returns a Promise would pass in k6 whatever the Promise holds (an object is truthy); that is
   * refused the same way here, on both kinds of VU, rather than counted as a pass.
   */
  function check<T>(
    value: T,
    ...rest:
      | []
      | [
          sets: Record<string, ((v: T) => unknown) | unknown>,
          tags?: Record<string, string | number | boolean>,
        ]
  ): boolean {
    // k6's Check(arg0, checks sobek.Value, …): a missing second argument is Go's nil.
    if (rest.length === 0) throw new Error('no checks provided to `check`');
    const [sets, tags] = rest as [Record<string, unknown>, Record<string, string | number | boolean>?];
    let all = true;
    const extra = extraTags(tags);
    for (const [name, test] of Object.entries(sets)) {
      if (name.includes(SEPARATOR)) throw new Error(NAME_WITH_SEPARATOR);
      if (isAsync(test)) {
        throw new Error(
          'the built-in check() does not support async functions as arguments. Use the JavaScript utils library as a replacement. Refer to https://grafana.com/docs/k6/latest/javascript-api/jslib/utils/check/ for more info',
        );
      }
      let result: unknown;
      try {
        result = typeof test === 'function' ? (test as (v: T) => unknown)(value) : test;
      } catch (err) {
        // k6 records a check whose function throws as failed, then rethrows the exception
        // (grafana/k6, internal/js/modules/k6/k6.go, Check): later checks of the set are not run.
        vu.emitCheck(name, false, extra);
        throw err;
      }
      if (isThenable(result)) {
        throw new Error(
          `check "${name}" returned a Promise; check() needs synchronous checks (await before calling check).`,
        );
      }
      const ok = Boolean(result);
      if (!ok) all = false;
      vu.emitCheck(name, ok, extra);
    }
    return all;
  }

  /**
   * The group's code runs with the group's tag, and group_duration measures it until it returns,
   * as in k6. k6 (since v0.55, grafana/k6 internal/js/modules/k6/k6.go, Group) refuses an async
   * function with an exception in the iteration, before running it; a plain function that returns
   * a Promise runs, and the group ends when the function returns. A function that throws still has
   * its group_duration, as in k6.
   */
  function group<T>(groupName: string, fn: () => T): T {
    // As k6's Group(name string, …): the name is the argument as a string, checked after the callback.
    const name = goString(groupName);
    if (typeof fn !== 'function') throw new Error('group() requires a callback as a second argument');
    if (isAsync(fn)) {
      throw new Error(
        'group() does not support async functions as arguments, please see https://grafana.com/docs/k6/latest/javascript-api/k6/group/ for more info',
      );
    }
    if (name.includes(SEPARATOR)) throw new Error(NAME_WITH_SEPARATOR);
    const path = `${vu.group}${SEPARATOR}${name}`;
    const start = performance.now();
    try {
      return vu.inGroup(path, fn);
    } finally {
      vu.emitGroupDuration(path, performance.now() - start);
    }
  }

  /**
   * k6 sleeps `time.Duration(secs * float64(time.Second))` (grafana/k6 internal/js/modules/k6/k6.go,
   * Sleep): a negative time returns at once, and so do NaN (`sleep()`, `sleep('abc')`) and
   * infinities, which Go's conversion turns into a negative duration on amd64. They must not reach
   * the VU: a synchronous VU's blocking wait takes a NaN or infinite timeout as "forever".
   */
  function sleep(seconds: number): Promise<void> | void {
    const ms = Number(seconds) * 1000;
    return vu.sleep(Number.isFinite(ms) ? Math.max(ms, 0) : 0);
  }

  // k6's fail(msg string) is a Go function returning errors.New(msg), which its runtime throws as
  // a GoError: without an argument (or with undefined or null) the message is empty.
  function fail(...message: unknown[]): never {
    throw goError(goString(message[0]));
  }

  function randomSeed(value: number): void {
    Math.random = seededRandom(value);
  }

  return { check, group, sleep, fail, randomSeed };
}
