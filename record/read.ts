// Reading a run folder back, with errors that say what is wrong and what to do.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunFile, runFiles, runPath } from './paths.ts';
import { parseRunId } from './run-id.ts';
import type { Analysis, NodeMetrics, PublishCycle, RunKind, RunMeta, TimeSeries } from './types.ts';

export interface RunRecord {
  dir: string;
  meta: RunMeta;
  summary?: unknown;
  timeseries?: TimeSeries;
  publish?: PublishCycle[];
  nodeMetrics?: NodeMetrics;
  analysis?: Analysis;
}

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

async function readJsonFile(dir: string, file: RunFile, required: boolean): Promise<unknown> {
  const path = runPath(dir, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`Cannot read ${path}: ${(error as Error).message}.`);
    }
    if (required) {
      throw new Error(
        `not a run folder: ${dir} (missing ${runFiles[file]}); pass a folder the harness wrote, e.g. runs/<id>.`,
      );
    }
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message}); the run record is damaged.`);
  }
}

export async function readRunMeta(dir: string): Promise<RunMeta> {
  const meta = await readJsonFile(dir, 'meta', true);
  const problems = problemsOfMeta(meta);
  if (problems.length) {
    throw new Error(`${runPath(dir, 'meta')} is not a valid run record: ${problems.join('; ')}.`);
  }
  return meta as RunMeta;
}

/** Reads run.json (required) and every other record file that exists. */
export async function readRun(dir: string): Promise<RunRecord> {
  const meta = await readRunMeta(dir);
  const record: RunRecord = { dir, meta };
  record.summary = await readJsonFile(dir, 'summary', false);
  record.timeseries = (await readJsonFile(dir, 'timeseries', false)) as TimeSeries | undefined;
  record.publish = (await readJsonFile(dir, 'publish', false)) as PublishCycle[] | undefined;
  record.nodeMetrics = (await readJsonFile(dir, 'nodeMetrics', false)) as NodeMetrics | undefined;
  record.analysis = (await readJsonFile(dir, 'analysis', false)) as Analysis | undefined;
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
