// Server-side latency from the stand-in: its proxy's upstream time per second, fetched from the
// stand-in at the end of the run (before it stops) and kept in the run folder. Against a real
// Connect the ALB's TargetResponseTime comes with the CloudWatch node metrics instead.

import { upstreamTimingsPath } from '../../standin/index.ts';
import type { ServerTimings } from '../record/types.ts';

function isTimings(value: unknown): value is ServerTimings {
  const v = value as ServerTimings | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.source === 'standin-proxy' &&
    Array.isArray(v.points) &&
    v.points.every((p) => [p.t, p.count, p.sumMs].every((n) => typeof n === 'number' && Number.isFinite(n)))
  );
}

/** The stand-in's upstream timings, or a sentence saying why there are none. */
export async function fetchStandinTimings(
  url: string,
  apiKey: string,
): Promise<{ timings: ServerTimings } | { problem: string }> {
  try {
    const response = await fetch(`${url}${upstreamTimingsPath}`, {
      headers: { authorization: `Key ${apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) return { problem: `the stand-in answered HTTP ${response.status}` };
    const body: unknown = await response.json();
    return isTimings(body) ? { timings: body } : { problem: 'the stand-in sent something else than timings' };
  } catch (error) {
    return { problem: `the stand-in did not answer (${(error as Error).message})` };
  }
}
