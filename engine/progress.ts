// The live view of a running test: one Progress value per second for the library's onProgress,
// rendered as a single rewritten line on a TTY or a plain line every 10 s elsewhere.
import { formatDuration } from './metrics/time.ts';

export interface ScenarioProgress {
  name: string;
  executor: string;
  elapsedMs: number;
  plannedMs: number;
  vus: number;
  iterations: number;
  /** Iterations cut short by the end of the scenario, a ramp-down or a stop (k6's "interrupted"). */
  interrupted: number;
}

export interface Progress {
  scenarios: ScenarioProgress[];
  elapsedMs: number;
  plannedMs: number;
  vus: number;
  vusMax: number;
  iterations: number;
  /**
   * Iterations cut short (k6's "interrupted"): not counted in `iterations` nor in the `iterations`
   * metric. Absent when unknown (a k6 binary's samples do not tell).
   */
  interrupted?: number;
  requests: number;
  /** Requests per second over the last few seconds. */
  reqPerSec: number;
  /** Failed requests (network errors, unexpected statuses) plus iterations that threw. */
  errors: number;
}

function clock(ms: number): string {
  return formatDuration(Math.round(ms / 100) * 100).replace(/(\.\d)\d*s$/, '$1s');
}

export function progressLine(p: Progress): string {
  const names = p.scenarios.length === 1 ? p.scenarios[0].name : `${p.scenarios.length} scenarios`;
  return (
    `running (${clock(p.elapsedMs)}/${clock(p.plannedMs)}) ${names}: ` +
    `${p.vus}/${p.vusMax} VUs, ${iterationCounts(p)}, ` +
    `${p.reqPerSec.toFixed(1)} req/s, ${p.errors} errors`
  );
}

/** k6's wording: "5 complete and 2 interrupted iterations". */
function iterationCounts(p: Progress): string {
  if (p.interrupted === undefined) return `${p.iterations} complete iterations`;
  return `${p.iterations} complete and ${p.interrupted} interrupted iterations`;
}

/**
 * The line k6 prints when the test has ended, with k6's fixed widths (grafana/k6
 * internal/execution/scheduler.go getRunStats and internal/ui/pb/helpers.go): the time as long as
 * the plan's longest (`maxMs`, graceful stops included) needs, the VU counts zero-padded to the
 * digits of the most VUs the plan can use: `running (0m35.0s), 00/10 VUs, 4 complete and 3
 * interrupted iterations`.
 */
export function endLine(p: Progress, plan: { maxMs: number; maxVUs: number }): string {
  const width = String(Math.max(0, Math.trunc(plan.maxVUs))).length;
  const pad = (n: number) => String(n).padStart(width, '0');
  return `running (${fixedDuration(p.elapsedMs, plan.maxMs)}), ${pad(p.vus)}/${pad(p.vusMax)} VUs, ${iterationCounts(p)}`;
}

/**
 * A duration to the tenth of a second, as wide as `maxMs` needs (k6's GetFixedLengthDuration):
 * `5.0s` under 10 s, `05.0s` under a minute, `0m05.0s` under 10 minutes, `00m05.0s` under an hour,
 * then `0h00m05.0s`, `00h…`, and days.
 */
export function fixedDuration(ms: number, maxMs: number): string {
  const tenths = Math.round(Math.abs(ms) / 100);
  const max = Math.round(Math.max(Math.abs(maxMs), Math.abs(ms)) / 100) * 100;
  const t = tenths % 10;
  const totalSeconds = Math.floor(tenths / 10);
  const s = totalSeconds % 60;
  const totalMinutes = Math.floor(totalSeconds / 60);
  const m = totalMinutes % 60;
  const totalHours = Math.floor(totalMinutes / 60);
  const h = totalHours % 24;
  const days = Math.floor(totalHours / 24);
  const two = (n: number) => String(n).padStart(2, '0');
  const sec = `${two(s)}.${t}s`;
  if (max < 10_000) return sec.slice(1);
  if (max < 60_000) return sec;
  const min = `${two(m)}m${sec}`;
  if (max < 600_000) return min.slice(1);
  if (max < 3_600_000) return min;
  const hours = `${two(h)}h${min}`;
  if (max < 36_000_000) return hours.slice(1);
  if (max < 86_400_000) return hours;
  // Days: at least one digit, one more for each power of ten of 10-day spans in the maximum.
  let digits = 1;
  for (let spans = Math.floor(max / 864_000_000); spans > 0; spans = Math.floor(spans / 10)) digits++;
  return `${String(days).padStart(digits, '0')}d${hours}`;
}

/** Keeps the last seconds of request counts to give a recent req/s. */
export class RecentRate {
  private readonly points: Array<[number, number]> = [];
  constructor(private readonly windowMs = 3000) {}

  rate(now: number, total: number): number {
    this.points.push([now, total]);
    // Keep the newest point at least a window old: when calls come further apart than the window
    // (a busy process), the rate spans the gap instead of falling to 0.
    while (this.points.length > 2 && now - this.points[1][0] >= this.windowMs) this.points.shift();
    const [t0, n0] = this.points[0];
    return now > t0 ? ((total - n0) * 1000) / (now - t0) : 0;
  }
}
