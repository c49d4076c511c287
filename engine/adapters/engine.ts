// The one interface both engines implement: run a script with k6's options, produce k6's outputs.
import type { RunOptions, RunResult } from '../run-options.ts';

export type EngineName = 'node' | 'k6';
export type EngineRunOptions = RunOptions;

export interface Engine {
  name: EngineName;
  version(): Promise<string>;
  run(opts: EngineRunOptions): Promise<RunResult>;
}
