// The embedded engine behind the Engine interface.
import { ENGINE_VERSION, runTest } from '../run.ts';
import type { Engine } from './engine.ts';

export const nodeEngine: Engine = {
  name: 'node',
  version: async () => `connect-perf-engine v${ENGINE_VERSION} (node ${process.version})`,
  run: (opts) => runTest(opts),
};
