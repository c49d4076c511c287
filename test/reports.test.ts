// test-tier: unit
// Report rendering from synthetic run folders: order of sections, escaping of every run string,
// size of a 30-minute soak, missing files, Markdown, JUnit and the comparison page.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SeriesPoint } from '../harness/record/types.ts';
import { renderCompare, renderRunReports } from '../harness/reporting/index.ts';
import {
  bucketSecondsFor,
  downsampleSeries,
  downsampleValues,
  maxChartPoints,
} from '../reports/downsample.ts';
import { formatMs, formatRate, formatRps } from '../reports/format.ts';
import type { ChartSpec } from '../reports/html/charts.ts';
import { embedJson } from '../reports/html/page.ts';
import { RUN_REPORT_FORMATS, type RunReportFormat } from '../reports/index.ts';
import { escapeXml } from '../reports/junit.ts';
import {
  hostile,
  hostileRun,
  interruptedRun,
  scalabilityRun,
  soakRun,
  writeRun,
} from './helpers/run-fixtures.ts';
import { findAll, parseXml } from './helpers/tiny-xml.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'reports-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function embeddedData(html: string): { charts: Record<string, ChartSpec> } {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, 'the page embeds its data block');
  return JSON.parse(match[1]);
}

async function render(name: string, parts: Parameters<typeof writeRun>[1]) {
  const dir = await writeRun(join(root, name), parts);
  const paths = await renderRunReports(dir);
  return {
    dir,
    paths,
    html: await readFile(paths.html, 'utf8'),
    markdown: await readFile(paths.markdown, 'utf8'),
    junit: await readFile(paths.junit, 'utf8'),
  };
}

describe('formatting', () => {
  test('numbers read like a person writes them', () => {
    assert.equal(formatRps(1618), '1,618 req/s');
    assert.equal(formatMs(223), '223 ms');
    assert.equal(formatRate(0), '0.00 %');
    assert.equal(formatMs(null), '—');
  });
});

describe('downsampling', () => {
  const point = (t: number, reqs: number, p99: number, max: number): SeriesPoint => ({
    t,
    reqs,
    failed: 1,
    avg: 10 * (t % 2 ? 1 : 3),
    p50: 10,
    p90: 20,
    p95: 30,
    p99,
    max,
  });

  test('keeps counts, the worst p99/max and a request-weighted mean', () => {
    const merged = downsampleSeries([point(0, 10, 50, 60), point(1, 30, 90, 900), point(2, 5, 40, 41)], 2, 0);
    assert.equal(merged.length, 2);
    assert.deepEqual([merged[0].reqs, merged[0].failed, merged[0].p99, merged[0].max], [40, 2, 90, 900]);
    assert.equal(merged[0].avg, (30 * 10 + 10 * 30) / 40);
  });

  test('a gap stays a gap and a bucket with values ignores the nulls', () => {
    const merged = downsampleValues(
      [
        { t: 0, v: null },
        { t: 1, v: null },
        { t: 2, v: 4 },
        { t: 3, v: null },
      ],
      2,
      0,
      'mean',
    );
    assert.deepEqual(merged, [
      { t: 0, v: null },
      { t: 2, v: 4 },
    ]);
  });

  test('a 30-minute span of 1 s steps fits in the point budget', () => {
    const bucket = bucketSecondsFor(1800, 1);
    assert.equal(bucket, 3);
    assert.ok(1800 / bucket <= maxChartPoints);
  });
});

