// What the engine runs: the scenario bundle, its environment (target, profile, VUs, durations)
// and the load plan the scenario will follow (the same pure functions the scenario uses).
import { fileURLToPath } from 'node:url';
import {
  type LoadSoakPlan,
  loadSoakPlan,
  type ScalabilityPlan,
  scalabilityPlan,
} from '../../scenarios/lib/profiles.ts';
import { latestRun, readRun } from '../record/read.ts';
import type { Profile } from '../record/types.ts';
import type { RunCommandOptions } from './options.ts';
import { bundlePaths, type Target } from './target.ts';

export const scripts = {
  scalability: fileURLToPath(new URL('../../dist/scenarios/scalability.js', import.meta.url)),
  'load-soak': fileURLToPath(new URL('../../dist/scenarios/load-soak.js', import.meta.url)),
};

export interface Workload {
  script: string;
  profile: Profile;
  env: Record<string, string>;
  plan: ScalabilityPlan | LoadSoakPlan;
}

/**
 * Load-soak `--vus auto`: the latest completed scalability run in `outDir` against the same kind
 * of target (stand-in or Connect) gives N* of its USL fit when the fit is good, else its 95 %
 * saturation level; without such a run, `fallback`.
 */
export async function autoVus(
  outDir: string,
  targetKind: Target['kind'],
  fallback: number,
): Promise<{ vus: number; why: string }> {
  const dir = await latestRun(
    outDir,
    'scalability',
    ['completed'],
    (meta) => meta.target.kind === targetKind,
  );
  if (dir) {
    const saturation = (await readRun(dir).catch(() => null))?.analysis?.saturation;
    if (saturation?.usl?.good)
      return {
        vus: saturation.usl.boundedVus,
        why: `N* of the Universal Scalability Law fitted to the latest scalability run (${dir})`,
      };
    const vus = saturation?.saturationVus;
    if (vus) return { vus, why: `the saturation point of the latest scalability run (${dir})` };
  }
  const where = targetKind === 'standin' ? 'the stand-in' : 'a Connect server';
  return {
    vus: fallback,
    why: `no completed scalability run against ${where} with a saturation point in ${outDir}, so the profile's ${fallback}`,
  };
}

export async function planWorkload(
  options: RunCommandOptions,
  target: Target,
  log: (line: string) => void,
): Promise<Workload> {
  const profile: Profile = options.profile ?? (target.kind === 'standin' ? 'local' : 'reference');
  const why =
    target.kind === 'standin'
      ? 'the local stand-in: sized for this machine'
      : "a real Connect: Posit's published shape";
  log(
    options.profile
      ? `profile: ${profile} (--profile)`
      : `profile: ${profile} (default for ${why}; change with --profile)`,
  );
  const env: Record<string, string> = {
    CONNECT_SERVER: target.url,
    CONNECT_API_KEY: target.apiKey,
    FLASK_CONTENT_URL: target.flaskUrl,
    PROFILE: profile,
    PLUMBER_BUNDLE: bundlePaths.plumber,
  };
  // Content the run publishes is removed afterwards unless the user manages the server's content.
  if (target.kind === 'standin' || options.publishFixtures) env.PUBLISH_CLEANUP = 'true';
  if (options.kind === 'load-soak') {
    let vus = options.vus;
    if (vus === 'auto') {
      const auto = await autoVus(options.outDir, target.kind, loadSoakPlan({ PROFILE: profile }).vus);
      log(`VUs: ${auto.vus}, ${auto.why}`);
      vus = auto.vus;
    }
    if (vus !== undefined) env.VUS = String(vus);
    if (options.duration) env.DURATION = options.duration;
    return { script: scripts['load-soak'], profile, env, plan: loadSoakPlan(env) };
  }
  if (typeof options.vus === 'number') env.MAX_VUS = String(options.vus);
  if (options.duration) env.STEP_DURATION = options.duration;
  return { script: scripts.scalability, profile, env, plan: scalabilityPlan(env) };
}
