// The load-soak's steady window: everything after the ramp-up, up to the end of the hold (the
// last full second the fetch VUs were all running, or of fetching if that is later). It never
// ends early because requests stopped completing: a target that stopped answering shows as
// empty seconds in the window, not as a shorter, error-free one. Averages over that window are
// what the published baseline reports.
import type { PublishCycle, SteadyWindow, TimeSeries } from '../record/types.ts';
import { fetchScenario, pointsOf, windowStats } from './window.ts';

/** Seconds from the start of the series until the vus gauge first reaches its maximum. */
export function rampSecondsFromVus(series: TimeSeries): number {
  if (series.vus.length === 0) return 0;
  const max = Math.max(...series.vus.map((v) => v.vus));
  const reached = series.vus.find((v) => v.vus >= max);
  return reached ? reached.t - series.start : 0;
}

function percentile(sorted: number[], p: number): number {
  // Nearest rank: the value below which p % of the cycles fall.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function steadyWindow(
  series: TimeSeries,
  rampSeconds: number,
  publishCycles: PublishCycle[],
): SteadyWindow {
  const scenario = fetchScenario(series);
  const points = pointsOf(series, scenario);
  // The window ends at the last second with fetch requests or with all VUs still running,
  // minus that second (cut short).
  let lastActive = series.start;
  for (let i = points.length - 1; i >= 0; i--) {
    if (points[i].reqs > 0) {
      lastActive = points[i].t;
      break;
    }
  }
  const held = series.vus.length ? Math.max(...series.vus.map((v) => v.vus)) : 0;
  let lastHeld = series.start;
  for (let i = series.vus.length - 1; i >= 0; i--) {
    if (held > 0 && series.vus[i].vus >= held) {
      lastHeld = series.vus[i].t;
      break;
    }
  }
  lastActive = Math.min(series.end, Math.max(lastActive, lastHeld));
  const from = Math.min(series.start + rampSeconds, lastActive);
  const to = Math.max(from, lastActive - 1);
  const stats = windowStats(series, scenario, from, to);
  const fromMs = from * 1000;
  const toMs = (to + 1) * 1000;
  const inWindow = publishCycles.filter(
    (c) => c.start + c.durationMs >= fromMs && c.start + c.durationMs < toMs,
  );
  const completed = inWindow.filter((c) => c.ok);
  const durations = completed.map((c) => c.durationMs).sort((a, b) => a - b);
  const counted = scenario ? `requests of the '${scenario}' scenario` : 'all requests';
  return {
    from,
    to,
    excludedRampSeconds: from - series.start,
    rps: stats.rps,
    avgMs: stats.avgMs,
    p95Ms: stats.p95Ms,
    p99Ms: stats.p99Ms,
    errorRate: stats.errorRate,
    publishCycles: {
      completed: completed.length,
      failed: inWindow.length - completed.length,
      avgMs: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null,
      p95Ms: durations.length ? percentile(durations, 95) : null,
    },
    method:
      `Steady window: from ${from - series.start} s after the start (the ramp-up is excluded) to the end of the hold ` +
      `(the last full second with every VU running or with fetching), ${stats.seconds} s in all, counting ${counted}; latency percentiles from ` +
      `${stats.percentiles === 'histograms' ? 'the merged per-second HDR histograms' : 'request-weighted per-second percentiles'}. ` +
      'Publish cycles are those that ended inside the window.',
  };
}
