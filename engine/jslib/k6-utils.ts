// k6-utils (https://jslib.k6.io/k6-utils/1.x/index.js) offline: written from k6's documentation of
// the library (javascript-api/jslib/utils, "Tagging stages" in using-k6/tags-and-groups), not from
// its code; where the published files (github.com/grafana/jslib.k6.io, lib/k6-utils/<version>)
// answer otherwise than the documentation says, this answers as they do, since that is what k6
// runs. ./registry.ts picks the names each version exports.
import { randomUUID } from 'node:crypto';
import { check as k6check } from 'k6';
import exec from 'k6/execution';
import { checkDuration } from '../limits.ts';
import { NotOnThisEngineError } from '../vu-errors.ts';

/**
 * An integer from min to max, both included. The operands are combined in the published order:
 * with strings (`__ENV` values) `+ min` concatenates there, and so it does here.
 */
export function randomIntBetween(min: number, max: number): number {
  return Math.floor(Math.random() * (max - min + 1) + min);
}

export function randomItem<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';

/**
 * `length` UTF-16 code units drawn from `charset` (lowercase ASCII letters by default), as the
 * published library indexes the string. A length that is not a whole number ≥ 0 never ends the
 * library's count-down loop (k6 would hang), so it is refused.
 */
export function randomString(length: number, charset: string = LOWERCASE): string {
  const n = Number(length);
  if (Number.isNaN(n) || n === 0) return '';
  if (!Number.isInteger(n) || n < 0) {
    throw new NotOnThisEngineError(
      `k6-utils randomString(${String(length)}) (the published function never returns for a length that is not a whole number of 0 or more)`,
    );
  }
  let out = '';
  for (let i = 0; i < n; i++) out += charset[Math.floor(Math.random() * charset.length)];
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

/**
 * The text between `left` and the next `right`; with `repeat`, every such text. No match gives
 * null, with or without `repeat`: the documentation says '' and [], but every published version
 * from 1.2.0 on returns null, and that is what k6 runs.
 */
export function findBetween(
  content: string,
  left: string,
  right: string,
  repeat = false,
): string | string[] | null {
  const found: string[] = [];
  let from = 0;
  for (;;) {
    const start = content.indexOf(left, from);
    if (start < 0) break;
    const end = content.indexOf(right, start + left.length);
    if (end < 0) break;
    const text = content.slice(start + left.length, end);
    if (!repeat) return text;
    found.push(text);
    if (left === '' && right === '') break;
    from = end + right.length;
  }
  return found.length > 0 ? found : null;
}

/** findBetween as 1.1.0 has it: the first match only, '' when there is none. */
export function findBetweenFirst(content: string, left: string, right: string): string {
  const start = content.indexOf(left);
  if (start < 0) return '';
  const end = content.indexOf(right, start + left.length);
  return end < 0 ? '' : content.slice(start + left.length, end);
}

/**
 * `stages + 2` stages whose targets follow a standard normal curve: the curve is sampled at
 * `stages + 1` evenly spaced points from -2σ to +2σ and scaled so that its peak is `maxVus`
 * (rounded), and a last stage ramps down to 0. The first and last stages last a sixth of
 * `durationSeconds` each, the others share four sixths; every duration is rounded up to whole
 * seconds. This is the shape the published library (1.2.0 on) computes.
 */
export function normalDistributionStages(
  maxVus: number,
  durationSeconds: number,
  stages = 10,
): Array<{ duration: string; target: number }> {
  const density = (x: number) => Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);
  const curve: number[] = [];
  for (let i = 0; i <= stages; i++) curve.push(density((4 * i) / stages - 2));
  curve.push(0);
  const peak = Math.max(...curve);
  const edge = Math.ceil(durationSeconds / 6);
  const middle = Math.ceil((4 * durationSeconds) / (6 * stages));
  return curve.map((value, i) => ({
    duration: `${i === 0 || i === stages + 1 ? edge : middle}s`,
    target: Math.round((value * maxVus) / peak),
  }));
}

