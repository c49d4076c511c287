// test-tier: unit
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { parseNightlyArgs, regressionMarkdown } from '../harness/commands/nightly.ts';
import type { HistoryEntry } from '../harness/nightly/history.ts';
import { detectRegressions } from '../harness/nightly/regression.ts';
import { renderTrend } from '../harness/nightly/trend.ts';
import { assertChartsDrew, launchBrowser, openReport } from './helpers/browser.ts';

function entry(day: number, rps: number, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    date: new Date(Date.UTC(2026, 10, day, 2)).toISOString(),
    runId: `2026-11-${String(day).padStart(2, '0')}T02-00-00Z-load-soak`,
    gitRevision: 'a1b2c3d4e5f6',
    target: 'https://connect.example.com',
    profile: 'reference',
    kind: 'load-soak',
    engine: 'k6 v1.4.0',
    figures: { rps, avgMs: 220 + day, p95Ms: 410 + day, errorRate: 0.0001 * day, vus: 400 },
    verdicts: { baseline: rps > 1456, thresholds: true, regression: false },
    report: `../runs/r${day}/report.html`,
    ...over,
  };
}

describe('nightly arguments', () => {
  it('keeps its own options and passes every other one to the load-soak', () => {
    const args = parseNightlyArgs(
      [
        '--profile',
        'smoke',
        '--history',
        'h.jsonl',
        '--vus=8',
        '--out',
        'o',
        '--fail-on-baseline',
        '--window',
        '5',
      ],
      {},
    );
    assert.notEqual(args, 'help');
    if (args === 'help') return;
    assert.deepEqual(args.passThrough, ['--profile', 'smoke', '--vus=8', '--fail-on-baseline']);
    assert.equal(args.history, 'h.jsonl');
    assert.equal(args.out, 'o');
    assert.equal(args.trend, join('o', 'trend.html'));
    assert.equal(args.window, 5);
    assert.equal(args.jobSummary, undefined);
  });

  it('writes the job summary to $GITHUB_STEP_SUMMARY by default and rejects bad numbers', () => {
    const args = parseNightlyArgs([], { GITHUB_STEP_SUMMARY: '/tmp/summary.md' });
    assert.ok(args !== 'help' && args.jobSummary === '/tmp/summary.md');
    assert.throws(() => parseNightlyArgs(['--window', '0'], {}), /--window must be a whole number/);
    assert.equal(parseNightlyArgs(['--help'], {}), 'help');
  });

  it('says in Markdown which figure regressed, by how much, against what', () => {
    const history = [1, 2, 3, 4, 5].map((d) => entry(d, 1600 + d));
    const report = detectRegressions(entry(9, 1200), history);
    const md = regressionMarkdown(report);
    assert.match(md, /❌ Regression/);
    assert.match(md, /\*\*throughput: 1,200 req\/s vs median 1,603 req\/s \(-25\.1 %\).*REGRESSION\*\*/);
    assert.match(md, /median of the last 14 comparable runs/);
  });
});

describe('trend page', () => {
  let browser: Browser;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trend-'));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows every run with links and regressions marked, escapes run strings, and draws in Chromium', async () => {
    const entries = [1, 2, 3, 4, 5, 6].map((d) => entry(d, 1600 + d * 3));
    entries.push(entry(0, 900, { target: 'https://x/<script>alert(1)</script>' }));
    const latest = entry(7, 1100);
    const regression = detectRegressions(latest, entries);
    latest.verdicts.regression = true;
    entries.push(latest);
    const file = join(dir, 'trend.html');
    await renderTrend(
      { entries, latest: { entry: latest, regression }, warnings: ['h.jsonl:3: skipped <bad>'] },
      file,
    );
    const html = await readFile(file, 'utf8');
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&lt;script&gt;alert/);
    assert.match(html, /✗ Regression/);
    assert.match(html, /href="..\/runs\/r1\/report.html"/);
    assert.equal((html.match(/<tr class="bad">/g) ?? []).length, 1);
    assert.match(html, /throughput: 1,100 req\/s vs median 1,611 req\/s/);
    assert.match(html, /h\.jsonl:3: skipped &lt;bad&gt;/);
    const result = await openReport(browser, file, 'nightly-trend.png');
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.blocked, []);
    assertChartsDrew(result.canvases, ['throughput', 'latency', 'errors', 'vus']);
  });
});
