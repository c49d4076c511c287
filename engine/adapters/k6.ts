// The k6 binary behind the Engine interface.

import { childProcessEngine } from './child-process.ts';
import type { Engine } from './engine.ts';

export function k6Engine(bin: string): Engine {
  return childProcessEngine({ name: 'k6', command: [bin] });
}
