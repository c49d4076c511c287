// Numbers the way a person reads them in a terminal: "223.4ms", "1m2s", "1.2 MB", "95.00%".

/** Up to two decimals, trailing zeros dropped: 1.20 → "1.2", 3.00 → "3". */
export function twoDecimals(n: number): string {
  return n.toFixed(2).replace(/\.?0+$/, '');
}

/**
 * A millisecond value as µs, ms, s, "1m2s" or "1h2m3s"; `unit` (s, ms, us) forces one unit, with
 * exactly two decimals as k6's humanizeDuration (grafana/k6 internal/js/summary.js: toFixed(2)).
 */
export function humanDuration(ms: number, unit = ''): string {
  if (unit === 's') return `${(ms / 1000).toFixed(2)}s`;
  if (unit === 'ms') return `${ms.toFixed(2)}ms`;
  if (unit === 'us') return `${(ms * 1000).toFixed(2)}µs`;
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1) return `${sign}${twoDecimals(abs * 1000)}µs`;
  if (abs < 1000) return `${sign}${twoDecimals(abs)}ms`;
  if (abs < 60_000) return `${sign}${twoDecimals(abs / 1000)}s`;
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = twoDecimals((abs % 60_000) / 1000);
  return hours > 0 ? `${sign}${hours}h${minutes}m${seconds}s` : `${sign}${minutes}m${seconds}s`;
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal (SI) sizes with one decimal below 10 of a unit: "512 B", "1.2 MB", "120 kB". */
export function humanBytes(bytes: number): string {
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const sign = bytes < 0 ? '-' : '';
  if (unit === 0) return `${sign}${Math.round(value)} B`;
  return `${sign}${value < 10 ? value.toFixed(1) : Math.round(value)} ${BYTE_UNITS[unit]}`;
}

export function percent(ratio: number): string {
  // k6 truncates, it does not round (grafana/k6 internal/js/summary.js, humanizeValue): 2/3 is 66.66%.
  return `${(Math.trunc(ratio * 100 * 100) / 100).toFixed(2)}%`;
}

/**
 * A plain number as k6's toFixedNoTrailingZeros(val, 6): at most six decimals, trailing zeros
 * dropped (123456.789 stays whole, 0.00012345 is 0.000123).
 */
export function plainNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number.parseFloat(n.toFixed(6)));
}
