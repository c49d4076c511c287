// How far each numeric option can go. Node's timers hold at most 2^31−1 ms (24.8 days); a longer
// delay silently fires after 1 ms, so a duration beyond that would turn into a short run. Every
// duration, and the whole test's planned length, is checked against it; counts against what a
// single engine process can hold. InvalidOptionsError carries the sentence for the user (the
// engine exits 104 for script options, 255 for its own flags; callers may map it to their codes).
import { InvalidOptionsError } from './metrics/errors.ts';
import { formatDuration, parseDuration } from './metrics/time.ts';

/** The longest delay a Node timer can hold. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const LIMITS = {
  /** Any duration, and a test's start time + planned length + gracefulStop. */
  maxDurationMs: MAX_TIMER_MS,
  /** VUs in one engine process (each holds its own copy of the script's modules). */
  maxVUs: 100_000,
  maxIterations: Number.MAX_SAFE_INTEGER,
  /** Iteration starts per second an arrival-rate scenario may ask for. */
  maxRatePerSecond: 1_000_000,
} as const;

const MAX_TEXT = formatDuration(LIMITS.maxDurationMs);

/** Milliseconds of a k6 duration that a timer can hold (0 ≤ ms ≤ 2^31−1). */
export function checkDuration(value: string | number, what: string): number {
  const ms = parseDuration(value, what);
  if (ms < 0) throw new InvalidOptionsError(`${what} must not be negative; got ${JSON.stringify(value)}.`);
  if (ms > LIMITS.maxDurationMs) {
    throw new InvalidOptionsError(
      `${what} ${JSON.stringify(value)} is longer than the engine can time: at most ${MAX_TEXT} (24.8 days).`,
    );
  }
  return ms;
}

/** A whole number in [min, max]. */
export function checkCount(value: unknown, what: string, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new InvalidOptionsError(`${what} must be a whole number ≥ ${min}; got ${JSON.stringify(value)}.`);
  }
  if (n > max) {
    throw new InvalidOptionsError(`${what} is ${n}, more than this engine can run: at most ${max}.`);
  }
  return n;
}

/** The total time a test is planned to take fits a timer too. */
export function checkPlannedLength(ms: number, what: string): void {
  if (ms > LIMITS.maxDurationMs) {
    throw new InvalidOptionsError(
      `${what} adds up to ${formatDuration(ms)} (start time, duration or stages, and gracefulStop), ` +
        `longer than the engine can time: at most ${MAX_TEXT} (24.8 days).`,
    );
  }
}
