// Public entry of the reports stage: render a run folder's reports, or compare two runs.

import { runPath } from '../harness/record/paths.ts';
import { readRun } from '../harness/record/read.ts';
import { writeFileAtomic } from '../harness/record/write.ts';
import { renderCompareHtml } from './compare.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderRunHtml } from './run-report.ts';

async function writeReport(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    throw new Error(
      `Cannot write ${path} (${(error as Error).message}); check that the folder exists and is writable.`,
    );
  }
}

/** Renders report.html, summary.md and junit.xml into the run folder and returns their paths. */
export async function renderRunReports(
  runDir: string,
): Promise<{ html: string; markdown: string; junit: string }> {
  const record = await readRun(runDir);
  const paths = {
    html: runPath(runDir, 'reportHtml'),
    markdown: runPath(runDir, 'reportMarkdown'),
    junit: runPath(runDir, 'junit'),
  };
  const [html, markdown, junit] = [await renderRunHtml(record), renderMarkdown(record), renderJunit(record)];
  await Promise.all([
    writeReport(paths.html, html),
    writeReport(paths.markdown, markdown),
    writeReport(paths.junit, junit),
  ]);
  return paths;
}

/** Writes a side-by-side comparison of run A (before) and run B (after) to outFile; returns its path. */
export async function renderCompare(runDirA: string, runDirB: string, outFile: string): Promise<string> {
  const [a, b] = await Promise.all([readRun(runDirA), readRun(runDirB)]);
  await writeReport(outFile, await renderCompareHtml(a, b));
  return outFile;
}

export { type ChartSpec, colorAt, elapsedAxis, elapsedPoints, palette } from './html/charts.ts';
export { embedJson, renderPage, renderTemplate } from './html/page.ts';
