// Public entry of the reports stage: render a run folder's reports, or compare two runs.
import { join } from 'node:path';
import { renderCompareHtml } from './compare.ts';
import { renderJunit } from './junit.ts';
import { loadRunFiles } from './load.ts';
import { renderMarkdown } from './markdown.ts';
import { renderRunHtml } from './run-report.ts';
import { writeAtomic } from './write.ts';

export const reportFiles = { html: 'report.html', markdown: 'summary.md', junit: 'junit.xml' } as const;

/** Renders report.html, summary.md and junit.xml into the run folder and returns their paths. */
export async function renderRunReports(
  runDir: string,
): Promise<{ html: string; markdown: string; junit: string }> {
  const files = await loadRunFiles(runDir);
  const paths = {
    html: join(runDir, reportFiles.html),
    markdown: join(runDir, reportFiles.markdown),
    junit: join(runDir, reportFiles.junit),
  };
  const [html, markdown, junit] = [await renderRunHtml(files), renderMarkdown(files), renderJunit(files)];
  await Promise.all([
    writeAtomic(paths.html, html),
    writeAtomic(paths.markdown, markdown),
    writeAtomic(paths.junit, junit),
  ]);
  return paths;
}

/** Writes a side-by-side comparison of run A (before) and run B (after) to outFile; returns its path. */
export async function renderCompare(runDirA: string, runDirB: string, outFile: string): Promise<string> {
  const [a, b] = await Promise.all([loadRunFiles(runDirA), loadRunFiles(runDirB)]);
  await writeAtomic(outFile, await renderCompareHtml(a, b));
  return outFile;
}

export { type ChartSpec, colorAt, elapsedAxis, elapsedPoints, palette } from './html/charts.ts';
export { embedJson, renderPage, renderTemplate } from './html/page.ts';
export { loadRunFiles, type RunFiles } from './load.ts';
