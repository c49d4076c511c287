// Which engine runs the load, and why. Every engine runs as a process of its own: the k6 binary
// and the embedded engine as a child process with k6's command line (so the load generator never
// shares the harness's event loop), k6-operator as runner pods in a Kubernetes cluster.
import { createEngine, type Engine, findK6 } from '../../engine/index.ts';
import type { K6OperatorSettings } from '../k6-operator/index.ts';
import type { DistributedEngine } from './k6-operator.ts';
import type { EngineChoice } from './options.ts';

export type ChosenEngine =
  | { kind: 'local'; engine: Engine; version: string; why: string }
  | { kind: 'distributed'; engine: DistributedEngine; version: string; why: string };

export interface DistributedContext {
  settings?: K6OperatorSettings;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
}

export async function chooseEngine(
  choice: EngineChoice,
  distributed?: DistributedContext,
): Promise<ChosenEngine> {
  if (choice === 'k6-operator') {
    if (!distributed?.settings) throw new Error('--engine k6-operator needs its settings (--parallelism).');
    const { openK6Operator } = await import('./k6-operator.ts');
    const engine = await openK6Operator(distributed.settings, distributed.env, distributed.log);
    return { kind: 'distributed', engine, version: engine.version, why: engine.why };
  }
  const engine = createEngine(choice, process.env, 'child');
  const version = await engine.version();
  if (engine.name === 'node') {
    const why =
      choice === 'auto'
        ? 'no k6 binary found (K6_BIN or PATH), so the embedded Node engine'
        : '--engine node';
    return { kind: 'local', engine, version, why };
  }
  return {
    kind: 'local',
    engine,
    version,
    why: choice === 'auto' ? `k6 found at ${findK6()}` : '--engine k6',
  };
}
