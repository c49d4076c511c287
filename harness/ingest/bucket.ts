// What one second of samples adds up to while its bucket is open, and the whole-run numbers of
// one endpoint. Written out as SeriesPoint / EndpointStats when the bucket is compacted.
import type { SeriesPoint } from '../record/types.ts';
import { type Histogram, newHistogram, percentileMs, recordMs } from './histogram.ts';

/** Request counts and latency of one key (total, a scenario, a name) in one bucket. */
export class KeyStats {
  reqs = 0;
  flagFailed = 0;
  flagSamples = 0;
  statusFailed = 0;
  count = 0;
  sum = 0;
  max = 0;
  hist: Histogram | null = null;

  addDuration(ms: number): void {
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    if (!this.hist) this.hist = newHistogram();
    recordMs(this.hist, ms);
  }

  /** http_req_failed when the run emitted it, else status >= 400 or 0. */
  failed(): number {
    return this.flagSamples > 0 ? this.flagFailed : this.statusFailed;
  }
}

export class Bucket {
  total = new KeyStats();
  byScenario = new Map<string, KeyStats>();
  byName = new Map<string, KeyStats>();
  vus: number[] = [];
  vusMax: number[] = [];
  sent = 0;
  received = 0;
  flagErrorsByStatus = new Map<string, number>();
  flagErrorsByCode = new Map<string, number>();
  statusErrorsByStatus = new Map<string, number>();
  statusErrorsByCode = new Map<string, number>();
  flagSamples = 0;

  constructor(readonly t: number) {}
}

/** The whole-run numbers of one endpoint: the same counts as a bucket key, plus its labels. */
export class EndpointAccumulator extends KeyStats {
  constructor(
    readonly name: string,
    readonly scenario: string,
    readonly method: string,
  ) {
    super();
  }
}

export function inc(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export function keyStats(map: Map<string, KeyStats>, key: string): KeyStats {
  let stats = map.get(key);
  if (!stats) {
    stats = new KeyStats();
    map.set(key, stats);
  }
  return stats;
}

export function point(t: number, stats: KeyStats | undefined): SeriesPoint {
  if (!stats || stats.count === 0) {
    return {
      t,
      reqs: stats?.reqs ?? 0,
      failed: stats?.failed() ?? 0,
      avg: null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      max: null,
    };
  }
  const h = stats.hist!;
  return {
    t,
    reqs: stats.reqs,
    failed: stats.failed(),
    avg: stats.sum / stats.count,
    p50: percentileMs(h, 50),
    p90: percentileMs(h, 90),
    p95: percentileMs(h, 95),
    p99: percentileMs(h, 99),
    max: stats.max,
  };
}

export function emptyPoint(t: number): SeriesPoint {
  return { t, reqs: 0, failed: 0, avg: null, p50: null, p90: null, p95: null, p99: null, max: null };
}
