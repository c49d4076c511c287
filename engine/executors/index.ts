// Picks the executor of a scenario.
import { runConstantArrivalRate } from './constant-arrival-rate.ts';
import { runConstantVUs } from './constant-vus.ts';
import { runPerVUIterations } from './per-vu-iterations.ts';
import { runRampingArrivalRate } from './ramping-arrival-rate.ts';
import { runRampingVUs } from './ramping-vus.ts';
import type { ScenarioRun } from './scenario-run.ts';
import { runSharedIterations } from './shared-iterations.ts';

export function runExecutor(sc: ScenarioRun): Promise<void> {
  const c = sc.config;
  switch (c.executor) {
    case 'shared-iterations':
      return runSharedIterations(sc, c);
    case 'per-vu-iterations':
      return runPerVUIterations(sc, c);
    case 'constant-vus':
      return runConstantVUs(sc, c);
    case 'ramping-vus':
      return runRampingVUs(sc, c);
    case 'constant-arrival-rate':
      return runConstantArrivalRate(sc, c);
    case 'ramping-arrival-rate':
      return runRampingArrivalRate(sc, c);
  }
}
