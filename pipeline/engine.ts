// Which engine runs the load, and why. Every engine runs as a child process with k6's command
// line (the embedded one too), so the load generator never shares the harness's event loop.
import { createEngine, type Engine, findK6 } from '../engine/index.ts';
import type { EngineChoice } from './options.ts';

export interface ChosenEngine {
  engine: Engine;
  version: string;
  /** Why this engine was picked (for `auto`). */
  why: string;
}

export async function chooseEngine(choice: EngineChoice): Promise<ChosenEngine> {
  const engine = createEngine(choice, process.env, 'child');
  const version = await engine.version();
  if (engine.name === 'node') {
    const why =
      choice === 'auto'
        ? 'no k6 binary found (K6_BIN or PATH), so the embedded Node engine'
        : '--engine node';
    return { engine, version, why };
  }
  return { engine, version, why: choice === 'auto' ? `k6 found at ${findK6()}` : '--engine k6' };
}
