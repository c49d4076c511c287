// The engine's single entry: start a test run (./lifecycle.ts on this thread, the VU code in a
// worker thread) and get a handle to stop it and await its result.
import { TestRun } from './lifecycle.ts';
import type { RunOptions, RunResult, StopMode, TestHandle } from './run-options.ts';

export type { RunOptions, RunResult, StopMode, TestHandle } from './run-options.ts';
export { ENGINE_VERSION } from './tls-options.ts';

/** Starts a test; the handle stops it (graceful first, hard second) and gives its result. */
export function startTest(opts: RunOptions): TestHandle {
  const run = new TestRun(opts);
  return { stop: (mode?: StopMode) => run.requestStop(mode ?? 'graceful'), result: run.execute() };
}

export function runTest(opts: RunOptions): Promise<RunResult> {
  return startTest(opts).result;
}
