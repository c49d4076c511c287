// Scalability test: fetcher VUs step up past saturation while one VU publishes the Plumber API over
// and over. The harness reads the level windows from setup_data.plan to find where throughput stops
// rising. Shape per profile: lib/profiles.ts.

import type { Options } from 'k6/options';
import { inputs } from './lib/env.ts';
import { scalabilityOptions, scalabilityPlan } from './lib/profiles.ts';
import { cleanUp, prepareRun, type RunData } from './lib/run-setup.ts';

export { fetch } from './lib/fetcher.ts';
export { publish } from './lib/publisher.ts';

export const options: Options = scalabilityOptions(__ENV);

export async function setup(): Promise<RunData> {
  return prepareRun(inputs, scalabilityPlan(__ENV));
}

export async function teardown(data: RunData): Promise<void> {
  return cleanUp(inputs, data);
}
