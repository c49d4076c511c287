// Server-side latency next to the client's: the stand-in proxy's upstream time (per second), or the
// ALB's TargetResponseTime from CloudWatch (per minute, average only) against a real Connect.
// Over a window the average is request-weighted; the p95 of the stand-in is the request-weighted
// mean of its per-second p95s (an approximation, and said so).
import type { NodeMetrics, ServerTimings } from '../record/types.ts';

/** ALB TargetResponseTime (average, seconds) and RequestCount from the CloudWatch node metrics. */
export function albTimings(nodeMetrics: NodeMetrics | null | undefined): ServerTimings | null {
  if (nodeMetrics?.source !== 'cloudwatch') return null;
  const time = nodeMetrics.series.find((s) => s.metric === 'alb_target_response_time_seconds');
  if (!time) return null;
  const requests = nodeMetrics.series.find((s) => s.metric === 'alb_requests');
  const counts = new Map((requests?.points ?? []).map((p) => [p.t, p.v]));
  const points: ServerTimings['points'] = [];
  for (const p of time.points) {
    if (p.v === null) continue;
    // Without the request count, each minute counts once: still an average of the minutes.
    const count = counts.get(p.t) ?? 1;
    if (!count) continue;
    points.push({ t: p.t, count, sumMs: p.v * 1000 * count, p95Ms: null });
  }
  if (!points.length) return null;
  return {
    source: 'alb',
    description:
      "the ALB's TargetResponseTime (average per minute, all requests to the target group, the publisher's included)",
    periodSeconds: nodeMetrics.periodSeconds || 60,
    points,
  };
}

export interface ServerWindow {
  avgMs: number;
  p95Ms: number | null;
  source: string;
}

/** Server figures over [from, to] (epoch seconds, inclusive); periods that overlap the window count. */
export function serverWindow(timings: ServerTimings | null, from: number, to: number): ServerWindow | null {
  if (!timings) return null;
  const period = timings.periodSeconds || 1;
  const inside = timings.points.filter((p) => p.t + period > from && p.t <= to && p.count > 0);
  const count = inside.reduce((n, p) => n + p.count, 0);
  if (count === 0) return null;
  const avgMs = inside.reduce((s, p) => s + p.sumMs, 0) / count;
  const withP95 = inside.filter((p) => p.p95Ms !== null);
  const p95Count = withP95.reduce((n, p) => n + p.count, 0);
  const p95Ms = p95Count > 0 ? withP95.reduce((s, p) => s + p.p95Ms! * p.count, 0) / p95Count : null;
  const p95Note = p95Ms === null ? '' : '; p95 is the request-weighted mean of the per-second p95s';
  return { avgMs, p95Ms, source: `${timings.description}${p95Note}` };
}
