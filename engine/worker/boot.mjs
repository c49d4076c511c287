// Entry of the VU thread. Worker threads do not inherit the parent's loader hooks, so the
// TypeScript loader is registered here before the thread's own code is imported.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
