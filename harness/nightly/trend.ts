// The trend page: the nightly history as one self-contained HTML file in the same look as the run
// report (same page shell, CSS and chart drawing), with regressions marked and a link to each
// run's report.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChartSeries, type ChartSpec, failureColor, palette } from '../../reports/html/charts.ts';
import { renderPage, renderTemplate } from '../../reports/html/page.ts';
import { safeHref } from '../../reports/inert.ts';
import { writeFileAtomic } from '../record/index.ts';
import type { HistoryEntry } from './history.ts';
import type { RegressionReport } from './regression.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface TrendInput {
  entries: HistoryEntry[];
  /** The regression verdict of the newest run, shown at the top. */
  latest?: { entry: HistoryEntry; regression: RegressionReport };
  warnings: string[];
}

function series(
  entries: HistoryEntry[],
  label: string,
  value: (e: HistoryEntry) => number | null,
  color: string,
  axis: 'y' | 'y1' = 'y',
): ChartSeries {
  return {
    label,
    axis,
    color,
    points: entries.map((e) => [Date.parse(e.date) / 1000, value(e)]),
    pointColors: entries.map((e) => (e.verdicts.regression ? failureColor : color)),
  };
}

export function trendCharts(entries: HistoryEntry[]): Record<string, ChartSpec> {
  const note = 'Red points are runs flagged as a regression.';
  return {
    throughput: {
      title: 'Throughput (steady window)',
      x: { unit: 'date', title: 'run' },
      y: { unit: 'req/s', title: 'req/s', min: 0 },
      series: [series(entries, 'req/s', (e) => e.figures.rps, palette[0])],
      note,
    },
    latency: {
      title: 'Fetch latency',
      x: { unit: 'date', title: 'run' },
      y: { unit: 'ms', title: 'ms', min: 0 },
      series: [
        series(entries, 'average', (e) => e.figures.avgMs, palette[1]),
        series(entries, 'p95', (e) => e.figures.p95Ms, palette[2]),
      ],
      note,
    },
    errors: {
      title: 'Error rate',
      x: { unit: 'date', title: 'run' },
      y: { unit: 'rate', title: 'errors', min: 0 },
      series: [series(entries, 'error rate', (e) => e.figures.errorRate, palette[5])],
      note,
    },
    vus: {
      title: 'VUs (saturation point of scalability runs, VUs held in load-soaks)',
      x: { unit: 'date', title: 'run' },
      y: { unit: 'vus', title: 'VUs', min: 0 },
      series: [series(entries, 'VUs', (e) => e.figures.vus, palette[3])],
    },
  };
}

export async function renderTrend(input: TrendInput, outFile: string): Promise<string> {
  const entries = [...input.entries].sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
  const charts = trendCharts(entries);
  const body = await renderTemplate(join(here, 'trend.ejs'), {
    // A report link is kept only when it is http(s) or relative: the history file comes from outside.
    entries: [...entries].reverse().map((e) => ({ ...e, href: safeHref(e.report) })),
    latest: input.latest ?? null,
    warnings: input.warnings,
    charts,
    generatedAt: new Date().toISOString(),
  });
  const html = await renderPage({ title: 'Connect performance: nightly trend', body, charts });
  await writeFileAtomic(outFile, html);
  return html;
}
