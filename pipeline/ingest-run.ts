// `ingest`: a run folder from k6 NDJSON files made elsewhere (k6 binary, k6-operator runners),
// analysed and reported like a run of our own.
import { copyFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { analyseRun } from '../analysis/index.ts';
import { baselinePath, loadBaseline } from '../fixtures/baseline.ts';
import { ingestFiles } from '../ingest/index.ts';
import { runPath } from '../record/paths.ts';
import { readRun } from '../record/read.ts';
import type { RunMeta, SummaryExport } from '../record/types.ts';
import { createRunFolder, writeJsonAtomic } from '../record/write.ts';
import { renderRunReports } from '../reports/index.ts';
import { gitRevision } from './git.ts';
import type { IngestCommandOptions } from './options.ts';

export async function ingestRun(
  options: IngestCommandOptions,
  command: string,
  log: (line: string) => void,
): Promise<string> {
  const baseline = loadBaseline(options.baselineFile ?? baselinePath);
  const started = performance.now();
  const ingest = await ingestFiles(options.files);
  const { series } = ingest;
  const seconds = (performance.now() - started) / 1000;
  log(
    `read ${series.lines?.toLocaleString('en')} lines from ${options.files.length} file(s) in ${seconds.toFixed(1)} s; ` +
      `${series.malformedLines} malformed`,
  );
  for (const example of series.malformedExamples ?? [])
    log(`  malformed: ${example.input}:${example.line}: ${example.text}`);
  const startedAt = new Date(series.start * 1000);
  const { id, dir } = await createRunFolder(options.outDir, options.kind, startedAt);
  let summary: SummaryExport | null = null;
  if (options.summary) {
    await copyFile(options.summary, runPath(dir, 'summary'));
    summary = (await readRun(dir).catch(() => null))?.summary as SummaryExport | null;
  }
  const meta: RunMeta = {
    id,
    kind: options.kind,
    profile: 'reference',
    command,
    target: { url: 'unknown (ingested k6 results)', kind: 'connect', comparableToBaseline: true },
    engine: { name: 'k6', version: 'unknown' },
    gitRevision: await gitRevision(),
    options: {
      ingested: options.files.map((f) => basename(f)),
      summary: options.summary ? basename(options.summary) : null,
    },
    startedAt: startedAt.toISOString(),
    endedAt: new Date((series.end + 1) * 1000).toISOString(),
    status: 'completed',
    engineExitCode: null,
  };
  const analysis = analyseRun(ingest, summary, {
    kind: options.kind,
    baseline,
    comparable: true,
    saturation: { otherVus: series.byScenario.publisher ? 1 : 0 },
  });
  await writeJsonAtomic(runPath(dir, 'timeseries'), series);
  await writeJsonAtomic(runPath(dir, 'publish'), ingest.publishCycles);
  await writeJsonAtomic(runPath(dir, 'nodeMetrics'), {
    source: 'none',
    periodSeconds: 0,
    series: [],
    warnings: [],
  });
  await writeJsonAtomic(runPath(dir, 'analysis'), analysis);
  await writeJsonAtomic(runPath(dir, 'meta'), meta);
  const reports = await renderRunReports(dir);
  log(`run folder: ${dir}`);
  log(`report: ${reports.html}`);
  return dir;
}
