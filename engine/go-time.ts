// Go's time.Time JSON form, for sample times and a Date in setup() data: RFC3339 with up to nine
// fractional digits (trailing zeros trimmed, no dot when zero) and the local zone offset, or "Z"
// when the offset is zero.
//
// Sample times are epoch milliseconds as a double, which near today's epoch resolves about
// 0.25 µs, so the last two nanosecond digits carry the double's exact value, not a measurement.
// The date/time-to-the-minute prefix is cached per minute: samples arrive in time order, so the
// costly local-time computation runs about once a minute instead of once per line.

let cachedMinute = Number.NaN;
let cachedPrefix = '';
let cachedZone = '';

export function goTime(epochMs: number): string {
  let ms = Math.floor(epochMs);
  let subMsNanos = Math.round((epochMs - ms) * 1e6);
  if (subMsNanos === 1e6) {
    ms += 1;
    subMsNanos = 0;
  }
  const minute = Math.floor(ms / 60_000);
  if (minute !== cachedMinute) {
    const d = new Date(minute * 60_000);
    cachedPrefix =
      `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}` +
      `T${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:`;
    cachedZone = zone(d.getTimezoneOffset());
    cachedMinute = minute;
  }
  const msInMinute = ms - minute * 60_000;
  const nanos = (msInMinute % 1000) * 1e6 + subMsNanos;
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return cachedPrefix + pad(Math.floor(msInMinute / 1000), 2) + fraction + cachedZone;
}

function zone(offsetMinutesWest: number): string {
  if (offsetMinutesWest === 0) return 'Z';
  const east = -offsetMinutesWest;
  const abs = Math.abs(east);
  return `${east < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
