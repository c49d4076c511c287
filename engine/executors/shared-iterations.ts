// shared-iterations: VUs take iterations from one shared pool until it is empty; whatever is left
// when maxDuration ends is counted as dropped_iterations.
import type { ScenarioConfig } from '../options.ts';
import type { ScenarioRun } from './scenario-run.ts';

type Config = Extract<ScenarioConfig, { executor: 'shared-iterations' }>;

export async function runSharedIterations(sc: ScenarioRun, config: Config): Promise<void> {
  const vus = await Promise.all(Array.from({ length: config.vus }, () => sc.host.acquireVU()));
  let remaining = config.iterations;
  let running = true;
  sc.activeVUs = vus.length;
  const loops = vus.map(async (vu) => {
    while (running && !sc.stopping && remaining > 0) {
      remaining--;
      await sc.iterate(vu);
    }
  });
  const allDone = Promise.all(loops).then(() => true);
  await Promise.race([allDone, sc.waitUntil(config.maxDurationMs)]);
  running = false;
  sc.dropped(remaining);
  await sc.finish(loops);
  sc.activeVUs = 0;
  for (const vu of vus) sc.host.releaseVU(vu);
}
