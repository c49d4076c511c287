// The settings of one run that modules and the module loader read, beyond the script's options:
// where remote modules are cached and which secret sources `k6/secrets` reads. The VU thread keeps
// them (configureRun) and hands the loader its part: module.register() hooks are per thread.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { configureLoader } from './loader/register.ts';

export interface RunSettings {
  /** `--module-cache`: folder of downloaded remote modules. */
  moduleCache?: string;
  /** `--secret-source` values, e.g. `file=secrets.txt`, `mock=name=x,key=value`. */
  secretSources?: string[];
}

const byRun = new Map<string, RunSettings>();

/** Where remote modules are kept when --module-cache is not given. */
export function defaultModuleCache(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'connect-perf-engine', 'modules');
}

/** Records a run's settings on this thread and hands the loader its part; call before the script is imported. */
export function configureRun(runId: string, settings: RunSettings): void {
  byRun.set(runId, settings);
  configureLoader({ runId, moduleCache: resolve(settings.moduleCache ?? defaultModuleCache()) });
}

export function settingsOfRun(runId: string): RunSettings {
  return byRun.get(runId) ?? {};
}
