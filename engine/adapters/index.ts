// One interface for both engines: `node` (embedded), `k6` (the binary), `auto` (k6 when found).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Engine, EngineName } from './engine.ts';
import { k6Engine } from './k6.ts';
import { nodeChildEngine, nodeEngine } from './node.ts';

export { k6Args, k6Env } from './child-process.ts';
export type { Engine, EngineName, EngineRunOptions } from './engine.ts';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The k6 binary: $K6_BIN, else `k6` on PATH; null when there is none. */
export function findK6(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.K6_BIN) return executable(env.K6_BIN) ? env.K6_BIN : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, 'k6'))) return join(dir, 'k6');
  }
  return null;
}

/** `where: 'child'` runs the embedded engine as its own process, as the harness does. */
export function createEngine(
  choice: 'auto' | EngineName = 'auto',
  env: NodeJS.ProcessEnv = process.env,
  where: Engine['where'] = 'in-process',
): Engine {
  const node = where === 'child' ? nodeChildEngine : nodeEngine;
  if (choice === 'node') return node;
  const bin = findK6(env);
  if (bin) return k6Engine(bin);
  if (choice === 'k6') {
    throw new Error('The k6 engine was requested but no k6 binary was found: set K6_BIN or put k6 on PATH.');
  }
  return node;
}
