// The load shapes of the two entries, per profile, as k6 `options`. Pure (no k6 imports) so the
// harness can compute the same plan (level windows, ramp to exclude) and the tests can check it.
//
// reference  Posit's published test: fetchers ramp in steps past saturation (scalability), then
//            30 minutes at 400 VUs (load-soak), one publisher VU alongside.
// local      the same shapes sized to a 2-core machine running the stand-in, about 3 minutes.
// smoke      seconds; proves the pipeline works end to end.

import { formatDuration, parseDuration } from './durations.ts';

export type ProfileName = 'reference' | 'local' | 'smoke';
export const PROFILES: readonly ProfileName[] = ['reference', 'local', 'smoke'];

export type Env = Record<string, string | undefined>;

interface ScalabilityShape {
  /** Fetcher VU levels, strictly increasing; MAX_VUS extends them by the last increment. */
  levels: number[];
  rampSeconds: number;
  holdSeconds: number;
}

interface LoadSoakShape {
  vus: number;
  rampSeconds: number;
  holdSeconds: number;
}

interface ProfileShape {
  scalability: ScalabilityShape;
  loadSoak: LoadSoakShape;
  /** Time a publish cycle in flight gets to finish after the fetchers stop. */
  publisherGracefulStop: string;
  /** p(95) limit of fetch latency in ms, per entry. */
  fetchP95Ms: { scalability: number; loadSoak: number };
}

const SHAPES: Record<ProfileName, ProfileShape> = {
  reference: {
    // 12 levels × (30 s ramp + 2 min hold) = 30 min; 600 is past the published saturation (400).
    scalability: { levels: range(50, 600, 50), rampSeconds: 30, holdSeconds: 120 },
    // 2 min ramp (3.3 VUs/s), then the published 30 minutes at 400 VUs.
    loadSoak: { vus: 400, rampSeconds: 120, holdSeconds: 1800 },
    // A redeploy on real Connect restores packages from cache: tens of seconds, rarely minutes.
    publisherGracefulStop: '3m',
    // Published average is 223 ms at 400 VUs; past saturation (scalability) latency keeps rising.
    fetchP95Ms: { scalability: 3000, loadSoak: 1000 },
  },
  local: {
    // 6 levels × (5 s ramp + 25 s hold) = 3 min; a 2-core box saturates around 8–16 VUs.
    scalability: { levels: [2, 4, 8, 16, 24, 32], rampSeconds: 5, holdSeconds: 25 },
    loadSoak: { vus: 16, rampSeconds: 20, holdSeconds: 160 },
    publisherGracefulStop: '2m',
    fetchP95Ms: { scalability: 2000, loadSoak: 2000 },
  },
  smoke: {
    // 3 levels × (1 s ramp + 5 s hold) = 18 s.
    scalability: { levels: [1, 2, 4], rampSeconds: 1, holdSeconds: 5 },
    loadSoak: { vus: 4, rampSeconds: 3, holdSeconds: 12 },
    // The first deploy starts R on a busy 2-core box; give it time rather than fail the smoke.
    publisherGracefulStop: '1m',
    fetchP95Ms: { scalability: 3000, loadSoak: 3000 },
  },
};

const MAX_ALLOWED_VUS = 100000;

/** One level of the stepped ramp, in seconds from the start of the test. */
export interface ScalabilityStep {
  vus: number;
  rampStart: number;
  holdStart: number;
  end: number;
}

export interface ScalabilityPlan {
  kind: 'scalability';
  profile: ProfileName;
  levels: number[];
  rampSeconds: number;
  holdSeconds: number;
  steps: ScalabilityStep[];
  totalSeconds: number;
}

export interface LoadSoakPlan {
  kind: 'load-soak';
  profile: ProfileName;
  vus: number;
  /** Seconds of ramp-up at the start; the harness excludes them from the steady window. */
  rampSeconds: number;
  holdSeconds: number;
  totalSeconds: number;
}

/** The subset of k6's `Options` these entries set (structurally compatible with @types/k6). */
export interface WorkloadOptions {
  scenarios: {
    fetchers: {
      executor: 'ramping-vus';
      exec: 'fetch';
      startVUs: number;
      stages: Array<{ duration: string; target: number }>;
      gracefulRampDown: string;
      gracefulStop: string;
    };
    publisher: {
      executor: 'constant-vus';
      exec: 'publish';
      vus: number;
      duration: string;
      gracefulStop: string;
    };
  };
  thresholds: Record<string, string[]>;
  summaryTrendStats: string[];
  setupTimeout: string;
  teardownTimeout: string;
}

/** PROFILE from the environment; `reference` when unset. */
export function readProfile(env: Env): ProfileName {
  const value = (env.PROFILE ?? '').trim() || 'reference';
  if (!(PROFILES as readonly string[]).includes(value)) {
    throw new Error(`PROFILE must be one of ${PROFILES.join(', ')}, got '${value}'.`);
  }
  return value as ProfileName;
}