describe('run report of a 30-minute soak', () => {
  let out: Awaited<ReturnType<typeof render>>;
  before(async () => {
    out = await render('soak', soakRun(30));
  });

  test('writes the three reports atomically, leaving no temporary file', async () => {
    const names = await readdir(out.dir);
    for (const name of ['report.html', 'summary.md', 'junit.xml']) assert.ok(names.includes(name), name);
    assert.deepEqual(
      names.filter((n) => n.endsWith('.tmp')),
      [],
    );
  });

  test('stays under 2 MB with every series within the point budget', async () => {
    const size = (await stat(out.paths.html)).size;
    assert.ok(size <= 2 * 1024 * 1024, `report is ${size} bytes`);
    const { charts } = embeddedData(out.html);
    for (const [id, spec] of Object.entries(charts)) {
      for (const series of spec.series) {
        assert.ok(
          series.points.length <= maxChartPoints,
          `${id}/${series.label} has ${series.points.length} points`,
        );
      }
    }
    assert.ok(charts.throughput.series[0].points.length >= 500, 'the soak still has detail');
  });

  test('puts the verdict and baseline table before everything else', () => {
    const order = ['id="verdict"', 'class="baseline-table"', 'id="headline"', 'id="load"', 'id="errors"'];
    const positions = order.map((marker) => out.html.indexOf(marker));
    assert.ok(
      positions.every((p, i) => p > 0 && (i === 0 || p > positions[i - 1])),
      `sections in order: ${positions}`,
    );
    assert.match(out.html, /<div class="verdict not-comparable">/);
    assert.match(out.html, /Not comparable with the published baseline/);
    assert.doesNotMatch(
      out.html,
      /Meets the published baseline|✓ pass<|class="verdict pass"/,
      'a stand-in run never reads as a pass',
    );
    assert.match(out.html, /<td class="muted">within the limit<\/td>/);
    assert.match(out.html, /≥ 1,456.2 req\/s/);
    assert.match(out.html, /at least 90 % of the baseline/);
    assert.match(
      out.html,
      /Stand-in on this machine: figures are not comparable with Posit&#39;s EKS result\./,
    );
    assert.match(out.html, /1,650 req\/s/);
  });

  test('is self-contained: chart.js inlined, nothing loaded from elsewhere', () => {
    assert.match(out.html, /Chart\.js v4/);
    assert.doesNotMatch(out.html, /<script[^>]+src=/);
    assert.doesNotMatch(out.html, /<link[^>]+href=/);
    assert.doesNotMatch(out.html, /@import|url\(http/);
    assert.match(out.html, /Content-Security-Policy" content="default-src 'none'/);
  });

  test('lines node metrics up on the run time axis, gaps kept as nulls', () => {
    const { charts } = embeddedData(out.html);
    const cpu = charts.node0;
    assert.equal(cpu.x.unit, 'elapsed');
    assert.deepEqual([cpu.x.min, cpu.x.max], [charts.throughput.x.min, charts.throughput.x.max]);
    assert.ok(
      cpu.series[0].points.some(([, y]) => y === null),
      'the 30 s outage shows as a gap',
    );
  });

  test("draws Connect's process count on the load charts' time axis, with max_processes", () => {
    const { charts } = embeddedData(out.html);
    const chart = charts.processes;
    assert.ok(chart, 'the processes chart is there');
    assert.deepEqual([chart.x.min, chart.x.max], [charts.throughput.x.min, charts.throughput.x.max]);
    assert.deepEqual(
      [chart.x.unit, chart.x.min, chart.x.max],
      [charts.latency.x.unit, charts.latency.x.min, charts.latency.x.max],
    );
    const mean = chart.series.find((s) => s.label === 'running (mean)');
    assert.equal(mean?.points[0][1], 1, 'one process at the start');
    assert.equal(mean?.points.at(-1)?.[1], 3, 'three at the end');
    assert.ok(chart.series.some((s) => s.label === 'max_processes (3)'));
    const html = out.html;
    const order = ['data-chart="latency"', 'data-chart="processes"', 'data-chart="endpointLatency"'].map(
      (id) => html.indexOf(id),
    );
    assert.ok(
      order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1])),
      `chart order ${order}`,
    );
    assert.match(html, /3 distinct processes on 2 hosts were seen running/);
    assert.match(html, /3 of 3 allowed processes \(max_processes 3\) were running/);
  });

  test('has the per-request table and the failed publish cycle with its error', () => {
    assert.match(out.html, /\/content\/flask\/stocks\/\{ticker\}\/history/);
    assert.match(out.html, /deploy task failed: exit 1/);
    assert.match(out.html, /Failed cycles/);
  });

  test('Markdown summary: verdict title, baseline table, figures, thresholds, top requests', () => {
    const md = out.markdown;
    assert.match(md.split('\n')[0], /^## ⚪ NOT COMPARABLE: Load test \(soak\), local profile$/);
    assert.match(
      md,
      /\| Throughput \| 1,650 req\/s \| 1,618 req\/s \| ≥ 1,456.2 req\/s \| within the limit \|/,
    );
    assert.doesNotMatch(md, /PASS|✅/);
    assert.match(md, /Stand-in on this machine/);
    assert.match(md, /All 2 thresholds passed\./);
    assert.match(md, /### Top requests/);
    assert.equal(md.split('\n').filter((l) => l.startsWith('Connect processes: ')).length, 1);
    assert.match(md, /^Connect processes: Connect ran 3 Flask processes on average \(at most 3\)/m);
    assert.doesNotMatch(md, /\]\(|<a /, 'no links');
  });

  test('JUnit: one suite, counts matching its testcases, a case per threshold and verdict check', () => {
    const doc = parseXml(out.junit);
    assert.equal(doc.name, 'testsuites');
    const suites = findAll(doc, 'testsuite');
    assert.equal(suites.length, 1);
    const cases = findAll(doc, 'testcase');
    assert.equal(Number(doc.attributes.tests), cases.length);
    assert.equal(Number(suites[0].attributes.tests), cases.length);
    assert.equal(Number(doc.attributes.failures), findAll(doc, 'failure').length);
    assert.equal(Number(doc.attributes.failures), 0);
    assert.equal(doc.attributes.time, '1800.000');
    const names = cases.map((c) => c.attributes.name);
    assert.ok(names.includes('http_req_duration: p(95)<500'));
    assert.ok(names.includes('baseline: throughput >= 1456.2 req/s'));
    assert.ok(names.includes('baseline: latency_avg <= 245.3 ms'));
    assert.ok(names.includes('run: completed'));
    const baseline = cases.filter((c) => c.attributes.name.startsWith('baseline:'));
    assert.equal(baseline.length, 3);
    for (const c of baseline)
      assert.equal(findAll(c, 'skipped').length, 1, 'not comparable: a skipped case, not a pass');
    assert.equal(Number(suites[0].attributes.skipped), 3);
  });
});

