// Opens real reports in headless Chromium from file:// with every non-file request blocked:
// each chart must draw, the page must log no error, and a screenshot is kept in test-output/.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { renderCompare, renderRunReports } from '../harness/reporting/index.ts';
import { assertChartsDrew, launchBrowser, openReport } from './helpers/browser.ts';
import {
  hostileRun,
  interruptedRun,
  type RunParts,
  scalabilityRun,
  soakRun,
  writeRun,
} from './helpers/run-fixtures.ts';

let browser: Browser;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'reports-browser-'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await rm(root, { recursive: true, force: true });
});

const cases: Array<{ kind: string; parts: () => RunParts; charts: string[] }> = [
  {
    kind: 'load-soak',
    parts: () => soakRun(30),
    charts: [
      'throughput',
      'latency',
      'processes',
      'endpointLatency',
      'errors',
      'publish',
      'node0',
      'node1',
      'node2',
    ],
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
      const result = await openReport(browser, html, `report-${c.kind}.png`);
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
    const result = await openReport(browser, file, 'report-compare.png');
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.blocked, []);
    assertChartsDrew(result.canvases, ['throughput', 'p95', 'errors']);
  });

  test('the comparison of two stand-in runs shows no pass verdict, in neutral colour', async () => {
    const file = await renderCompare(
      join(root, 'cmp-a'),
      join(root, 'cmp-a'),
      join(root, 'compare-standin.html'),
    );
    const page = await browser.newPage();
    try {
      await page.goto(pathToFileURL(file).href);
      const verdict = (await page.locator('#verdict').textContent()) ?? '';
      assert.match(verdict, /A: Not comparable with the published baseline/);
      assert.match(verdict, /B: Not comparable with the published baseline/);
      assert.doesNotMatch(verdict, /Meets|✓|✗|\bpass\b/i);
      // A string, so that the page's DOM types stay out of this Node-typed file.
      const colours = await page.evaluate<string[]>(
        "[...document.querySelectorAll('#verdict .verdict .headline')].map((n) => getComputedStyle(n).color)",
      );
      assert.deepEqual(colours, ['rgb(95, 107, 122)', 'rgb(95, 107, 122)'], 'the muted grey, not green');
    } finally {
      await page.close();
    }
  });
});
