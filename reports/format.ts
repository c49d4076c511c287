// Numbers and times as a person reads them: 1,618 req/s; 223 ms; 0.00 %; 30 min 12 s.
// Every formatter takes null/undefined/NaN and answers an em dash, so templates never print "NaN".

const dash = '—';

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function grouped(value: number, decimals: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** 1,618 (no decimals). */
export function formatCount(value: number | null | undefined): string {
  return isNumber(value) ? grouped(Math.round(value), 0) : dash;
}

/** Plain number with sensible precision: 1,618 / 12.4 / 0.53. */
export function formatNumber(value: number | null | undefined): string {
  if (!isNumber(value)) return dash;
  const size = Math.abs(value);
  return grouped(value, size >= 100 || size === 0 ? 0 : size >= 10 ? 1 : 2);
}

/** Requests per second: 1,618 req/s. */
export function formatRps(value: number | null | undefined): string {
  return isNumber(value) ? `${formatNumber(value)} req/s` : dash;
}

/** Milliseconds: 223 ms, 12.4 ms, 0.85 ms. */
export function formatMs(value: number | null | undefined): string {
  return isNumber(value) ? `${formatNumber(value)} ms` : dash;
}

/** A fraction 0..1 as a percentage with two decimals: 0.00 %. */
export function formatRate(value: number | null | undefined): string {
  return isNumber(value) ? `${grouped(value * 100, 2)} %` : dash;
}

/** A value already in percent (CPU %): 42.5 %. */
export function formatPercent(value: number | null | undefined): string {
  return isNumber(value) ? `${grouped(value, 1)} %` : dash;
}

const byteUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1.5 GiB. */
export function formatBytes(value: number | null | undefined): string {
  if (!isNumber(value)) return dash;
  let size = value;
  let unit = 0;
  while (Math.abs(size) >= 1024 && unit < byteUnits.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${grouped(size, unit === 0 ? 0 : 1)} ${byteUnits[unit]}`;
}

/** Seconds as 45 s, 3 min 05 s, 1 h 02 min. */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isNumber(seconds)) return dash;
  if (seconds < 60) return `${formatNumber(seconds)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s).padStart(2, '0')} s`;
}

/** Elapsed seconds as a clock: 3:25, 1:02:05. */
export function formatClock(seconds: number | null | undefined): string {
  if (!isNumber(seconds)) return dash;
  const total = Math.round(Math.abs(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  const sign = seconds < 0 ? '−' : '';
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${s}` : `${sign}${m}:${s}`;
}

/** A step or cycle time: 339 ms below a second, 10.16 s above. */
export function formatStepTime(ms: number | null | undefined): string {
  if (!isNumber(ms)) return dash;
  return ms < 1000 ? formatMs(ms) : `${grouped(ms / 1000, 2)} s`;
}

/** ISO time as `2026-11-27 08:00:00 UTC`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return dash;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A value in the unit a verdict check or a chart axis names. */
export function formatByUnit(value: number | null | undefined, unit: string): string {
  switch (unit) {
    case 'req/s':
      return formatRps(value);
    case 'ms':
      return formatMs(value);
    case 'rate':
      return formatRate(value);
    case 'percent':
      return formatPercent(value);
    case 'bytes':
      return formatBytes(value);
    case 'bytes/s':
      return isNumber(value) ? `${formatBytes(value)}/s` : dash;
    case 'seconds':
      return formatDuration(value);
    case 'vus':
      return isNumber(value) ? `${formatCount(value)} VUs` : dash;
    default:
      return formatNumber(value);
  }
}

/** Signed change, e.g. `+12.3 %`, for comparisons. */
export function formatChange(fraction: number | null | undefined): string {
  if (!isNumber(fraction)) return dash;
  const sign = fraction > 0 ? '+' : fraction < 0 ? '−' : '±';
  return `${sign}${grouped(Math.abs(fraction) * 100, 1)} %`;
}
