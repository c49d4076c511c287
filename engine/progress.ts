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
}

export interface Progress {
  scenarios: ScenarioProgress[];
  elapsedMs: number;
  plannedMs: number;
  vus: number;
  vusMax: number;
  iterations: number;
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
    `${p.vus}/${p.vusMax} VUs, ${p.iterations} complete iterations, ` +
    `${p.reqPerSec.toFixed(1)} req/s, ${p.errors} errors`
  );
}

/** Keeps the last seconds of request counts to give a recent req/s. */
export class RecentRate {
  private readonly points: Array<[number, number]> = [];
  constructor(private readonly windowMs = 3000) {}

  rate(now: number, total: number): number {
    this.points.push([now, total]);
    while (this.points.length > 1 && now - this.points[0][0] > this.windowMs) this.points.shift();
    const [t0, n0] = this.points[0];
    return now > t0 ? ((total - n0) * 1000) / (now - t0) : 0;
  }
}
