// k6-utils (https://jslib.k6.io/k6-utils/1.x/index.js) offline: written from k6's documentation of
// the library (javascript-api/jslib/utils, "Tagging stages" in using-k6/tags-and-groups), not from
// its code. ./registry.ts picks the names each version exports.
import { randomUUID } from 'node:crypto';
import { check as k6check } from 'k6';
import exec from 'k6/execution';
import { checkDuration } from '../limits.ts';

/** An integer from min to max, both included. */
export function randomIntBetween(min: number, max: number): number {
  return Math.floor(min + Math.random() * (max - min + 1));
}

export function randomItem<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';

/** `length` characters drawn from `charset` (lowercase ASCII letters by default). */
export function randomString(length: number, charset: string = LOWERCASE): string {
  const chars = [...charset];
  let out = '';
  for (let i = 0; i < length; i++) out += chars[Math.floor(Math.random() * chars.length)];
  return out;
}

/** randomString as versions before 1.2.0 have it: no character set. */
export function randomLowercase(length: number): string {
  return randomString(length);
}

const HEX = '0123456789abcdef';

/** A random UUID v4; `secure` draws it from the cryptographic generator. */
export function uuidv4(secure = false): string {
  if (secure) return randomUUID();
  let out = '';
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) out += '-';
    else if (i === 14) out += '4';
    else if (i === 19) out += HEX[8 + Math.floor(Math.random() * 4)];
    else out += HEX[Math.floor(Math.random() * 16)];
  }
  return out;
}

/** The text between `left` and the next `right`, or '' ; with `repeat`, every such text. */
export function findBetween(content: string, left: string, right: string, repeat?: false): string;
export function findBetween(content: string, left: string, right: string, repeat: true): string[];
export function findBetween(content: string, left: string, right: string, repeat = false): string | string[] {
  const found: string[] = [];
  let from = 0;
  for (;;) {
    const start = content.indexOf(left, from);
    if (start < 0) break;
    const end = content.indexOf(right, start + left.length);
    if (end < 0) break;
    found.push(content.slice(start + left.length, end));
    if (!repeat) break;
    from = end + right.length;
  }
  return repeat ? found : (found[0] ?? '');
}

/**
 * The documentation does not say which stages it computes, so a copy of our own would give the
 * test a different shape than k6 does: refused rather than silently different.
 */
export function normalDistributionStages(): never {
  throw new Error(
    "normalDistributionStages() is not part of the node engine's offline k6-utils: its exact stages are not documented. " +
      'Write the stages out in options, run once with network access so jslib.k6.io caches the library, or use the k6 binary (--engine k6).',
  );
}

interface StageOption {
  duration: string | number;
  target: number;
}

/** The running scenario's stages and where its ramp starts (startVUs or startRate). */
function currentStages(what: string): { stages: StageOption[]; start: number } {
  const name = exec.scenario.name;
  const options = exec.test.options as unknown as {
    vus?: number;
    stages?: StageOption[];
    scenarios?: Record<
      string,
      { executor?: string; stages?: StageOption[]; startVUs?: number; startRate?: number }
    >;
  };
  const scenario = options.scenarios?.[name];
  const stages = scenario ? scenario.stages : options.stages;
  if (!Array.isArray(stages) || stages.length === 0) {
    throw new Error(
      `${what}() works only in a scenario with stages (ramping-vus or ramping-arrival-rate); scenario "${name}" has none.`,
    );
  }
  const start = scenario
    ? scenario.executor === 'ramping-arrival-rate'
      ? (scenario.startRate ?? 0)
      : (scenario.startVUs ?? 1)
    : (options.vus ?? 1);
  return { stages, start };
}

function stageIndex(what: string): { index: number; stages: StageOption[]; start: number } {
  const { stages, start } = currentStages(what);
  const elapsed = Date.now() - exec.scenario.startTime;
  let end = 0;
  for (let i = 0; i < stages.length; i++) {
    end += checkDuration(stages[i].duration, `stages[${i}].duration`);
    if (elapsed < end) return { index: i, stages, start };
  }
  // Past the last stage (an iteration finishing during gracefulRampDown): still the last one.
  return { index: stages.length - 1, stages, start };
}

/** The zero-based index of the running stage of the current scenario. */
export function getCurrentStageIndex(): number {
  return stageIndex('getCurrentStageIndex').index;
}

/** Tags what the VU does from now on with `stage` = the running stage's index. */
export function tagWithCurrentStageIndex(): void {
  exec.vu.tags.stage = String(stageIndex('tagWithCurrentStageIndex').index);
}

/**
 * Tags what the VU does from now on with `stage_profile`: ramp-up, steady or ramp-down, as the
 * running stage's target compares with the previous stage's (the first stage's with where the
 * scenario starts).
 */
export function tagWithCurrentStageProfile(): void {
  const { index, stages, start } = stageIndex('tagWithCurrentStageProfile');
  const before = index === 0 ? start : stages[index - 1].target;
  const target = stages[index].target;
  exec.vu.tags.stage_profile = target > before ? 'ramp-up' : target < before ? 'ramp-down' : 'steady';
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * k6's check() that also takes Promises (1.5.0+): a check whose function or value is a Promise is
 * recorded when it settles, and the result is then a Promise of whether all checks passed.
 */
export function check<T>(
  value: T,
  sets: Record<string, unknown>,
  tags?: Record<string, string>,
): boolean | Promise<boolean> {
  const record = (name: string, outcome: unknown): boolean =>
    k6check(value, { [name]: () => Boolean(outcome) }, tags);
  const pending: Array<Promise<boolean>> = [];
  let all = true;
  for (const [name, test] of Object.entries(sets)) {
    const outcome = typeof test === 'function' ? (test as (v: T) => unknown)(value) : test;
    if (isThenable(outcome)) pending.push(Promise.resolve(outcome).then((settled) => record(name, settled)));
    else if (!record(name, outcome)) all = false;
  }
  if (pending.length === 0) return all;
  return Promise.all(pending).then((results) => all && results.every(Boolean));
}
