// constant-arrival-rate: `rate` iterations per `timeUnit`, evenly spaced, for `duration`.
import type { ScenarioConfig } from '../options.ts';
import { runArrivalRate } from './arrival-rate.ts';
import type { ScenarioRun } from './scenario-run.ts';

type Config = Extract<ScenarioConfig, { executor: 'constant-arrival-rate' }>;

export function runConstantArrivalRate(sc: ScenarioRun, config: Config): Promise<void> {
  return runArrivalRate(sc, {
    startRate: config.rate,
    timeUnitMs: config.timeUnitMs,
    stages: [{ durationMs: config.durationMs, target: config.rate }],
    preAllocatedVUs: config.preAllocatedVUs,
    maxVUs: config.maxVUs,
    firstAtStart: true,
    stripe: config.segment?.work,
  });
}
