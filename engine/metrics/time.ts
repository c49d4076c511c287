// k6 durations: Go's time.ParseDuration syntax ("1h30m", "1.5s", "500ms", "250us") plus k6's
// extra "d" for days, and the Go form for writing them back ("1m30s", "1h0m0s", "1.5ms").
//
// Bare numbers: a JS number is milliseconds (k6 reads numbers in JSON options as ms). A string
// without a unit is rejected unless it is "0": "30" is ambiguous (k6 itself reads it as seconds
// in some places and as ms in others), so we ask the user to write "30s" or "30ms".
import { InvalidOptionsError } from './errors.ts';

// Nanoseconds per unit, so sub-millisecond parts add up without float residue ("100ns" → 0.0001 ms).
const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 6e10,
  h: 3.6e12,
  d: 8.64e13,
};

const WHOLE = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/g;

/** Milliseconds for a k6 duration. `what` names the option in the error message. */
export function parseDuration(input: string | number, what = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new InvalidOptionsError(`${what} must be a finite number of ms.`);
    return input;
  }
  const text = String(input).trim();
  if (/^[-+]?(0+(\.0*)?|\.0+)$/.test(text)) return 0;
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(text)) {
    throw new InvalidOptionsError(
      `${what} "${text}" has no unit; write it with one, for example "${text}s" or "${text}ms".`,
    );
  }
  if (!WHOLE.test(text)) {
    throw new InvalidOptionsError(
      `${what} "${text}" is not a valid duration; use forms like "500ms", "10s", "1m30s" or "2h".`,
    );
  }
  let ns = 0;
  for (const m of text.matchAll(PART)) ns += Number(m[1]) * UNIT_NS[m[2]];
  const ms = ns / 1e6;
  return text.startsWith('-') ? -ms : ms;
}

/** Go's time.Duration.String() form of a millisecond value: "0s", "1.5ms", "1m30s", "1h0m0s". */
export function formatDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${decimal(ns, 1e3)}µs`;
  if (ns < 1e9) return `${sign}${decimal(ns, 1e6)}ms`;
  const hours = Math.floor(ns / 3.6e12);
  const minutes = Math.floor((ns % 3.6e12) / 6e10);
  const seconds = decimal(ns % 6e10, 1e9);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** Integer `value / scale` written exactly, trailing zeros of the fraction trimmed. */
function decimal(value: number, scale: number): string {
  const whole = Math.floor(value / scale);
  const rest = value - whole * scale;
  if (rest === 0) return String(whole);
  const digits = String(scale).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
