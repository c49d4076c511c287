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

/** The line k6 prints when the test has ended: `running (0m05.0s), 0/3 VUs, 4 complete and 3 interrupted iterations`. */
export function endLine(p: Progress): string {
  return `running (${clock(p.elapsedMs)}), ${p.vus}/${p.vusMax} VUs, ${iterationCounts(p)}`;
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