describe('report formats', () => {
  test('are a registry: html, markdown and junit, and a registered format is written like them', async () => {
    assert.deepEqual(Object.keys(RUN_REPORT_FORMATS), ['html', 'markdown', 'junit']);
    const registry = RUN_REPORT_FORMATS as unknown as Record<string, RunReportFormat>;
    registry.ids = { fileName: 'ids.txt', render: (record) => `${record.meta.id}\n` };
    try {
      const dir = await writeRun(join(root, 'registry'), interruptedRun());
      const paths = (await renderRunReports(dir)) as Record<string, string>;
      assert.deepEqual(Object.keys(paths), ['html', 'markdown', 'junit', 'ids']);
      assert.equal(paths.ids, join(dir, 'ids.txt'));
      assert.equal(await readFile(paths.ids, 'utf8'), `${interruptedRun().meta.id}\n`);
    } finally {
      delete registry.ids;
    }
  });
});

describe('run report of a scalability run', () => {
  test('shows the saturation point with its marker, method and levels', async () => {
    const out = await render('scalability', scalabilityRun());
    assert.match(out.html, /Saturation at 200 VUs: 1,600 req\/s/);
    assert.match(out.html, /Method: Mean throughput per VU level/);
    assert.match(out.html, /200 ◀ saturation/);
    const { charts } = embeddedData(out.html);
    assert.deepEqual(charts.scalability.markers, [{ x: 200, label: 'saturation: 200 VUs' }]);
    assert.equal(charts.scalability.series[0].points.length, 6);
    assert.equal(charts.throughput.bands?.length, 6, 'each VU level is shaded on the time axis');
    assert.match(out.markdown, /^## ⚪ NO VERDICT: Scalability test/);
    assert.match(out.markdown, /Saturation at \*\*200 VUs\*\*/);
    assert.match(out.markdown, /\| 200 ◀ \| 1,600 req\/s/);
  });
});

describe('run report of an interrupted run', () => {
  test('says INTERRUPTED, lists the missing files and still draws the partial series', async () => {
    const out = await render('interrupted', interruptedRun());
    assert.match(out.html, /class="banner interrupted"/);
    assert.match(out.html, /INTERRUPTED \(engine exit code 105\)/);
    for (const name of ['summary.json', 'publish.json', 'node-metrics.json', 'analysis.json']) {
      assert.match(out.html, new RegExp(`${name.replace('.', '\\.')} is missing`));
    }
    assert.match(out.html, /No verdict: analysis\.json is missing/);
    const { charts } = embeddedData(out.html);
    assert.equal(charts.throughput.series[0].points.length, 90);
    assert.equal(charts.node0, undefined);
    assert.match(out.markdown, /^## ⚠️ INTERRUPTED · ⚪ NO VERDICT/);
    const doc = parseXml(out.junit);
    assert.equal(doc.attributes.failures, '1');
    const failure = findAll(doc, 'failure')[0];
    assert.equal(failure.attributes.type, 'interrupted');
    assert.match(failure.attributes.message, /Stopped with Ctrl-C/);
  });

  test('with only run.json the reports still render', async () => {
    const parts = interruptedRun();
    delete parts.timeseries;
    const out = await render('only-run-json', parts);
    assert.match(out.html, /timeseries\.json is missing/);
    assert.match(out.html, /No time series was recorded/);
    assert.deepEqual(embeddedData(out.html).charts, {});
  });

  test('without run.json the error says what to pass', async () => {
    const dir = await writeRun(join(root, 'no-run-json'), soakRun(1));
    await unlink(join(dir, 'run.json'));
    await assert.rejects(renderRunReports(dir), /not a run folder: .* \(missing run\.json\)/);
  });
});

describe('hostile strings', () => {
  let out: Awaited<ReturnType<typeof render>>;
  before(async () => {
    out = await render('hostile', hostileRun());
  });

  test('never reach the HTML as markup', () => {
    assert.ok(!out.html.includes('<img src=x'), 'no injected element');
    assert.match(out.html, /&lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt;/);
    const block = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(out.html)![1];
    assert.ok(!/<\/script|<!--/i.test(block), 'the data block cannot end early');
    const data = JSON.parse(block) as { charts: Record<string, ChartSpec> };
    assert.ok(data.charts.endpointLatency.series[0].label.includes(hostile), 'the data round-trips intact');
    assert.ok(data.charts.node0.series[0].label.includes(hostile));
  });

  test('the JSON embedding escapes every closing sequence', () => {
    const text = embedJson({ a: '</script><!-- & \u2028' });
    assert.ok(!/[<>&\u2028]/.test(text));
    assert.deepEqual(JSON.parse(text), { a: '</script><!-- & \u2028' });
  });

  test('stay text in Markdown and JUnit', () => {
    // Inside a code span Markdown shows `<` literally; everywhere else it must be escaped.
    const outsideCode = out.markdown.replace(/``.*?``|`[^`]*`/g, '');
    assert.ok(!outsideCode.includes('<img'), 'no HTML in Markdown');
    assert.match(out.markdown, /`\/content\/<\/script><img src=x onerror=alert\(1\)>\/"'&<!--`/);
    assert.match(out.markdown, /^## ❌ FAIL/);
    assert.match(out.markdown, /1 of 2 thresholds failed/);
    const doc = parseXml(out.junit);
    const names = findAll(doc, 'testcase').map((c) => c.attributes.name);
    assert.ok(names.includes(`custom{name:${hostile}}: rate<0.01`));
    assert.equal(doc.attributes.failures, '2');
    const messages = findAll(doc, 'failure').map((f) => f.attributes.message);
    assert.ok(messages.includes('measured 612, limit p(95)<500'), messages.join(' | '));
    assert.ok(messages.some((m) => /^measured 1,200 req\/s, limit ≥ 1,456.2 req\/s/.test(m)));
    assert.equal(escapeXml('a\u0001b<'), 'ab&lt;');
  });
});

describe('thresholds straight from the k6 summary', () => {
  test('k6 marks a failed threshold true; the reports show it failed', async () => {
    const parts = hostileRun();
    delete parts.analysis;
    const out = await render('summary-only', parts);
    assert.match(out.html, /p\(95\)&lt;500<\/td><td class="no">✗ failed/);
    assert.match(out.html, /rate&lt;0\.01<\/td><td class="ok">✓ passed/);
    assert.match(out.html, /publish › api answers/);
    const doc = parseXml(out.junit);
    const failed = findAll(doc, 'testcase').filter((c) => findAll(c, 'failure').length);
    assert.deepEqual(
      failed.map((c) => c.attributes.name),
      ['http_req_duration: p(95)<500'],
    );
  });
});

describe('comparison of two runs', () => {
  test('shows both runs with coloured deltas', async () => {
    const a = await writeRun(join(root, 'cmp-a'), soakRun(5, true, 'connect'));
    const b = await writeRun(join(root, 'cmp-b'), soakRun(5, false, 'connect'));
    const file = await renderCompare(a, b, join(root, 'compare.html'));
    const html = await readFile(file, 'utf8');
    assert.match(html, /<td class="num worse">−27.3 % ▼ worse<\/td>/);
    assert.match(html, /A: ✓ Meets the published baseline/);
    assert.match(html, /B: ✗ Below the published baseline/);
    assert.match(html, /<td class="num">1,650 req\/s<\/td><td class="num">1,200 req\/s<\/td>/);
    const { charts } = embeddedData(html);
    assert.deepEqual(Object.keys(charts).sort(), ['errors', 'p95', 'throughput']);
    assert.equal(charts.throughput.series.length, 2);
  });

  test('a better figure is green', async () => {
    const a = join(root, 'cmp-b');
    const b = join(root, 'cmp-a');
    const html = await readFile(await renderCompare(a, b, join(root, 'compare2.html')), 'utf8');
    assert.match(html, /<td class="num better">\+37.5 % ▲ better<\/td>/);
  });
});
