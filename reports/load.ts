// Reads a run folder for the reports. Only run.json is required: an interrupted or failed run
// still gets a report of what exists, and the report names each missing or unreadable file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  Analysis,
  NodeMetrics,
  PublishCycle,
  RunMeta,
  ServerTimings,
  TimeSeries,
} from '../record/types.ts';

/** k6 `--summary-export` (legacy shape): values flattened, rate → value, thresholds true = FAILED. */
export interface SummaryExport {
  metrics: Record<string, SummaryExportMetric>;
  root_group?: SummaryExportGroup;
}

/** Statistic name → value (`count`, `rate`, `value`, `avg`, `p(95)`...), plus the thresholds. */
export interface SummaryExportMetric {
  [stat: string]: number | Record<string, boolean> | undefined;
  thresholds?: Record<string, boolean>;
}

export interface SummaryExportGroup {
  name: string;
  path: string;
  groups?: Record<string, SummaryExportGroup>;
  checks?: Record<string, { name: string; path: string; passes: number; fails: number }>;
}

export interface RunFiles {
  dir: string;
  meta: RunMeta;
  summary?: SummaryExport;
  timeseries?: TimeSeries;
  publish?: PublishCycle[];
  nodeMetrics?: NodeMetrics;
  analysis?: Analysis;
  /** Server-side timings (the stand-in proxy); optional, so not named when absent. */
  serverTimings?: ServerTimings;
  /** Sentences about files that are missing or unreadable, for the report. */
  missing: string[];
}

const optionalFiles = {
  summary: ['summary.json', 'the k6 end-of-test summary'],
  timeseries: ['timeseries.json', 'the charts over time and the per-request table'],
  publish: ['publish.json', 'the publish cycles'],
  nodeMetrics: ['node-metrics.json', 'the node metrics'],
  analysis: ['analysis.json', 'the verdict, saturation point and steady window'],
} as const;

async function readJson(path: string): Promise<{ value?: unknown; problem?: 'missing' | string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'missing' : (error as Error).message };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { problem: `not valid JSON (${(error as Error).message})` };
  }
}

export async function loadRunFiles(dir: string): Promise<RunFiles> {
  const run = await readJson(join(dir, 'run.json'));
  if (run.problem === 'missing') {
    throw new Error(`${dir} has no run.json, so it is not a run folder; pass the folder the harness wrote.`);
  }
  if (run.problem || typeof run.value !== 'object' || run.value === null) {
    throw new Error(
      `${join(dir, 'run.json')} cannot be read (${run.problem ?? 'not an object'}); restore the file.`,
    );
  }
  const files: RunFiles = { dir, meta: run.value as RunMeta, missing: [] };
  for (const [key, [name, what]] of Object.entries(optionalFiles)) {
    const result = await readJson(join(dir, name));
    if (result.problem === 'missing') files.missing.push(`${name} is missing, so ${what} cannot be shown.`);
    else if (result.problem)
      files.missing.push(`${name} is unreadable (${result.problem}), so ${what} cannot be shown.`);
    else (files as unknown as Record<string, unknown>)[key] = result.value;
  }
  const server = await readJson(join(dir, 'server-timings.json'));
  if (server.value && typeof server.value === 'object') files.serverTimings = server.value as ServerTimings;
  else if (server.problem && server.problem !== 'missing')
    files.missing.push(
      `server-timings.json is unreadable (${server.problem}), so the server-side latency cannot be shown.`,
    );
  return files;
}
