// The verdict against the published baseline (1618 req/s, 223 ms average fetch latency, 0 %
// errors): throughput at least minRpsFraction of it, average latency at most maxLatencyFraction
// of it, error rate at most maxErrorRate.
import type { Baseline, BaselineVerdict, VerdictCheck } from '../record/types.ts';

export interface Measured {
  rps: number;
  avgMs: number;
  errorRate: number;
}

export type Tolerances = Baseline['tolerances'];

/** Absorbs floating-point noise so that a value exactly at the limit passes (1618 × 0.9 …). */
const EPSILON = 1e-9;

export const standinNote =
  'The target is the local Connect stand-in on this machine, not Posit Connect on the reference ' +
  'architecture (EKS, ALB, RDS PostgreSQL, EFS), so these numbers are not comparable to the ' +
  'published baseline; the checks are shown for orientation only.';

export function baselineVerdict(
  measured: Measured,
  baseline: Baseline,
  tolerances: Partial<Tolerances> = {},
  comparable = true,
  context = 'the load test',
): BaselineVerdict {
  const t = { ...baseline.tolerances, ...tolerances };
  const minRps = baseline.rps * t.minRpsFraction;
  const maxLatency = baseline.avgLatencyMs * t.maxLatencyFraction;
  const pct = (f: number) => `${+(f * 100).toFixed(3)} %`;
  const checks: VerdictCheck[] = [
    {
      name: 'throughput',
      measured: measured.rps,
      baseline: baseline.rps,
      limit: minRps,
      comparison: '>=',
      ok: measured.rps >= minRps * (1 - EPSILON),
      description: `Requests per second of ${context} at least ${pct(t.minRpsFraction)} of the published ${baseline.rps} req/s`,
    },
    {
      name: 'latency_avg',
      measured: measured.avgMs,
      baseline: baseline.avgLatencyMs,
      limit: maxLatency,
      comparison: '<=',
      ok: measured.avgMs <= maxLatency * (1 + EPSILON),
      description: `Average fetch latency of ${context} at most ${pct(t.maxLatencyFraction)} of the published ${baseline.avgLatencyMs} ms`,
    },
    {
      name: 'error_rate',
      measured: measured.errorRate,
      baseline: baseline.errorRate,
      limit: t.maxErrorRate,
      comparison: '<=',
      ok: measured.errorRate <= t.maxErrorRate + EPSILON * t.maxErrorRate,
      description: `Failed requests at most ${pct(t.maxErrorRate)} (published: ${pct(baseline.errorRate)})`,
    },
  ];
  const ok = checks.every((c) => c.ok);
  const failed = checks.filter((c) => !c.ok).map((c) => c.name);
  let note: string;
  if (!comparable) note = standinNote;
  else if (ok) note = `Within the published baseline's tolerances (${baseline.source.title}).`;
  else
    note = `Outside the published baseline's tolerances on ${failed.join(', ')} (${baseline.source.title}).`;
  return { ok, comparable, note, checks };
}
