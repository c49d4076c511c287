// Numbers as k6's end-of-test summaries write them (the compact and the legacy layout, and jslib's
// k6-summary): rates cut to two decimals, SI sizes, durations cut (not rounded) to the largest
// fitting unit, or a forced unit (summaryTimeUnit) with two decimals.
import type { SummaryMetric } from '../metrics/types.ts';

/**
 * A metric value as k6's summaries write it (grafana/k6 internal/js/summary.js and
 * summary-legacy.js; jslib's k6-summary exports the same as humanizeValue).
 */
export function humanizeValue(
  value: number,
  metric: Pick<SummaryMetric, 'type' | 'contains'>,
  unit?: string | null,
): string {
  if (metric.type === 'rate') return `${(Math.trunc(value * 100 * 100) / 100).toFixed(2)}%`;
  if (metric.contains === 'data') return humanizeBytes(value);
  if (metric.contains === 'time') return humanizeDuration(value, unit);
  return noTrailingZeros(value, 6);
}

/** At most `digits` decimals (rounded), trailing zeros dropped. */
function noTrailingZeros(value: number, digits: number): string {
  return String(Number.parseFloat(value.toFixed(digits)));
}

/** At most `digits` decimals (cut, not rounded), trailing zeros dropped. */
function cutTo(value: number, digits: number): string {
  const scale = 10 ** digits;
  return noTrailingZeros(Math.trunc(value * scale) / scale, digits);
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/**
 * SI sizes: below 10 bytes the number as is; else one decimal under 10 of the unit, none above.
 * The unit's exponent comes from floating-point logarithms, as in k6 (so 1e9 bytes reads 1000 MB).
 */
export function humanizeBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const e = Math.floor(Math.log(bytes) / Math.log(1000));
  const shown = Math.floor((bytes / 1000 ** e) * 10 + 0.5) / 10;
  return `${shown.toFixed(shown < 10 ? 1 : 0)} ${BYTE_UNITS[e]}`;
}

const FORCED_UNITS: Record<string, [string, number]> = { s: ['s', 0.001], ms: ['ms', 1], us: ['µs', 1000] };

/** Milliseconds as k6 writes them: a forced unit with two decimals, else ns, µs, ms, s, "1m2s", "1h2m3s" (cut, not rounded). */
export function humanizeDuration(ms: number, unit?: string | null): string {
  const forced = unit ? FORCED_UNITS[unit] : undefined;
  if (forced && Object.hasOwn(FORCED_UNITS, unit as string))
    return `${(ms * forced[1]).toFixed(2)}${forced[0]}`;
  if (ms === 0) return '0s';
  if (ms < 0.001) return `${Math.trunc(ms * 1_000_000)}ns`;
  if (ms < 1) return `${cutTo(ms * 1000, 2)}µs`;
  if (ms < 1000) return `${cutTo(ms, 2)}ms`;
  const seconds = `${cutTo((ms % 60_000) / 1000, ms > 60_000 ? 0 : 2)}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 1) return seconds;
  const hours = Math.trunc(minutes / 60);
  if (hours < 1) return `${minutes % 60}m${seconds}`;
  return `${hours}h${minutes % 60}m${seconds}`;
}
