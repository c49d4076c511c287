// The run record: one folder per run (reports/run-data.ts describes the files; types.ts re-exports them).
export { defaultOutDir, type RunFile, runFiles, runPath } from './paths.ts';
export { problemsOfProcesses, writeProcesses } from './processes.ts';
export { latestRun, readRun, readRunMeta } from './read.ts';
export { parseRunId, runId } from './run-id.ts';
export { scrubText, scrubUrl, scrubValue } from './scrub.ts';
export type { RunRecord } from './types.ts';
export { createRunFolder, writeFileAtomic, writeJsonAtomic } from './write.ts';
