// The same hostile strings fed to every output: the HTML report, the compare page and the trend
// page opened in Chromium (no script runs, no injected element, no javascript: link), the
// Markdown summary rendered by a CommonMark renderer with raw HTML allowed (as a job summary
// would render it), the JUnit XML parsed, and the terminal lines.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import MarkdownIt from 'markdown-it';
import type { Browser, Page } from 'playwright-core';
import type { HistoryEntry } from '../harness/nightly/history.ts';
import { renderTrend } from '../harness/nightly/trend.ts';
import { verdictLines } from '../harness/pipeline/finish-run.ts';
import { renderCompare, renderRunReports } from '../harness/reporting/index.ts';
import { markdownCode, safeHref, terminalText } from '../reports/inert.ts';
import { launchBrowser } from './helpers/browser.ts';
import { type RunParts, soakRun, writeRun } from './helpers/run-fixtures.ts';
import { findAll, parseXml } from './helpers/tiny-xml.ts';

const HOSTILE = [
  '</script><img src=x onerror=alert(1)>',
  'a``<img src=x onerror=alert(2)>``<b>bold</b>',
  '`` ` ```<b>fence</b>` ',
  '[click](javascript:alert(3)) <javascript:alert(4)> ![i](x)',
  '\n## Heading\n- item\n| a | b |',
  '\x1b[2J\x1b]0;pwned\x07\r\bdone',
  ']]><!-- &amp; &#60;script&#62; \u202e<svg onload=alert(5)>',
];

function hostileParts(): RunParts {
  const parts = soakRun(3, false, 'connect');
  const ts = parts.timeseries!;
  const first = ts.endpoints[0];
  ts.endpoints = HOSTILE.map((name, i) => ({ ...first, name, method: `GET${i}`, count: 100 - i }));
  ts.byName = Object.fromEntries(HOSTILE.map((name) => [name, ts.total]));
  parts.meta.target.url = `https://connect.example.com/${HOSTILE[0]}`;
  parts.meta.message = HOSTILE.join(' ');
  parts.meta.status = 'failed';
  parts.publish![0] = { ...parts.publish![0], ok: false, error: HOSTILE.join(' ') };
  parts.nodeMetrics!.series[0].label = HOSTILE[1];
  const analysis = parts.analysis!;
  analysis.thresholds = HOSTILE.map((h, i) => ({
    metric: `custom{name:${h}}`,
    expression: 'rate<0.01',
    ok: i % 2 === 0,
  }));
  analysis.checks = HOSTILE.map((name) => ({ name, passes: 1, fails: 1 }));
  analysis.generator = {
    verdict: 'limited',
    reasons: HOSTILE,
    figures: {
      engineCpuPercent: 90,
      engineCpuP95Percent: 99,
      cpus: 1,
      eventLoopP99MaxMs: 1,
      eventLoopP99MedianMs: 1,
      machineCpuPercent: null,
      droppedIterations: 0,
      vus: 4,
      littleBusyFraction: 0.9,
      sources: [HOSTILE[3]],
    },
  };
  return parts;
}

let root: string;
let browser: Browser;
let runDir: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'inert-'));
  browser = await launchBrowser();
  runDir = await writeRun(join(root, 'hostile'), hostileParts());
  await renderRunReports(runDir);
});
after(async () => {
  await browser?.close();
  await rm(root, { recursive: true, force: true });
});

/** Opens a page; returns what a script would have done: dialogs, injected elements, bad links. */
async function inspect(file: string, act?: (page: Page) => Promise<void>) {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    return dialog.dismiss();
  });
  await page.route('**/*', (route) =>
    route.request().url().startsWith('file:') ? route.continue() : route.abort(),
  );
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await act?.(page);
  await page.waitForTimeout(200);
  const found = (await page.evaluate(`({
    injected: document.querySelectorAll('img, svg, b, iframe, object, embed').length,
    links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
    text: document.body.textContent,
  })`)) as { injected: number; links: string[]; text: string };
  await page.close();
  return { dialogs, ...found };
}

