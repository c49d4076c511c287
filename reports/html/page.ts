// The page shell shared by every HTML report (run, comparison, nightly trend): one
// self-contained file with the CSS, chart.js and the chart drawing script inlined and the data
// embedded as JSON. Nothing is fetched when the page opens; a Content-Security-Policy in the
// page forbids it as well.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type { ChartSpec } from './charts.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const partialsDir = join(here, 'partials');

const assets = new Map<string, Promise<string>>();

function asset(path: string): Promise<string> {
  let text = assets.get(path);
  if (!text) {
    text = readFile(path, 'utf8');
    assets.set(path, text);
  }
  return text;
}

function chartJsPath(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return join(dirname(entry), 'chart.umd.js');
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` become \u
 * escapes, so no `</script` or `<!--` can appear, and JSON.parse gives back the same strings.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Script text made safe to inline (a `</script` inside a string literal would end the element). */
export function inlineScript(source: string): string {
  return source.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
}

/** Renders an ejs template file; `<%=` escapes every value, includes resolve from the file. */
export function renderTemplate(path: string, data: Record<string, unknown>): Promise<string> {
  return ejs.renderFile(path, { ...data, partials: partialsDir }, { cache: true, async: false });
}

export interface Page {
  title: string;
  /** Body HTML from a template. */
  body: string;
  charts: Record<string, ChartSpec>;
}

export async function renderPage(page: Page): Promise<string> {
  const [css, chartJs, client] = await Promise.all([
    asset(join(here, 'styles.css')),
    asset(chartJsPath()),
    asset(join(here, 'charts-client.js')),
  ]);
  return renderTemplate(join(here, 'layout.ejs'), {
    title: page.title,
    body: page.body,
    css,
    data: embedJson({ charts: page.charts }),
    chartJs: inlineScript(chartJs),
    client: inlineScript(client),
  });
}
