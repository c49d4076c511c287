// The one interface every engine sits behind: the embedded engine (in this process for tests
// and embedding, or as a child process like the k6 binary) and the k6 binary itself.
import type { RunOptions, RunResult } from '../run.ts';

export type EngineName = 'node' | 'k6';

export interface EngineRunOptions extends RunOptions {
  /** `__ENV` values that must never appear on a command line (API keys): a child process gets
   *  them through its environment, which k6 reads into `__ENV` by default. */
  secretEnv?: Record<string, string>;
  /** Settings for a child engine process itself, e.g. where the embedded engine records its own
   *  health (CONNECT_PERF_ENGINE_HEALTH); ignored by an engine in this process. */
  childEnv?: Record<string, string>;
  /** K6_* variables of the caller's environment a child engine still gets (all others are
   *  dropped: they would change the run unseen); ignored by an engine in this process. */
  passEnv?: readonly string[];
  /** Called with a child engine's process id once it is started. */
  onStart?: (pid: number | null) => void;
}

/** What a run ends with; a child engine also says how its process ended. */
export interface EngineRunResult extends RunResult {
  /** The signal that killed the child process (it returned no exit code of its own). */
  signal?: NodeJS.Signals;
  pid?: number;
  /** The followed samples file was cut short or damaged (a full disk, a killed writer). */
  samplesDamaged?: string;
  /** The last error line a child engine printed (secrets redacted), at most 300 characters. */
  lastError?: string;
}

export interface Engine {
  name: EngineName;
  /** The process that runs the load: 'child' when it is not the caller's. */
  where: 'child' | 'in-process';
  version(): Promise<string>;
  run(opts: EngineRunOptions): Promise<EngineRunResult>;
}
