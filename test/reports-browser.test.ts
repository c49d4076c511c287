// Opens real reports in headless Chromium from file:// with every non-file request blocked:
// each chart must draw, the page must log no error, and a screenshot is kept in test-output/.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { renderCompare, renderRunReports } from '../reports/index.ts';
import {
  hostileRun,
  interruptedRun,
  type RunParts,
  scalabilityRun,
  soakRun,
  writeRun,
} from './helpers/run-fixtures.ts';

const outputDir = join(import.meta.dirname, '..', 'test-output');

let browser: Browser;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'reports-browser-'));
  await mkdir(outputDir, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  await rm(root, { recursive: true, force: true });
});

interface CanvasState {
  id: string;
  width: number;
  height: number;
  painted: number;
  datasets: number;
  points: number;
}

async function openReport(file: string, screenshot: string) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const blocked: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog opened: ${dialog.message()}`);
    return dialog.dismiss();
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForFunction('document.documentElement.dataset.chartsDrawn !== undefined', undefined, {
    timeout: 10_000,
  });
  // Runs in the page (a string, since this project's types have no DOM): pixels each canvas
  // painted, and the data points chart.js holds for it.
  const canvases = (await page.evaluate(`[...document.querySelectorAll('canvas')].map((canvas) => {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
    const chart = Chart.getChart(canvas);
    const datasets = chart ? chart.data.datasets : [];
    const points = datasets.reduce(
      (sum, d) => sum + d.data.filter((p) => p !== null && (typeof p !== 'object' || p.y !== null)).length,
      0,
    );
    return { id: canvas.dataset.chart || '', width: canvas.width, height: canvas.height, painted, datasets: datasets.length, points };
  })`)) as CanvasState[];
  await page.screenshot({ path: join(outputDir, screenshot), fullPage: true });
  const missing = (await page.evaluate("document.documentElement.dataset.chartsMissing || ''")) as string;
  await page.close();
  return { problems, blocked, canvases, missing };
}

function assertChartsDrew(canvases: CanvasState[], expected: string[]) {
  const ids = canvases.map((c) => c.id);
  for (const id of expected)
    assert.ok(ids.includes(id), `chart ${id} is on the page (have ${ids.join(', ')})`);
  for (const canvas of canvases) {
    assert.ok(canvas.width > 100 && canvas.height > 100, `${canvas.id} has a size`);
    // Axes alone paint a few percent; data lines and bars add to it. A blank canvas paints 0.
    assert.ok(
      canvas.painted > canvas.width * canvas.height * 0.01,
      `${canvas.id} drew (${canvas.painted} pixels)`,
    );
    assert.ok(canvas.datasets > 0 && canvas.points > 0, `${canvas.id} has data (${canvas.points} points)`);
  }
}

const cases: Array<{ kind: string; parts: () => RunParts; charts: string[] }> = [
  {
    kind: 'load-soak',
    parts: () => soakRun(30),
    charts: ['throughput', 'latency', 'endpointLatency', 'errors', 'publish', 'node0', 'node1', 'node2'],
  },
  {
    kind: 'scalability',
    parts: scalabilityRun,
    charts: ['throughput', 'latency', 'errors', 'publish', 'scalability', 'node0'],
  },
  { kind: 'interrupted', parts: interruptedRun, charts: ['throughput', 'latency', 'errors'] },
  { kind: 'hostile', parts: hostileRun, charts: ['throughput', 'publish', 'node0'] },
];

describe('reports in headless Chromium', () => {
  for (const c of cases) {
    test(`${c.kind} report opens offline, draws every chart and logs no error`, async () => {
      const dir = await writeRun(join(root, c.kind), c.parts());
      const { html } = await renderRunReports(dir);
      const result = await openReport(html, `report-${c.kind}.png`);
      assert.deepEqual(result.problems, []);
      assert.deepEqual(result.blocked, [], 'no request leaves file://');
      assert.equal(result.missing, '', 'every canvas has a chart description');
      assertChartsDrew(result.canvases, c.charts);
    });
  }

  test('comparison report draws its overlay charts', async () => {
    const a = await writeRun(join(root, 'cmp-a'), soakRun(10));
    const b = await writeRun(join(root, 'cmp-b'), soakRun(10, false));
    const file = await renderCompare(a, b, join(root, 'compare.html'));
    const result = await openReport(file, 'report-compare.png');
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.blocked, []);
    assertChartsDrew(result.canvases, ['throughput', 'p95', 'errors']);
  });
});
