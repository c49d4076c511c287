// Server-side time per request, as the stand-in's proxy sees it: from the moment a content request
// reaches the proxy until the app's answer is complete (the part of the client's latency the
// "server" owns; the rest is network and load generator). Kept per second as count, sum and p95,
// so memory grows with the run's length in seconds, not with its requests. Served as JSON at
// GET /__standin__/upstream-timings (with the API key) for the harness to merge on the run's time
// axis, like the ALB's TargetResponseTime against a real Connect.

export interface UpstreamSecond {
  /** Epoch seconds. */
  t: number;
  count: number;
  sumMs: number;
  p95Ms: number;
}

export interface UpstreamTimingsSnapshot {
  source: 'standin-proxy';
  description: string;
  periodSeconds: 1;
  points: UpstreamSecond[];
}

/** Seconds kept; a day at one point per second is a few MB. */
const MAX_SECONDS = 86_400;

function p95(values: number[]): number {
  values.sort((a, b) => a - b);
  return values[Math.max(0, Math.ceil(0.95 * values.length) - 1)];
}

export class UpstreamTimings {
  private readonly done: UpstreamSecond[] = [];
  private second = -1;
  private values: number[] = [];

  /** One request's upstream time, ending now. */
  record(ms: number, nowMs = Date.now()): void {
    const t = Math.floor(nowMs / 1000);
    if (t !== this.second) this.close(t);
    this.values.push(ms);
  }

  private close(next: number): void {
    if (this.values.length > 0) {
      let sum = 0;
      for (const v of this.values) sum += v;
      this.done.push({ t: this.second, count: this.values.length, sumMs: sum, p95Ms: p95(this.values) });
      if (this.done.length > MAX_SECONDS) this.done.shift();
    }
    this.second = next;
    this.values = [];
  }

  snapshot(): UpstreamTimingsSnapshot {
    const open =
      this.values.length > 0
        ? [
            {
              t: this.second,
              count: this.values.length,
              sumMs: this.values.reduce((a, b) => a + b, 0),
              p95Ms: p95([...this.values]),
            },
          ]
        : [];
    return {
      source: 'standin-proxy',
      description:
        "the stand-in proxy's upstream time per content request: from the request reaching the proxy to the app's complete answer",
      periodSeconds: 1,
      points: [...this.done, ...open],
    };
  }
}
