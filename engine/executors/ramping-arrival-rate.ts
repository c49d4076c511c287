// ramping-arrival-rate: the start rate follows the stages (iterations per timeUnit), linearly.
import type { ScenarioConfig } from '../options.ts';
import { runArrivalRate } from './arrival-rate.ts';
import type { ScenarioRun } from './scenario-run.ts';

type Config = Extract<ScenarioConfig, { executor: 'ramping-arrival-rate' }>;

export function runRampingArrivalRate(sc: ScenarioRun, config: Config): Promise<void> {
  return runArrivalRate(sc, { ...config, firstAtStart: false, stripe: config.segment?.work });
}
