// The HTML report of one run.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderPage, renderTemplate } from './html/page.ts';
import type { RunRecord } from './run-data.ts';
import { runView } from './run-view.ts';

const template = join(dirname(fileURLToPath(import.meta.url)), 'templates', 'run.ejs');

export async function renderRunHtml(files: RunRecord): Promise<string> {
  const view = runView(files);
  const body = await renderTemplate(template, { v: view });
  return renderPage({ title: view.title, body, charts: view.charts });
}
