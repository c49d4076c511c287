// Reading a run folder back, with errors that say what is wrong and what to do.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunFile, runFiles, runPath } from './paths.ts';
import { problemsOfProcesses } from './processes.ts';
import { parseRunId } from './run-id.ts';
import type { ProcessSeries, RunKind, RunMeta, RunRecord, ServerTimings } from './types.ts';

/** The files besides run.json, and what a reader loses without each. */
const optionalFiles = {
  summary: 'the k6 end-of-test summary',
  timeseries: 'the charts over time and the per-request table',
  publish: 'the publish cycles',
  nodeMetrics: 'the node metrics',
  analysis: 'the verdict, saturation point and steady window',
} as const satisfies Partial<Record<RunFile, string>>;

const STATUSES = ['running', 'completed', 'interrupted', 'failed'];

function problemsOfMeta(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['it is not a JSON object'];
  const m = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof m.id !== 'string' || m.id === '') problems.push('id is missing');
  if (m.kind !== 'scalability' && m.kind !== 'load-soak')
    problems.push('kind must be scalability or load-soak');
  if (typeof m.status !== 'string' || !STATUSES.includes(m.status))
    problems.push(`status must be one of ${STATUSES.join(', ')}`);
  if (typeof m.startedAt !== 'string' || Number.isNaN(Date.parse(m.startedAt)))
    problems.push('startedAt must be an ISO time');
  if (typeof m.target !== 'object' || m.target === null) problems.push('target is missing');
  if (typeof m.engine !== 'object' || m.engine === null) problems.push('engine is missing');
  return problems;
}

async function readJsonFile(dir: string, file: RunFile): Promise<{ value?: unknown; problem?: string }> {
  const path = runPath(dir, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'missing' : `unreadable (${(error as Error).message})` };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { problem: `not valid JSON (${(error as Error).message})` };
  }
}

export async function readRunMeta(dir: string): Promise<RunMeta> {
  const { value: meta, problem } = await readJsonFile(dir, 'meta');
  if (problem === 'missing') {
    throw new Error(
      `not a run folder: ${dir} (missing ${runFiles.meta}); pass a folder the harness wrote, e.g. runs/<id>.`,
    );
  }
  if (problem) throw new Error(`${runPath(dir, 'meta')} is ${problem}; the run record is damaged.`);
  const problems = problemsOfMeta(meta);
  if (problems.length) {
    throw new Error(`${runPath(dir, 'meta')} is not a valid run record: ${problems.join('; ')}.`);
  }
  return meta as RunMeta;
}

/** Reads run.json (required, validated) and every other record file; a missing or damaged
 *  optional file becomes a sentence in `missing`, never an error. */
export async function readRun(dir: string): Promise<RunRecord> {
  const meta = await readRunMeta(dir);
  const record: RunRecord = { dir, meta, missing: [] };
  for (const [file, what] of Object.entries(optionalFiles) as Array<[keyof typeof optionalFiles, string]>) {
    const { value, problem } = await readJsonFile(dir, file);
    const name = runFiles[file];
    if (problem) record.missing.push(`${name} is ${problem}, so ${what} cannot be shown.`);
    else (record as unknown as Record<string, unknown>)[file] = value;
  }
  const server = await readJsonFile(dir, 'serverTimings');
  if (server.value && typeof server.value === 'object') record.serverTimings = server.value as ServerTimings;
  else if (server.problem && server.problem !== 'missing') {
    record.missing.push(
      `${runFiles.serverTimings} is ${server.problem}, so the server-side latency cannot be shown.`,
    );
  }
  const processes = await readJsonFile(dir, 'processes');
  const processProblems = processes.problem ? [] : problemsOfProcesses(processes.value);
  if (processes.problem === 'missing') {
    // Older runs have no processes.json: nothing to name.
  } else if (processes.problem || processProblems.length) {
    record.missing.push(
      `${runFiles.processes} is ${processes.problem ?? `not a process series (${processProblems.join('; ')})`}, so Connect's process count cannot be shown.`,
    );
  } else record.processes = processes.value as ProcessSeries;
  return record;
}

/**
 * The newest run folder of `kind` in `outDir` (by folder name, which starts with the start
 * time) whose status is one of `statuses` and that `accept` takes; null when there is none.
 */
export async function latestRun(
  outDir: string,
  kind: RunKind,
  statuses: RunMeta['status'][] = ['completed'],
  accept: (meta: RunMeta) => boolean = () => true,
): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(outDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const candidates = names
    .filter((n) => parseRunId(n)?.kind === kind)
    .sort()
    .reverse();
  for (const name of candidates) {
    const dir = join(outDir, name);
    try {
      const meta = await readRunMeta(dir);
      if (meta.kind === kind && statuses.includes(meta.status) && accept(meta)) return dir;
    } catch {
      // A damaged or foreign folder is not a candidate; the next older one may be.
    }
  }
  return null;
}
