// per-vu-iterations: every VU runs `iterations` iterations; leftovers at maxDuration are dropped.
import type { ScenarioConfig } from '../options.ts';
import type { ScenarioRun } from './scenario-run.ts';

type Config = Extract<ScenarioConfig, { executor: 'per-vu-iterations' }>;

export async function runPerVUIterations(sc: ScenarioRun, config: Config): Promise<void> {
  const vus = await Promise.all(Array.from({ length: config.vus }, () => sc.host.acquireVU()));
  // What each VU did not start, reported per VU as k6 does (lib/executor/per_vu_iterations.go
  // pushes one dropped_iterations sample for each VU that maxDuration stopped).
  const left: number[] = [];
  sc.activeVUs = vus.length;
  const loops = vus.map(async (vu) => {
    const ran = await sc.loop(vu, config.iterations);
    left.push(config.iterations - ran);
  });
  const allDone = Promise.all(loops).then(() => true);
  await Promise.race([allDone, sc.waitUntil(config.maxDurationMs)]);
  await sc.finish(loops);
  for (const n of left) sc.dropped(n);
  sc.activeVUs = 0;
  for (const vu of vus) sc.host.releaseVU(vu);
}
