// Entry of a synchronous VU's thread: worker threads do not inherit loader hooks, so the
// TypeScript loader is registered before the thread's own code is imported.
import { register } from 'tsx/esm/api';

register();
await import('./vu-thread.ts');
