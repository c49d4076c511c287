// constant-vus: a fixed number of VUs loop over the exec function for `duration`.
import type { ScenarioConfig } from '../options.ts';
import type { ScenarioRun } from './scenario-run.ts';

type Config = Extract<ScenarioConfig, { executor: 'constant-vus' }>;

export async function runConstantVUs(sc: ScenarioRun, config: Config): Promise<void> {
  const vus = await Promise.all(Array.from({ length: config.vus }, () => sc.host.acquireVU()));
  sc.activeVUs = vus.length;
  const loops = vus.map((vu) => sc.loop(vu));
  await sc.waitUntil(config.durationMs);
  await sc.finish(loops);
  sc.activeVUs = 0;
  for (const vu of vus) sc.host.releaseVU(vu);
}
