// per-vu-iterations: every VU runs `iterations` iterations; leftovers at maxDuration are dropped.
import type { ScenarioConfig } from '../options.ts';
import type { ScenarioRun } from './scenario-run.ts';

type Config = Extract<ScenarioConfig, { executor: 'per-vu-iterations' }>;

export async function runPerVUIterations(sc: ScenarioRun, config: Config): Promise<void> {
  const vus = await Promise.all(Array.from({ length: config.vus }, () => sc.host.acquireVU()));
  let left = 0;
  sc.activeVUs = vus.length;
  const loops = vus.map(async (vu) => {
    left += config.iterations - (await sc.loop(vu, config.iterations));
  });
  const allDone = Promise.all(loops).then(() => true);
  await Promise.race([allDone, sc.waitUntil(config.maxDurationMs)]);
  await sc.finish(loops);
  sc.dropped(left);
  sc.activeVUs = 0;
  for (const vu of vus) sc.host.releaseVU(vu);
}