/**
 * A duration in milliseconds, as k6-utils 1.3.0+ exports it (the stage helpers use it): numbers
 * each followed by a unit (`d`, `h`, `m`, `s`, `ms`), units at most once each, and a trailing
 * unit-less number counted as milliseconds (`'1m30s'` → 90000).
 */
export function parseDuration(text: string): number {
  if (text == null || text.length < 1) throw new Error('str is empty');
  const MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
  const isNumberChar = (c: string | undefined) => c !== undefined && ((c >= '0' && c <= '9') || c === '.');
  const seen = new Set<string>();
  let total = 0;
  let digits = '';
  for (let i = 0; i < text.length; i++) {
    if (isNumberChar(text[i])) digits += text[i];
    const next = text[i + 1];
    if (next === undefined || isNumberChar(next)) continue;
    const value = Number.parseFloat(digits);
    let unit = next;
    if (unit === 'm' && text[i + 2] === 's') {
      total += Math.trunc(value);
      unit = 'ms';
      i++;
    } else if (Object.hasOwn(MS, unit)) total += value * MS[unit];
    else throw new Error(`${unit} is an unsupported time unit`);
    if (seen.has(unit)) throw new Error(`${unit} time unit is provided multiple times`);
    seen.add(unit);
    i++;
    digits = '';
  }
  return digits.length > 0 ? total + Number.parseFloat(digits) : total;
}

interface StageOption {
  duration: string | number;
  target: number;
}

/** The running scenario's stages. */
function currentStages(what: string): StageOption[] {
  const name = exec.scenario.name;
  const options = exec.test.options as unknown as {
    stages?: StageOption[];
    scenarios?: Record<string, { stages?: StageOption[] }>;
  };
  const scenario = options.scenarios?.[name];
  const stages = scenario ? scenario.stages : options.stages;
  if (!Array.isArray(stages) || stages.length === 0) {
    throw new Error(
      `${what}() works only in a scenario with stages (ramping-vus or ramping-arrival-rate); scenario "${name}" has none.`,
    );
  }
  return stages;
}

function stageIndex(what: string): { index: number; stages: StageOption[] } {
  const stages = currentStages(what);
  const elapsed = Date.now() - exec.scenario.startTime;
  let end = 0;
  for (let i = 0; i < stages.length; i++) {
    end += checkDuration(stages[i].duration, `stages[${i}].duration`);
    if (elapsed < end) return { index: i, stages };
  }
  // Past the last stage (an iteration finishing during gracefulRampDown): still the last one.
  return { index: stages.length - 1, stages };
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
 * running stage's target compares with the previous stage's. The first stage is always ramp-up,
 * whatever the scenario starts from: so the published library has it.
 */
export function tagWithCurrentStageProfile(): void {
  const { index, stages } = stageIndex('tagWithCurrentStageProfile');
  if (index === 0) {
    exec.vu.tags.stage_profile = 'ramp-up';
    return;
  }
  const before = stages[index - 1].target;
  const target = stages[index].target;
  exec.vu.tags.stage_profile = target > before ? 'ramp-up' : target < before ? 'ramp-down' : 'steady';
}

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
    // A Promise (not any thenable), as the published library tests it.
    if (outcome instanceof Promise) pending.push(outcome.then((settled) => record(name, settled)));
    else if (!record(name, outcome)) all = false;
  }
  if (pending.length === 0) return all;
  return Promise.all(pending).then((results) => all && results.every(Boolean));
}

/** check as 1.6.0 has it: a Promise given as the value is awaited first, then checked. */
export function checkAwaitingValue<T>(
  value: T | Promise<T>,
  sets: Record<string, unknown>,
  tags?: Record<string, string>,
): boolean | Promise<boolean> {
  if (value instanceof Promise) return value.then((settled) => checkAwaitingValue(settled, sets, tags));
  return check(value, sets, tags);
}
