// shared-iterations: VUs take iterations from one shared pool until it is empty; whatever is left
// when maxDuration ends is counted as dropped_iterations.
import type { ScenarioConfig } from '../options.ts';
import { IterationPool, type ScenarioRun } from './scenario-run.ts';

type Config = Extract<ScenarioConfig, { executor: 'shared-iterations' }>;

export async function runSharedIterations(sc: ScenarioRun, config: Config): Promise<void> {
  const vus = await Promise.all(Array.from({ length: config.vus }, () => sc.host.acquireVU()));
  const pool = new IterationPool(config.iterations);
  sc.activeVUs = vus.length;
  const loops = vus.map((vu) => sc.loop(vu, Number.POSITIVE_INFINITY, pool));
  const allDone = Promise.all(loops).then(() => true);
  await Promise.race([allDone, sc.waitUntil(config.maxDurationMs)]);
  await sc.finish(loops);
  // Counted once every loop has ended: a VU's thread takes from the pool without asking.
  sc.dropped(pool.remaining());
  sc.activeVUs = 0;
  for (const vu of vus) sc.host.releaseVU(vu);
}
