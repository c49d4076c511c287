// Headless Chromium for report tests: opens a report from file:// with every non-file request
// blocked, and reports console errors, blocked requests and what each canvas drew.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export const outputDir = join(import.meta.dirname, '..', '..', 'test-output');

export async function launchBrowser(): Promise<Browser> {
  await mkdir(outputDir, { recursive: true });
  return chromium.launch({
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
}

export interface CanvasState {
  id: string;
  width: number;
  height: number;
  painted: number;
  datasets: number;
  points: number;
}

export async function openReport(browser: Browser, file: string, screenshot: string) {
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

export function assertChartsDrew(canvases: CanvasState[], expected: string[]) {
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
