// The nightly pipeline's local dry run, end to end, twice in a row: the load-soak (smoke profile)
// against the stand-in with the embedded engine, a local history file, and a two-point trend page
// that renders in headless Chromium. Needs `npm run build`, gunicorn and R.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { JsonlHistoryStore } from '../harness/nightly/history.ts';
import { assertChartsDrew, launchBrowser, openReport } from './helpers/browser.ts';
import { cliArgs } from './helpers/cli.ts';

let out: string;
let browser: Browser;
before(async () => {
  out = await mkdtemp(join(tmpdir(), 'nightly-e2e-'));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await rm(out, { recursive: true, force: true });
});

function nightly(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [...cliArgs('nightly'), ...args], {
    env: { ...process.env, CONNECT_SERVER: '', CONNECT_API_KEY: '', GITHUB_STEP_SUMMARY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    }),
  );
}

describe('nightly dry run', () => {
  it('runs twice against the stand-in and writes a two-point trend page that draws in Chromium', async () => {
    const history = join(out, 'history.jsonl');
    const summary = join(out, 'job-summary.md');
    const args = [
      '--profile',
      'smoke',
      // Two runs with a 6 s hold (the smoke profile's is 12 s): the history and trend need figures,
      // not a long window.
      '--duration',
      '6s',
      '--out',
      join(out, 'runs'),
      '--history',
      history,
      '--job-summary',
      summary,
    ];
    for (let i = 1; i <= 2; i++) {
      const { code, output } = await nightly(args);
      assert.equal(code, 0, `nightly run ${i} exited ${code}:\n${output.slice(-3000)}`);
      assert.match(output, /appended to .*history\.jsonl/);
    }
    const { entries, warnings } = await new JsonlHistoryStore(history).read();
    assert.deepEqual(warnings, []);
    assert.equal(entries.length, 2);
    for (const e of entries) {
      assert.equal(e.profile, 'smoke');
      assert.equal(e.target, 'local stand-in');
      assert.equal(e.kind, 'load-soak');
      assert.ok(e.figures.rps > 0, 'throughput measured');
      assert.equal(e.verdicts.thresholds, true);
      assert.equal(e.verdicts.regression, null, 'two runs are not enough history for a verdict');
    }
    const runs = readdirSync(join(out, 'runs')).filter((n) => n.endsWith('load-soak'));
    assert.equal(runs.length, 2);
    for (const run of runs) {
      assert.ok(
        readFileSync(join(out, 'runs', run, 'regression.json'), 'utf8').includes('"enoughHistory": false'),
      );
    }
    const jobSummary = readFileSync(summary, 'utf8');
    assert.equal((jobSummary.match(/Not enough history for a regression verdict/g) ?? []).length, 2);
    assert.match(jobSummary, /only 1 comparable run, no verdict/, 'the second run compares with the first');

    const trend = join(out, 'runs', 'trend.html');
    const html = readFileSync(trend, 'utf8');
    for (const run of runs) assert.ok(html.includes(`href="${run}/report.html"`), `trend links ${run}`);
    const result = await openReport(browser, trend, 'nightly-trend-e2e.png');
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.blocked, []);
    assertChartsDrew(result.canvases, ['throughput', 'latency', 'errors', 'vus']);
    for (const c of result.canvases) assert.equal(c.points / c.datasets, 2, `${c.id} has one point per run`);
  });
});
