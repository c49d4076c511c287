// The fixed file names of a run folder (see types.ts for what each holds).
import { join } from 'node:path';

export const runFiles = {
  meta: 'run.json',
  summary: 'summary.json',
  samples: 'samples.ndjson.gz',
  timeseries: 'timeseries.json',
  publish: 'publish.json',
  nodeMetrics: 'node-metrics.json',
  analysis: 'analysis.json',
  engineHealth: 'engine-health.ndjson',
  serverTimings: 'server-timings.json',
  processes: 'processes.json',
  reportHtml: 'report.html',
  reportMarkdown: 'summary.md',
  junit: 'junit.xml',
  regression: 'regression.json',
} as const;

export type RunFile = keyof typeof runFiles;

export function runPath(runDir: string, file: RunFile): string {
  return join(runDir, runFiles[file]);
}

/** Default output folder for run folders (gitignored). */
export const defaultOutDir = 'runs';
