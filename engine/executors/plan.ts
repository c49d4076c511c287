// What k6 prints about the scenarios before a run (grafana/k6 internal/cmd/ui.go,
// printExecutionDescription): each scenario's one-line description (lib/executor/*.go,
// GetDescription), the most VUs the test may need at once and how long it may last, both worked out
// from each executor's VU needs over time (GetExecutionRequirements, lib/helpers.go
// GetMaxPossibleVUs and GetEndOffset).
import { goDuration, type ScenarioConfig } from '../options.ts';
import { scaleBy } from '../segments.ts';
import { segmentSteps, vuSteps } from './ramping-vus.ts';

interface Need {
  atMs: number;
  vus: number;
}

const stagesMs = (stages: Array<{ durationMs: number }>) =>
  stages.reduce((sum, st) => sum + st.durationMs, 0);

/**
 * ramping-vus: the VUs the stages plan at each moment, held for gracefulRampDown after each drop
 * (k6 keeps a VU above a lowered target until its iteration ends or gracefulRampDown passes).
 */
function rampingNeeds(s: Extract<ScenarioConfig, { executor: 'ramping-vus' }>): Need[] {
  const all = vuSteps(s.startVUs, s.stages);
  const raw = s.segment ? segmentSteps(all, s.segment.vus) : all;
  const end = stagesMs(s.stages) + s.gracefulStopMs;
  const hold = s.gracefulRampDownMs;
  const at = (t: number) => {
    let most = 0;
    for (let i = 0; i < raw.length; i++) {
      const from = raw[i].atMs;
      const to = i + 1 < raw.length ? raw[i + 1].atMs : Number.POSITIVE_INFINITY;
      // The step's value counts at t when the step held at some moment of [t - hold, t].
      if (from <= t && to > t - hold) most = Math.max(most, raw[i].vus);
    }
    return most;
  };
  const times = [...new Set(raw.flatMap((st) => [st.atMs, st.atMs + hold]))]
    .filter((t) => t < end)
    .sort((a, b) => a - b);
  const needs: Need[] = times.map((t) => ({ atMs: t, vus: at(t) }));
  needs.push({ atMs: end, vus: 0 });
  return needs;
}

/** The VUs a scenario may use over time, from its own start; the last entry is its end (0 VUs). */
function needsOf(s: ScenarioConfig): Need[] {
  switch (s.executor) {
    case 'shared-iterations':
    case 'per-vu-iterations':
      return [
        { atMs: 0, vus: s.vus },
        { atMs: s.maxDurationMs + s.gracefulStopMs, vus: 0 },
      ];
    case 'constant-vus':
      return [
        { atMs: 0, vus: s.vus },
        { atMs: s.durationMs + s.gracefulStopMs, vus: 0 },
      ];
    case 'constant-arrival-rate':
      return [
        { atMs: 0, vus: s.maxVUs },
        { atMs: s.durationMs + s.gracefulStopMs, vus: 0 },
      ];
    case 'ramping-arrival-rate':
      return [
        { atMs: 0, vus: s.maxVUs },
        { atMs: stagesMs(s.stages) + s.gracefulStopMs, vus: 0 },
      ];
    case 'ramping-vus':
      return rampingNeeds(s);
  }
}

/** The most VUs the scenarios may need at one moment, and when the last one may end (ms). */
export function executionPlan(scenarios: ScenarioConfig[]): { maxVUs: number; endMs: number } {
  const plans = scenarios.map((s) => ({ start: s.startTimeMs, needs: needsOf(s) }));
  const vusAt = (t: number) =>
    plans.reduce((sum, p) => {
      let v = 0;
      for (const n of p.needs) if (p.start + n.atMs <= t) v = n.vus;
      return sum + v;
    }, 0);
  let maxVUs = 0;
  let endMs = 0;
  for (const p of plans) {
    for (const n of p.needs) maxVUs = Math.max(maxVUs, vusAt(p.start + n.atMs));
    endMs = Math.max(endMs, p.start + p.needs[p.needs.length - 1].atMs);
  }
  return { maxVUs, endMs };
}

/** Go's %.2f. */
const twoDecimals = (n: number) => n.toFixed(2);

/**
 * k6's description of one scenario, e.g. `10 iterations for each of 2 VUs (maxDuration: 10m0s,
 * gracefulStop: 30s)`. `execSet`: the scenario names `exec` itself (k6 shows it only then);
 * `segment`: the share of the test this instance runs (1 without an execution segment);
 * `wholeMaxVUs`: constant-arrival-rate's maxVUs before the segment cut it.
 */
export function describeScenario(
  s: ScenarioConfig,
  execSet: boolean,
  segment = 1,
  wholeMaxVUs?: number,
): string {
  const base = (...facts: string[]) => {
    if (execSet) facts.push(`exec: ${s.exec}`);
    if (s.startTimeMs > 0) facts.push(`startTime: ${goDuration(s.startTimeMs)}`);
    if (s.gracefulStopMs > 0) facts.push(`gracefulStop: ${goDuration(s.gracefulStopMs)}`);
    return facts.length ? ` (${facts.join(', ')})` : '';
  };
  const vuRange = (pre: number, max: number) => `maxVUs: ${pre}${max > pre ? `-${max}` : ''}`;
  switch (s.executor) {
    case 'shared-iterations':
      return `${s.iterations} iterations shared among ${s.vus} VUs${base(`maxDuration: ${goDuration(s.maxDurationMs)}`)}`;
    case 'per-vu-iterations':
      return `${s.iterations} iterations for each of ${s.vus} VUs${base(`maxDuration: ${goDuration(s.maxDurationMs)}`)}`;
    case 'constant-vus':
      return `${s.vus} looping VUs for ${goDuration(s.durationMs)}${base()}`;
    case 'ramping-vus': {
      const most = Math.max(s.startVUs, ...s.stages.map((st) => st.target));
      const vus = s.segment ? scaleBy(s.segment.vus, most) : most;
      return `Up to ${vus} looping VUs for ${goDuration(stagesMs(s.stages))} over ${s.stages.length} stages${base(
        `gracefulRampDown: ${goDuration(s.gracefulRampDownMs)}`,
      )}`;
    }
    case 'constant-arrival-rate': {
      const share = s.maxVUs === 0 ? 0 : s.maxVUs / (wholeMaxVUs ?? s.maxVUs);
      const perSecond = ((s.rate * 1000) / s.timeUnitMs) * share;
      return `${twoDecimals(perSecond)} iterations/s for ${goDuration(s.durationMs)}${base(vuRange(s.preAllocatedVUs, s.maxVUs))}`;
    }
    case 'ramping-arrival-rate': {
      const most = Math.max(s.startRate, ...s.stages.map((st) => st.target));
      const perSecond = ((most * 1000) / s.timeUnitMs) * segment;
      return `Up to ${twoDecimals(perSecond)} iterations/s for ${goDuration(stagesMs(s.stages))} over ${s.stages.length} stages${base(
        vuRange(s.preAllocatedVUs, s.maxVUs),
      )}`;
    }
  }
}
