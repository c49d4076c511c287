// The embedded k6-compatible engine as a library: run a k6 script with k6's semantics and get its
// samples live, its summary and its exit code.
export type { Engine, EngineName, EngineRunOptions } from './adapters/index.ts';
export { createEngine, findK6 } from './adapters/index.ts';
export { EXIT } from './exit-codes.ts';
export { checkCount, checkDuration, checkPlannedLength, LIMITS, MAX_TIMER_MS } from './limits.ts';
export { InvalidOptionsError } from './metrics/errors.ts';
export type { Sample, SummaryData } from './metrics/types.ts';
export type { Progress, ScenarioProgress } from './progress.ts';
export {
  ENGINE_VERSION,
  type RunOptions,
  type RunResult,
  runTest,
  startTest,
  type TestHandle,
} from './run.ts';
