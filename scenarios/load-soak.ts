// Load test: fetcher VUs ramp to VUS and hold for DURATION (Posit: 400 VUs, 30 minutes) while one VU
// publishes the Plumber API over and over. setup_data.plan.rampSeconds tells the harness which
// start to leave out of the steady window. Shape per profile: lib/profiles.ts.

import type { Options } from 'k6/options';
import { inputs } from './lib/env.ts';
import { loadSoakOptions, loadSoakPlan } from './lib/profiles.ts';
import { cleanUp, prepareRun, type RunData } from './lib/run-setup.ts';

export { fetch } from './lib/fetcher.ts';
export { publish } from './lib/publisher.ts';

export const options: Options = loadSoakOptions(__ENV);

export async function setup(): Promise<RunData> {
  return prepareRun(inputs, loadSoakPlan(__ENV));
}

export async function teardown(data: RunData): Promise<void> {
  return cleanUp(inputs, data);
}
