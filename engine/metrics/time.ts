// k6 durations as k6 reads them (grafana/k6 lib/types/types.go, ParseExtendedDuration): a string
// that is a number is milliseconds ("1500" is 1.5s, "0" is 0); one with a "d" is whole days, then
// optionally a Go duration for the rest ("1d", "2d12h"); anything else is Go's time.ParseDuration
// syntax ("1h30m", "1.5s", "500ms", "250us"), with no spaces. A JS number is milliseconds too (k6
// reads numbers in JSON options as ms). Written back in Go's form ("1m30s", "1h0m0s", "1.5ms").
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

const GO_DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
/** What Go's strconv.ParseFloat reads as a finite decimal number. */
const FLOAT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Go's time.ParseDuration, in ms; null when Go would refuse the text. */
function goDuration(text: string): number | null {
  if (/^[-+]?0$/.test(text)) return 0;
  if (!GO_DURATION.test(text)) return null;
  let ns = 0;
  for (const m of text.matchAll(PART)) ns += Number(m[1]) * UNIT_NS[m[2]];
  const ms = ns / 1e6;
  return text.startsWith('-') ? -ms : ms;
}

/** Milliseconds for a k6 duration. `what` names the option in the error message. */
export function parseDuration(input: string | number, what = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new InvalidOptionsError(`${what} must be a finite number of ms.`);
    return input;
  }
  const text = String(input);
  if (FLOAT.test(text)) return Number(text);
  const invalid = () =>
    new InvalidOptionsError(
      `${what} "${text}" is not a valid duration; use forms like "500ms", "10s", "1m30s", "2h" or "1d".`,
    );
  const d = text.indexOf('d');
  if (d < 0) {
    const ms = goDuration(text);
    if (ms === null) throw invalid();
    return ms;
  }
  // Whole days before the "d", then a Go duration that is not negative (k6's extension).
  if (!/^[-+]?\d+$/.test(text.slice(0, d))) throw invalid();
  const days = Number(text.slice(0, d));
  let rest = 0;
  if (d + 1 < text.length) {
    const ms = goDuration(text.slice(d + 1));
    if (ms === null || ms < 0) throw invalid();
    rest = ms;
  }
  return (days * UNIT_NS.d) / 1e6 + (days < 0 ? -rest : rest);
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
