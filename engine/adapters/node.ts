// The embedded engine behind the Engine interface: in this process through the library (tests,
// embedding), or as a child process started exactly like the k6 binary (the harness: the load
// generator alone in its process, stoppable even when VU code never yields).
import { fileURLToPath } from 'node:url';
import { BUILT } from '../own-file.ts';
import { ENGINE_VERSION, runTest } from '../run.ts';
import { childProcessEngine } from './child-process.ts';
import type { Engine } from './engine.ts';

const version = async () => `connect-perf-engine v${ENGINE_VERSION} (node ${process.version})`;

export const nodeEngine: Engine = {
  name: 'node',
  where: 'in-process',
  version,
  run: (opts) => runTest(opts),
};

/** `node engine/bin.mjs run …`: the same command line a user types as `connect-perf-engine run …`. */
export const nodeChildEngine: Engine = childProcessEngine({
  name: 'node',
  // engine/bin.mjs, also from the build (dist/engine/adapters/node.mjs): it picks the build when fresh.
  command: [
    process.execPath,
    fileURLToPath(new URL(BUILT ? '../../../engine/bin.mjs' : '../bin.mjs', import.meta.url)),
  ],
  version,
});
