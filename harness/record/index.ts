// The run record: one folder per run (types.ts describes the files).
export { defaultOutDir, type RunFile, runFiles, runPath } from './paths.ts';
export { problemsOfProcesses, writeProcesses } from './processes.ts';
export { latestRun, type RunRecord, readRun, readRunMeta } from './read.ts';
export { parseRunId, runId } from './run-id.ts';
export { scrubText, scrubUrl, scrubValue } from './scrub.ts';
export { createRunFolder, writeFileAtomic, writeJsonAtomic } from './write.ts';
