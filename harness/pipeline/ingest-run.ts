// `ingest`: a run folder from k6 NDJSON files made elsewhere (k6 binary, k6-operator runners),
// analysed and reported like a run of our own.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { baselinePath, loadBaseline } from '../../fixtures/baseline.ts';
import { terminalText } from '../../reports/inert.ts';
import { analyseRun, longestHold, NdjsonThresholds } from '../analysis/index.ts';
import { checkInputFiles, IngestInputError, ingestFiles } from '../ingest/index.ts';
import { runPath } from '../record/paths.ts';
import { shapeProblem } from '../record/shapes.ts';
import type { RunMeta, SummaryExport } from '../record/types.ts';
import { createRunFolder, writeFileAtomic, writeJsonAtomic } from '../record/write.ts';
import { renderRunReports } from '../reporting/index.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { verdictLines } from './finish-run.ts';
import { gitRevision } from './git.ts';
import { checkInputFile, checkOutputFolder, INPUT_LIMITS } from './input-files.ts';
import type { IngestCommandOptions } from './options.ts';

/** Exit code, and the run folder when one was written. */
export interface IngestOutcome {
  code: number;
  dir: string | null;
}

export async function ingestRun(
  options: IngestCommandOptions,
  command: string,
  log: (line: string) => void,
): Promise<IngestOutcome> {
  try {
    await checkOutputFolder(options.outDir, '--out');
    if (options.baselineFile) await checkInputFile(options.baselineFile, INPUT_LIMITS.baseline, '--baseline');
  } catch (error) {
    log((error as Error).message);
    return { code: EXIT_CODES.usage, dir: null };
  }
  const baseline = loadBaseline(options.baselineFile ?? baselinePath);
  const started = performance.now();
  // Without a summary export, the thresholds come from the NDJSON's Metric lines.
  const watcher = options.summary ? undefined : new NdjsonThresholds();
  // Every input is checked (and read) before the run folder is created.
  let ingest: Awaited<ReturnType<typeof ingestFiles>>;
  let summaryText: string | null = null;
  let summary: SummaryExport | null = null;
  try {
    await checkInputFiles(options.files, options.summary);
    if (options.summary) {
      summaryText = await readFile(options.summary, 'utf8');
      summary = summaryExport(options.summary, summaryText);
    }
    ingest = await ingestFiles(options.files, { watcher });
  } catch (error) {
    if (!(error instanceof IngestInputError)) throw error;
    log(terminalText(error.message));
    return { code: EXIT_CODES.usage, dir: null };
  }
  const { series } = ingest;
  const seconds = (performance.now() - started) / 1000;
  const lines = series.lines ?? 0;
  log(
    `read ${lines.toLocaleString('en')} lines from ${options.files.length} file(s) in ${seconds.toFixed(1)} s; ` +
      `${series.malformedLines} malformed`,
  );
  for (const example of series.malformedExamples ?? [])
    log(terminalText(`  malformed: ${example.input}:${example.line}: ${example.text}`));
  for (const note of series.notes ?? []) log(terminalText(note));
  if (series.total.length === 0) {
    log(
      terminalText(
        `Nothing to ingest: none of the ${lines.toLocaleString('en')} lines in ${options.files.join(', ')} is a k6 sample ` +
          `(${series.malformedLines} malformed); pass files written by \`k6 run --out json=<file>\`. No run folder was written.`,
      ),
    );
    return { code: EXIT_CODES.usage, dir: null };
  }
  for (const problem of watcher?.problems ?? []) log(terminalText(problem));
  const startedAt = new Date(series.start * 1000);
  const { id, dir } = await createRunFolder(options.outDir, options.kind, startedAt);
  if (summaryText !== null) await writeFileAtomic(runPath(dir, 'summary'), summaryText);
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
  const otherVus = series.byScenario.publisher ? 1 : 0;
  const hold = longestHold(series.vus, otherVus);
  const analysis = analyseRun(ingest, summary, {
    kind: options.kind,
    baseline,
    comparable: true,
    // Levels as the harness measures its own runs (a plateau of 60 % of the hold is a level, the
    // first quarter of it warm-up), with the hold read from the samples.
    saturation: {
      otherVus,
      minHoldSeconds: Math.max(2, Math.floor(hold * 0.6)),
      settleSeconds: Math.min(10, Math.max(1, Math.floor(hold / 4))),
    },
    ndjsonThresholds: watcher?.results((series.end - series.start + 1) * 1000),
  });
  if (analysis.problem) {
    meta.status = 'failed';
    meta.message = analysis.problem;
  }
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
  log(terminalText(`run folder: ${dir}`));
  log(terminalText(`report: ${reports.html}`));
  for (const line of verdictLines(analysis)) log(terminalText(line));
  if (analysis.problem) {
    log(terminalText(analysis.problem));
    return { code: EXIT_CODES.failed, dir };
  }
  return { code: EXIT_CODES.ok, dir };
}

/** The summary export's content, checked as the report will read it; a bad one is refused. */
function summaryExport(path: string, text: string): SummaryExport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new IngestInputError(
      `The summary export ${path} is not valid JSON (${(error as Error).message}); pass the file k6 wrote with --summary-export. Nothing was written.`,
    );
  }
  const wrong = shapeProblem('summary', value);
  if (wrong) {
    throw new IngestInputError(
      `The summary export ${path} is ${wrong}; pass the file k6 wrote with --summary-export. Nothing was written.`,
    );
  }
  return value as SummaryExport;
}