describe('hostile strings stay inert in every output', () => {
  it('the run report in Chromium', async () => {
    const page = await inspect(join(runDir, 'report.html'));
    assert.deepEqual(page.dialogs, []);
    assert.equal(page.injected, 0);
    assert.deepEqual(page.links, []);
    assert.ok(page.text.includes('<img src=x onerror=alert(2)>'), 'shown as text');
  });

  it('the compare page in Chromium', async () => {
    const file = await renderCompare(runDir, runDir, join(root, 'compare.html'));
    const page = await inspect(file);
    assert.deepEqual(page.dialogs, []);
    assert.equal(page.injected, 0);
    assert.deepEqual(page.links, []);
  });

  it('the trend page in Chromium: a javascript: report link is not clickable', async () => {
    const base: HistoryEntry = {
      date: '2026-11-27T02:00:00Z',
      runId: HOSTILE[0],
      gitRevision: HOSTILE[1],
      target: HOSTILE[3],
      profile: 'reference',
      kind: 'load-soak',
      engine: HOSTILE[2],
      figures: { rps: 1600, avgMs: 220, p95Ms: 400, errorRate: 0, vus: 400 },
      verdicts: { baseline: true, thresholds: true, regression: false },
    };
    const reports = [
      'javascript:alert(6)',
      ' JaVa\tScRiPt:alert(7)',
      'data:text/html,<script>alert(8)</script>',
      '//evil.example/x',
      'vbscript:msgbox(9)',
      '../runs/ok/report.html',
      'https://ci.example.com/run/1/report.html',
    ];
    const entries = reports.map((report, i) => ({
      ...base,
      date: `2026-11-${String(10 + i).padStart(2, '0')}T02:00:00Z`,
      runId: `${HOSTILE[i]}-${i}`,
      report,
    }));
    const file = join(root, 'trend.html');
    await renderTrend({ entries, warnings: HOSTILE }, file);
    const page = await inspect(file, async (p) => {
      // Click every run id: none may run a script or leave the page.
      for (const cell of await p.locator('#runs td.mono:first-of-type, #runs td:nth-child(2)').all())
        await cell.click({ timeout: 2000 }).catch(() => {});
    });
    assert.deepEqual(page.dialogs, []);
    assert.equal(page.injected, 0);
    assert.deepEqual(page.links.sort(), [
      '../runs/ok/report.html',
      'https://ci.example.com/run/1/report.html',
    ]);
  });

  it('the Markdown summary rendered by a CommonMark renderer with raw HTML on', async () => {
    const markdown = await readFile(join(runDir, 'summary.md'), 'utf8');
    const html = new MarkdownIt({ html: true }).render(markdown);
    for (const tag of ['<img', '<b>', '<svg', '<script', '<a ', '<h2>Heading', '<li>item'])
      assert.ok(!html.includes(tag), `no ${tag} in the rendered summary`);
    // Each hostile request name is one code span whose text is the name itself.
    const code = [...html.matchAll(/<code>([^<]*)<\/code>/g)].map((m) =>
      m[1]
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&'),
    );
    for (const h of HOSTILE.slice(0, 4)) {
      const expected = h.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
      assert.ok(code.includes(expected), `code span of ${JSON.stringify(h)}`);
    }
  });

  it('code spans hold any string, and links keep only http(s) and relative targets', () => {
    const md = new MarkdownIt();
    for (const h of [...HOSTILE, '`', '``', ' ` ', 'x`', '`x', '  ']) {
      const rendered = md.renderInline(markdownCode(h));
      const inner = /^<code>(.*)<\/code>$/s.exec(rendered);
      assert.ok(inner, `one code span for ${JSON.stringify(h)}: ${rendered}`);
    }
    assert.equal(safeHref('javascript:alert(1)'), null);
    assert.equal(safeHref('java\nscript:alert(1)'), null);
    assert.equal(safeHref('//evil.example'), null);
    assert.equal(safeHref('a:b/report.html'), null, 'read as a scheme by browsers');
    assert.equal(safeHref('runs/a:b/report.html'), 'runs/a:b/report.html');
    assert.equal(safeHref('runs/x/report.html?a=b:c'), 'runs/x/report.html?a=b:c');
    assert.equal(safeHref('HTTPS://ci.example.com/x'), 'HTTPS://ci.example.com/x');
  });

  it('the JUnit XML parses and carries each string as text', async () => {
    const junit = await readFile(join(runDir, 'junit.xml'), 'utf8');
    const doc = parseXml(junit);
    const names = findAll(doc, 'testcase').map((c) => c.attributes.name);
    assert.ok(names.includes(`custom{name:${HOSTILE[0]}}: rate<0.01`));
    assert.ok(names.includes(`custom{name:${HOSTILE[6]}}: rate<0.01`));
    assert.equal(
      findAll(doc, 'testcase').filter((c) => c.attributes.classname.endsWith('.generator')).length,
      1,
    );
  });

  it('the terminal lines have no raw control character', () => {
    const parts = hostileParts();
    const lines = verdictLines(parts.analysis!).map(terminalText);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    for (const line of lines) assert.doesNotMatch(line, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    assert.ok(
      lines.some((l) => l.includes('\\x1b[2J')),
      'the escape is shown, not sent',
    );
  });
});
