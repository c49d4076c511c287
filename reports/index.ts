// Public entry of the reports stage: render a run folder's reports, or compare two runs.

import { join } from 'node:path';
import { readRun } from '../harness/record/read.ts';
import { writeFileAtomic } from '../harness/record/write.ts';
import { renderCompareHtml } from './compare.ts';
import { RUN_REPORT_FORMATS, type RunReportFormat, type RunReportFormatName } from './formats.ts';

async function writeReport(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    throw new Error(
      `Cannot write ${path} (${(error as Error).message}); check that the folder exists and is writable.`,
    );
  }
}

/**
 * Renders every registered format (reports/formats.ts: report.html, summary.md, junit.xml) into
 * the run folder and returns their paths. All are rendered before any is written.
 */
export async function renderRunReports(runDir: string): Promise<Record<RunReportFormatName, string>> {
  const record = await readRun(runDir);
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
  const [a, b] = await Promise.all([readRun(runDirA), readRun(runDirB)]);
  await writeReport(outFile, await renderCompareHtml(a, b));
  return outFile;
}

export { RUN_REPORT_FORMATS, type RunReportFormat, type RunReportFormatName } from './formats.ts';
export { type ChartSpec, colorAt, elapsedAxis, elapsedPoints, palette } from './html/charts.ts';
export { embedJson, renderPage, renderTemplate } from './html/page.ts';