/** The stepped ramp: PROFILE, MAX_VUS (top level), STEP_DURATION (hold), RAMP_DURATION (per step). */
export function scalabilityPlan(env: Env): ScalabilityPlan {
  const profile = readProfile(env);
  const shape = SHAPES[profile].scalability;
  const maxVus = optionalCount(env, 'MAX_VUS');
  const levels = maxVus === undefined ? shape.levels : levelsUpTo(shape.levels, maxVus);
  const rampSeconds = optionalDuration(env, 'RAMP_DURATION') ?? shape.rampSeconds;
  const holdSeconds = optionalDuration(env, 'STEP_DURATION') ?? shape.holdSeconds;
  const steps = levels.map((vus, i) => {
    const rampStart = i * (rampSeconds + holdSeconds);
    return { vus, rampStart, holdStart: rampStart + rampSeconds, end: rampStart + rampSeconds + holdSeconds };
  });
  return {
    kind: 'scalability',
    profile,
    levels,
    rampSeconds,
    holdSeconds,
    steps,
    totalSeconds: steps[steps.length - 1].end,
  };
}

/** Ramp to VUS, then hold for DURATION: PROFILE, VUS, DURATION, RAMP_DURATION. */
export function loadSoakPlan(env: Env): LoadSoakPlan {
  const profile = readProfile(env);
  const shape = SHAPES[profile].loadSoak;
  const vus = optionalCount(env, 'VUS') ?? shape.vus;
  const rampSeconds = optionalDuration(env, 'RAMP_DURATION') ?? shape.rampSeconds;
  const holdSeconds = optionalDuration(env, 'DURATION') ?? shape.holdSeconds;
  return {
    kind: 'load-soak',
    profile,
    vus,
    rampSeconds,
    holdSeconds,
    totalSeconds: rampSeconds + holdSeconds,
  };
}

export function scalabilityOptions(env: Env): WorkloadOptions {
  const plan = scalabilityPlan(env);
  const stages = plan.steps.flatMap((step) => [
    { duration: formatDuration(plan.rampSeconds), target: step.vus },
    { duration: formatDuration(plan.holdSeconds), target: step.vus },
  ]);
  const shape = SHAPES[plan.profile];
  return workloadOptions(stages, plan.totalSeconds, shape, shape.fetchP95Ms.scalability);
}

export function loadSoakOptions(env: Env): WorkloadOptions {
  const plan = loadSoakPlan(env);
  const stages = [
    { duration: formatDuration(plan.rampSeconds), target: plan.vus },
    { duration: formatDuration(plan.holdSeconds), target: plan.vus },
  ];
  const shape = SHAPES[plan.profile];
  return workloadOptions(stages, plan.totalSeconds, shape, shape.fetchP95Ms.loadSoak);
}

function workloadOptions(
  stages: Array<{ duration: string; target: number }>,
  totalSeconds: number,
  shape: ProfileShape,
  fetchP95Ms: number,
): WorkloadOptions {
  return {
    scenarios: {
      // Fetch iterations are single GETs, so a few seconds is enough to let them finish.
      fetchers: {
        executor: 'ramping-vus',
        exec: 'fetch',
        startVUs: 0,
        stages,
        gracefulRampDown: '10s',
        gracefulStop: '10s',
      },
      publisher: {
        executor: 'constant-vus',
        exec: 'publish',
        vus: 1,
        duration: formatDuration(totalSeconds),
        gracefulStop: shape.publisherGracefulStop,
      },
    },
    thresholds: {
      'http_req_failed{scenario:fetchers}': ['rate<0.01'],
      'http_req_duration{scenario:fetchers}': [`p(95)<${fetchP95Ms}`],
      checks: ['rate>0.99'],
      publish_cycle_success: ['rate>0.9'],
      // At least one publish cycle has to end inside the run, or the publisher measured nothing.
      publish_cycles: ['count>=1'],
    },
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
    setupTimeout: '2m',
    teardownTimeout: '2m',
  };
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Levels up to `max`: cut the profile's list, or extend it by its last increment, ending at `max`. */
function levelsUpTo(levels: number[], max: number): number[] {
  const kept = levels.filter((v) => v < max);
  const increment = levels.length > 1 ? levels[levels.length - 1] - levels[levels.length - 2] : levels[0];
  let next = (kept[kept.length - 1] ?? 0) + increment;
  if (kept.length === levels.length) {
    while (next < max) {
      kept.push(next);
      next += increment;
    }
  }
  kept.push(max);
  return kept;
}

function optionalCount(env: Env, name: string): number | undefined {
  const text = (env[name] ?? '').trim();
  if (text === '') return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_ALLOWED_VUS) {
    throw new Error(
      `${name} must be a whole number of virtual users from 1 to ${MAX_ALLOWED_VUS}, got '${text}'.`,
    );
  }
  return value;
}

function optionalDuration(env: Env, name: string): number | undefined {
  const text = (env[name] ?? '').trim();
  return text === '' ? undefined : parseDuration(text, name);
}
