// test-tier: unit
// benc-uk/k6-reporter's htmlReport() when its bundle cannot be downloaded: the engine's own HTML
// page of the same summary data (engine/jslib/k6-reporter.ts). Runs against a local HTTP server
// with downloads switched off (NO_DOWNLOAD_ENV); the page is parsed with cheerio and every number
// and mark it shows is compared with the summary data handleSummary got.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import * as cheerio from 'cheerio';
import { reportFor } from '../engine/jslib/k6-reporter.ts';
import { offlineJslibSource } from '../engine/jslib/registry.ts';
import { NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import type { SummaryData, SummaryGroup } from '../engine/metrics/types.ts';
import { freshModuleCache, run, runOnBothKinds, startServer, tempDir } from './engine-fixtures.ts';

process.env[NO_DOWNLOAD_ENV] = '1';
const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer((req, res) => {
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
    res.end('hello');
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

const RAW = (ref: string) => `https://raw.githubusercontent.com/benc-uk/k6-reporter/${ref}/dist/bundle.js`;
const moduleCache = () => freshModuleCache(files.dir);
const infoLines = (stderr: string, ref: string) =>
  stderr
    .split('\n')
    .filter(
      (l) =>
        l.includes(`${RAW(ref)} cannot be downloaded`) &&
        l.includes(`k6-reporter ${ref} is replaced: htmlReport() writes the node engine's own HTML report`),
    );

type Page = ReturnType<typeof cheerio.load>;
const text = ($: Page, selector: string) => $(selector).first().text().trim();
const shown = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const rows = ($: Page, selector: string) =>
  $(`${selector} tbody tr`)
    .toArray()
    .map((tr) =>
      $(tr)
        .find('td')
        .toArray()
        .map((td) => $(td).text().trim()),
    );

function allChecks(group: SummaryGroup): Array<{ name: string; passes: number; fails: number }> {
  return [...group.checks, ...group.groups.flatMap(allChecks)];
}

/** Asserts that the page shows `data`: totals, thresholds, checks by group, trends. */
function assertShows($: Page, data: SummaryData) {
  const m = data.metrics;
  assert.equal(text($, '#requests strong'), String(m.http_reqs.values.count));
  assert.equal(text($, '#failed-requests strong'), String(m.http_req_failed.values.passes));
  assert.equal(text($, '#iterations strong'), String(m.iterations.values.count));
  const checks = allChecks(data.root_group);
  assert.equal(text($, '#check-passes strong'), String(checks.reduce((a, c) => a + c.passes, 0)));
  assert.equal(text($, '#check-fails strong'), String(checks.reduce((a, c) => a + c.fails, 0)));

  const thresholds = Object.entries(m).flatMap(([name, metric]) =>
    Object.entries(metric.thresholds ?? {}).map(([expr, r]) => [name, expr, r.ok ? '✓ pass' : '✗ fail']),
  );
  assert.deepEqual(rows($, 'table.thresholds').sort(), thresholds.sort());
  assert.equal(
    text($, '#thresholds-breached strong'),
    String(thresholds.filter((t) => t[2] === '✗ fail').length),
  );

  const trends = rows($, 'table.trends');
  const columns = $('table.trends thead th')
    .toArray()
    .map((th) => $(th).text())
    .slice(1);
  const trendNames = Object.keys(m)
    .filter((n) => m[n].type === 'trend')
    .sort();
  assert.deepEqual(
    trends.map((r) => r[0]),
    trendNames,
  );
  for (const row of trends) {
    const values = m[row[0]].values;
    assert.deepEqual(
      row.slice(1),
      columns.map((c) => shown(values[c])),
      row[0],
    );
  }
}

describe('k6-reporter offline', () => {
  test('htmlReport in handleSummary shows the summary data, on both kinds of VU, with one info line', async () => {
    const out = (kind: string) => `${files.dir}/report-${kind}`;
    const results = await runOnBothKinds(
      files,
      'reporter',
      `import http from 'k6/http';
import { check, group } from 'k6';
import { Trend } from 'k6/metrics';
import { htmlReport } from '${RAW('main')}';
const waits = new Trend('my_waits', true);
export const options = {
  vus: 2,
  iterations: 4,
  thresholds: {
    http_req_duration: ['p(95)<60000'],
    checks: ['rate>0.99'],
    my_waits: ['avg<1000000', 'max<0'],
  },
};
export default FN () {
  const ok = AWAIT http.get('${server.url}/ok');
  check(ok, { 'status is 200': (r) => r.status === 200 });
  group('shop', () => {
    check(ok, { 'body is hello': (r) => r.body === 'hello', 'never true': () => false });
    group('cart', () => {
      check(__ITER, { 'first iteration only': (i) => i === 0 });
    });
  });
  const missing = AWAIT http.get('${server.url}/missing');
  check(missing, { 'missing is 404': (r) => r.status === 404 });
  waits.add(12.345 + __ITER);
}
export function handleSummary(data) {
  const kind = 'FN'.startsWith('async') ? 'async' : 'synchronous';
  return {
    [${JSON.stringify(out(''))} + kind + '.html']: htmlReport(data, { title: 'Stock API ' + kind }),
    [${JSON.stringify(out(''))} + kind + '.json']: JSON.stringify(data),
  };
}`,
      { moduleCache: moduleCache() },
    );
    for (const [kind, r] of Object.entries(results)) {
      // checks: rate>0.99 and max<0 fail.
      assert.equal(r.exitCode, 99, `${kind}: ${r.stderr}`);
      assert.equal(infoLines(r.stderr, 'main').length, 1, `${kind}: ${r.stderr}`);
      const html = readFileSync(`${out(kind)}.html`, 'utf8');
      const data = JSON.parse(readFileSync(`${out(kind)}.json`, 'utf8')) as SummaryData;
      const $ = cheerio.load(html);
      assert.equal($('title').text(), `Stock API ${kind}`);
      assert.equal(text($, 'h1'), `Stock API ${kind}`);
      assert.equal(data.metrics.http_reqs.values.count, 8, kind);
      assert.equal(data.metrics.http_req_failed.values.passes, 4, kind);
      assertShows($, data);
      // Checks by group, as counted by the run.
      assert.deepEqual(
        Object.fromEntries(
          $('table.checks')
            .toArray()
            .map((t) => [
              $(t).find('caption').text(),
              $(t)
                .find('tbody tr')
                .toArray()
                .map((tr) => [0, 1, 2, 4].map((i) => $(tr).find('td').eq(i).text())),
            ]),
        ),
        {
          'Checks outside any group': [
            ['status is 200', '4', '0', '✓ pass'],
            ['missing is 404', '4', '0', '✓ pass'],
          ],
          'Group shop': [
            ['body is hello', '4', '0', '✓ pass'],
            ['never true', '0', '4', '✗ fail'],
          ],
          'Group shop › cart': [['first iteration only', '2', '2', '✗ fail']],
        },
        kind,
      );
      assert.deepEqual(
        rows($, 'table.thresholds').find((row) => row[0] === 'my_waits' && row[1] === 'max<0'),
        ['my_waits', 'max<0', '✗ fail'],
      );
      assert.equal(text($, '#thresholds-breached strong'), '2');
      const waits = rows($, 'table.trends').find((row) => row[0] === 'my_waits');
      assert.equal(waits?.[1], data.metrics.my_waits.values.avg.toFixed(2));
      // Self-contained: no script, no external resource.
      assert.equal($('script, link, img, iframe').length, 0);
      assert.doesNotMatch(html, /https?:\/\//);
    }
  });

  test('names, groups and the title from the data are inert', async () => {
    const title = `<script>alert("t")</script> & "quoted" 'x'`;
    const checkName = `<script>alert("c")</script> & "q"`;
    const groupName = `<b onmouseover="x">g&amp;</b>`;
    const out = `${files.dir}/inert.html`;
    const r = await run({
      script: files.write(
        'inert.js',
        `import { check, group } from 'k6';
import { Trend } from 'k6/metrics';
import { htmlReport } from '${RAW('3.0.4')}';
const t = new Trend('tr');
export const options = { iterations: 1, thresholds: { 'tr{kind:<i>"&"</i>}': ['avg<1000'] } };
export default function () {
  t.add(1, { kind: '<i>"&"</i>' });
  group(${JSON.stringify(groupName)}, () => { check(1, { ${JSON.stringify(checkName)}: () => true }); });
}
export function handleSummary(data) {
  return { ${JSON.stringify(out)}: htmlReport(data, { title: ${JSON.stringify(title)}, theme: 'bootswatch:darkly' }) };
}`,
      ),
      moduleCache: moduleCache(),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(infoLines(r.stderr, '3.0.4').length, 1, r.stderr);
    const html = readFileSync(out, 'utf8');
    const $ = cheerio.load(html);
    assert.equal($('script').length, 0);
    assert.equal($('b, i').length, 0);
    assert.equal($('[onmouseover]').length, 0);
    assert.equal($('title').text(), title);
    assert.equal(text($, 'h1'), title);
    assert.equal(text($, 'table.checks caption'), `Group ${groupName}`);
    assert.equal(rows($, 'table.checks')[0][0], checkName);
    assert.ok(
      rows($, 'table.trends').some((row) => row[0] === 'tr{kind:<i>"&"</i>}'),
      html,
    );
    assert.deepEqual(rows($, 'table.thresholds'), [['tr{kind:<i>"&"</i>}', 'avg<1000', '✓ pass']]);
    assert.doesNotMatch(html, /<script|<b |<i>/);
  });

  test('debug: true prints the summary data on the console, as the library does', async () => {
    const r = await run({
      script: files.write(
        'debug.js',
        `import { htmlReport } from '${RAW('2.4.0')}';
export const options = { iterations: 1 };
export default function () {}
export function handleSummary(data) {
  const html = htmlReport(data, { debug: true });
  return { stdout: html.startsWith('<!DOCTYPE html>') ? 'a page' : 'no page' };
}`,
      ),
      moduleCache: moduleCache(),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'a page');
    // One console line (its quotes escaped by the log format) holding the indented JSON.
    assert.match(r.stderr, /level=info msg="\{\\n {2}\\"root_group\\": \{\\n/);
    assert.equal(infoLines(r.stderr, '2.4.0').length, 1, r.stderr);
  });

  test('a name the bundle does not export stops the script with the usual error', async () => {
    const r = await run({
      script: files.write(
        'other-export.js',
        `import { htmlReport, textSummary } from '${RAW('latest')}';
export default function () {}
export function handleSummary(data) { return { stdout: textSummary(data) + htmlReport(data) }; }`,
      ),
      moduleCache: moduleCache(),
    });
    assert.equal(r.exitCode, 107);
    assert.match(r.stderr, /textSummary/);
  });
});

describe('k6-reporter versions', () => {
  const group = (name: string, checks: Array<[string, number, number]>, groups: SummaryGroup[] = []) =>
    ({
      name,
      path: name,
      id: name,
      groups,
      checks: checks.map(([n, passes, fails]) => ({ name: n, path: n, id: n, passes, fails })),
    }) as SummaryGroup;
  const DATA = {
    root_group: group('', [['root', 1, 1]], [group('a', [['in a', 2, 0]], [group('b', [['in b', 0, 5]])])]),
    metrics: {
      http_reqs: { type: 'counter', contains: 'default', values: { count: 7, rate: 3.5 } },
      http_req_failed: { type: 'rate', contains: 'default', values: { rate: 0, passes: 0, fails: 7 } },
      iterations: { type: 'counter', contains: 'default', values: { count: 7, rate: 3.5 } },
      http_req_duration: {
        type: 'trend',
        contains: 'time',
        values: { avg: 1.5, min: 1, med: 1.25, max: 2.125, 'p(90)': 2, 'p(95)': 2.0625 },
        thresholds: { 'p(95)<1': { ok: false }, 'avg<100': { ok: true } },
      },
    },
  };
  const page = (html: unknown) => cheerio.load(html as string);
  const noLog = () => assert.fail('no console line');

  test('3.x counts the checks of every group; 2.x only those of the root and its direct groups', () => {
    const three = page(reportFor('3.0.4', noLog)(DATA));
    assertShows(three, DATA as unknown as SummaryData);
    assert.equal(text(three, '#check-fails strong'), '6');
    const two = page(reportFor('2.4.0', noLog)(DATA));
    assert.equal(text(two, '#check-passes strong'), '3');
    assert.equal(text(two, '#check-fails strong'), '1');
    // Every check is still listed.
    assert.deepEqual(
      rows(two, 'table.checks').map((r) => r[0]),
      ['root', 'in a', 'in b'],
    );
  });

  test('default titles as each version writes them; 2.0.0 returns the files object', () => {
    const titleOf = (ref: string) => page(reportFor(ref, noLog)(DATA, {})).root().find('title').text();
    const minute = /\d{4}-\d\d-\d\d \d\d:\d\d$/;
    assert.match(titleOf('2.3.1'), /^K6 Load Test: \d{4}-\d\d-\d\d \d\d:\d\d$/);
    for (const ref of ['3.0.0', '3.0.4', 'latest', 'main']) {
      assert.match(titleOf(ref), /^Test Report: /);
      assert.match(titleOf(ref), minute);
    }
    assert.equal(
      page(reportFor('2.1.1', noLog)(DATA, { title: 'Mine' }))
        .root()
        .find('title')
        .text(),
      'K6 Load Test: Mine',
    );
    const files200 = reportFor('2.0.0', noLog)(DATA, { filename: 'out.html' }) as Record<string, string>;
    assert.deepEqual(Object.keys(files200), ['out.html']);
    assert.ok(files200['out.html'].startsWith('<!DOCTYPE html>'));
    assert.deepEqual(Object.keys(reportFor('2.0.0', noLog)(DATA) as object), ['summary.html']);
    // Versions before 2.3.0 have no debug option.
    reportFor('2.2.0', noLog)(DATA, { debug: true });
    const logged: string[] = [];
    reportFor('3.0.1', (t) => logged.push(t))(DATA, { debug: true });
    assert.deepEqual(logged, [JSON.stringify(DATA, null, 2)]);
  });

  test('the URLs the engine stands in for', () => {
    const served = (url: string) => offlineJslibSource(url, 'offline') !== null;
    for (const ref of ['main', 'latest', '2.0.0', '2.4.0', '3.0.4']) assert.ok(served(RAW(ref)), ref);
    assert.ok(served('https://cdn.jsdelivr.net/gh/benc-uk/k6-reporter@2.4.0/dist/bundle.js'));
    // Unknown refs and moving jsDelivr aliases keep the download error.
    for (const url of [
      RAW('1.0.0'),
      RAW('9.9.9'),
      RAW('master'),
      'https://cdn.jsdelivr.net/gh/benc-uk/k6-reporter@latest/dist/bundle.js',
      'https://raw.githubusercontent.com/someone/k6-reporter/main/dist/bundle.js',
      'https://raw.githubusercontent.com/benc-uk/k6-reporter/main/bundle.js',
    ])
      assert.ok(!served(url), url);
  });
});
