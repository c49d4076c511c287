// The harness's report step: reads a run folder, hands the record to reports/ (which renders and
// imports nothing from the harness) and writes what it rendered back into the folder atomically.
// What the reports show but the record does not hold as a file is derived here, from the analysis:
// the ALB's server-side latency from CloudWatch's node metrics when there is no server-timings.json.
import { join } from 'node:path';
import { renderCompareHtml } from '../../reports/compare.ts';
import { RUN_REPORT_FORMATS, type RunReportFormat, type RunReportFormatName } from '../../reports/formats.ts';
import { albTimings } from '../analysis/server-latency.ts';
import { readRun } from '../record/read.ts';
import type { RunRecord } from '../record/types.ts';
import { writeFileAtomic } from '../record/write.ts';

async function writeReport(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    throw new Error(
      `Cannot write ${path} (${(error as Error).message}); check that the folder exists and is writable.`,
    );
  }
}

/** The record as the reports take it. */
async function reportInput(runDir: string): Promise<RunRecord> {
  const record = await readRun(runDir);
  const serverTimings = record.serverTimings ?? albTimings(record.nodeMetrics) ?? undefined;
  return serverTimings ? { ...record, serverTimings } : record;
}

/**
 * Renders every registered format (reports/formats.ts: report.html, summary.md, junit.xml) into
 * the run folder and returns their paths. All are rendered before any is written.
 */
export async function renderRunReports(runDir: string): Promise<Record<RunReportFormatName, string>> {
  const record = await reportInput(runDir);
  const formats = Object.entries(RUN_REPORT_FORMATS) as Array<[RunReportFormatName, RunReportFormat]>;
  const rendered: Array<[RunReportFormatName, string, string]> = [];
  for (const [name, format] of formats) {
    rendered.push([name, join(runDir, format.fileName), await format.render(record)]);
  }
  await Promise.all(rendered.map(([, path, text]) => writeReport(path, text)));
  return Object.fromEntries(rendered.map(([name, path]) => [name, path])) as Record<
    RunReportFormatName,
    string
  >;
}

/** Writes a side-by-side comparison of run A (before) and run B (after) to outFile; returns its path. */
export async function renderCompare(runDirA: string, runDirB: string, outFile: string): Promise<string> {
  const [a, b] = await Promise.all([reportInput(runDirA), reportInput(runDirB)]);
  await writeReport(outFile, await renderCompareHtml(a, b));
  return outFile;
}
