// Saturation point of a scalability run (the stepped ramp): find the VU levels that were held,
// measure each level's steady throughput and latency, and name the smallest level whose
// throughput reaches `thresholdFraction` (95 %) of the best level's.
import type { LevelStats, Saturation, TimeSeries } from '../record/types.ts';
import { fitUsl } from './usl.ts';
import { fetchScenario, windowStats } from './window.ts';

export interface SaturationOptions {
  /** A VU count held at least this long (seconds) is a level. */
  minHoldSeconds?: number;
  /** Seconds dropped after each step change before measuring (capped at a third of the hold). */
  settleSeconds?: number;
  thresholdFraction?: number;
  /** VUs in the vus gauge that do not fetch (the publisher's one VU), subtracted from each level. */
  otherVus?: number;
  /** Scenario to measure; default `fetchers`, else the only scenario, else all requests. */
  scenario?: string | null;
}

interface Plateau {
  vus: number;
  from: number;
  to: number;
}

/** Runs of equal VU counts at least `minHold` seconds long; runs of 0 VUs are not levels. */
export function findPlateaus(vus: TimeSeries['vus'], minHold: number): Plateau[] {
  const plateaus: Plateau[] = [];
  let i = 0;
  while (i < vus.length) {
    let j = i;
    while (j + 1 < vus.length && vus[j + 1].vus === vus[i].vus && vus[j + 1].t === vus[j].t + 1) j++;
    const length = vus[j].t - vus[i].t + 1;
    if (vus[i].vus > 0 && length >= minHold) plateaus.push({ vus: vus[i].vus, from: vus[i].t, to: vus[j].t });
    i = j + 1;
  }
  return plateaus;
}

/**
 * The hold of a stepped ramp as the samples show it: the longest run of one VU count with
 * fetchers in it (more than `otherVus`, the publisher).
 * Ingested results carry no plan, so this stands in for the plan's hold time.
 */
export function longestHold(vus: TimeSeries['vus'], otherVus = 0): number {
  return findPlateaus(vus, 1)
    .filter((p) => p.vus - otherVus > 0)
    .reduce((longest, p) => Math.max(longest, p.to - p.from + 1), 0);
}

export function saturationPoint(series: TimeSeries, options: SaturationOptions = {}): Saturation {
  const minHold = options.minHoldSeconds ?? 10;
  const settle = options.settleSeconds ?? 5;
  const fraction = options.thresholdFraction ?? 0.95;
  const otherVus = options.otherVus ?? 0;
  const scenario = options.scenario === undefined ? fetchScenario(series) : options.scenario;
  const levels: LevelStats[] = [];
  for (const plateau of findPlateaus(series.vus, minHold)) {
    // The publisher alone (before the ramp, or finishing its cycle after it) is not a level.
    if (plateau.vus - otherVus <= 0) continue;
    const length = plateau.to - plateau.from + 1;
    const drop = Math.min(settle, Math.floor(length / 3));
    // The last second of a level is cut short by the next step: leave it out as well.
    const stats = windowStats(series, scenario, plateau.from + drop, plateau.to - 1);
    const level: LevelStats = {
      vus: plateau.vus - otherVus,
      from: stats.from,
      to: stats.to,
      rps: stats.rps,
      avgMs: stats.avgMs,
      p95Ms: stats.p95Ms,
      errorRate: stats.errorRate,
    };
    // A level seen twice (ramp down and up again) keeps its first, longer measurement.
    if (!levels.some((l) => l.vus === level.vus)) levels.push(level);
  }
  levels.sort((a, b) => a.vus - b.vus);
  const counted = scenario ? `requests of the '${scenario}' scenario` : 'all requests';
  const method =
    `Levels are VU counts held for at least ${minHold} s (vus gauge${otherVus ? `, minus ${otherVus} publisher VU` : ''}); ` +
    `each level's throughput and latency are measured over its hold without its first ${settle} s ` +
    `(at most a third of the hold) and its last second, counting ${counted}. ` +
    `Saturation is the smallest level reaching ${Math.round(fraction * 100)} % of the peak throughput; ` +
    'with three levels or more the Universal Scalability Law is fitted as well, and its N* is used when the fit is good.';
  if (levels.length === 0) {
    return {
      method,
      levels,
      peakRps: 0,
      saturationVus: null,
      thresholdFraction: fraction,
      saturated: false,
      note: `No VU level was held for ${minHold} s or more, so there is no saturation point; run the scalability test with its stepped ramp.`,
      scenario: scenario ?? undefined,
    };
  }
  const peakRps = Math.max(...levels.map((l) => l.rps));
  const index = levels.findIndex((l) => l.rps >= fraction * peakRps);
  const chosen = levels[index];
  const highest = levels.length - 1;
  let saturated = true;
  let note = `Throughput stops rising at ${chosen.vus} VUs (${chosen.rps.toFixed(1)} req/s, ${Math.round((100 * chosen.rps) / peakRps)} % of the peak ${peakRps.toFixed(1)} req/s).`;
  if (levels.length === 1) {
    saturated = false;
    note = `Only one VU level (${chosen.vus}) was held, so saturation cannot be told; it is reported as that level.`;
  } else if (index === highest) {
    saturated = false;
    note = `Not saturated: throughput was still rising at the highest level (${chosen.vus} VUs, ${chosen.rps.toFixed(1)} req/s); raise the top level (--vus) to find the saturation point.`;
  }
  const usl = fitUsl(levels);
  return {
    method,
    levels,
    peakRps,
    saturationVus: chosen.vus,
    thresholdFraction: fraction,
    saturated,
    note,
    scenario: scenario ?? undefined,
    ...(usl ? { usl } : {}),
  };
}
