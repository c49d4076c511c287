// test-tier: unit
// The default end-of-test text summary against the layout k6 prints in its default compact mode.
// The expected texts are written out from the rules of grafana/k6 internal/js/summary.js,
// internal/output/summary/data.go and internal/js/summary-wrapper.js, and from the lines its tests
// (internal/cmd/tests/cmd_run_test.go) and the docs (https://grafana.com/docs/k6/latest/results-output/end-of-test/) show.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { MetricsEngine } from '../engine/metrics/engine.ts';
import { MetricRegistry, registerBuiltins } from '../engine/metrics/registry.ts';
import type { SummaryData } from '../engine/metrics/types.ts';
import { humanizeBytes, humanizeDuration, humanizeValue } from '../engine/summary/humanize.ts';
import { compactSection, textSummary } from '../engine/summary/text.ts';
import { writeSummary } from '../engine/summary/write.ts';

const dots = (n: number) => '.'.repeat(n);

function httpTest(): SummaryData {
  return {
    root_group: {
      name: '',
      path: '',
      id: 'd41d8cd98f00b204e9800998ecf8427e',
      groups: [
        {
          name: 'login',
          path: '::login',
          id: 'g1',
          groups: [],
          checks: [
            { name: 'logged in', path: '::login::logged in', id: 'c2', passes: 9, fails: 1 },
            { name: 'status is 200', path: '::login::status is 200', id: 'c3', passes: 5, fails: 0 },
          ],
        },
      ],
      checks: [{ name: 'status is 200', path: '::status is 200', id: 'c1', passes: 10, fails: 0 }],
    },
    options: { summaryTrendStats: ['avg', 'p(95)'], summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: true, isStdErrTTY: true, testRunDurationMs: 10_000 },
    metrics: {
      checks: { type: 'rate', contains: 'default', values: { rate: 0.96, passes: 24, fails: 1 } },
      data_received: { type: 'counter', contains: 'data', values: { count: 1_200_000, rate: 120_000 } },
      data_sent: { type: 'counter', contains: 'data', values: { count: 5000, rate: 500 } },
      group_duration: { type: 'trend', contains: 'time', values: { avg: 1, 'p(95)': 2 } },
      http_req_duration: {
        type: 'trend',
        contains: 'time',
        values: { avg: 223.4, 'p(95)': 1200 },
        thresholds: { 'p(95)<2000': { ok: true }, 'p(99)<300': { ok: false } },
      },
      'http_req_duration{expected_response:true}': {
        type: 'trend',
        contains: 'time',
        values: { avg: 62_000, 'p(95)': 0.5 },
        thresholds: { 'avg<100000': { ok: true } },
      },
      http_req_failed: {
        type: 'rate',
        contains: 'default',
        values: { rate: 0.02, passes: 2, fails: 98 },
        thresholds: { 'rate<0.01': { ok: false } },
      },
      http_req_waiting: { type: 'trend', contains: 'time', values: { avg: 200, 'p(95)': 1100 } },
      http_reqs: { type: 'counter', contains: 'default', values: { count: 100, rate: 10 } },
      'http_reqs{status:200}': {
        type: 'counter',
        contains: 'default',
        values: { count: 90, rate: 9 },
        thresholds: { 'count>95': { ok: false } },
      },
      iteration_duration: { type: 'trend', contains: 'time', values: { avg: 1500, 'p(95)': 61_500 } },
      iterations: {
        type: 'counter',
        contains: 'default',
        values: { count: 50, rate: 5 },
        thresholds: { 'rate>1': { ok: true } },
      },
      my_gauge: {
        type: 'gauge',
        contains: 'default',
        values: { value: 3, min: 1, max: 10 },
        thresholds: { 'value<5': { ok: true } },
      },
      my_rate: { type: 'rate', contains: 'default', values: { rate: 0.5, passes: 1, fails: 1 } },
      vus: { type: 'gauge', contains: 'default', values: { value: 1, min: 1, max: 2 } },
      waiting: { type: 'trend', contains: 'default', values: { avg: 152.355556, 'p(95)': 148.8 } },
    },
  };
}

const HTTP_TEST = [
  '',
  '  █ THRESHOLDS ',
  '',
  '    http_req_duration',
  "    ✓ 'p(95)<2000' p(95)=1.2s",
  "    ✗ 'p(99)<300' p(99)=2.5s",
  '',
  '      {expected_response:true}',
  "      ✓ 'avg<100000' avg=1m2s",
  '',
  '    http_req_failed',
  "    ✗ 'rate<0.01' rate=2.00%",
  '',
  '    http_reqs{status:200}',
  "    ✗ 'count>95' count=90",
  '',
  '    iterations',
  "    ✓ 'rate>1' rate=5/s",
  '',
  '    my_gauge',
  "    ✓ 'value<5' value=3",
  '',
  '',
  '  █ TOTAL RESULTS ',
  '',
  '    checks_total.......: 25     2.5/s',
  '    checks_succeeded...: 96.00% 24 out of 25',
  '    checks_failed......: 4.00%  1 out of 25',
  '',
  '    ✓ status is 200',
  '    ✗ logged in',
  '      ↳  90% — ✓ 9 / ✗ 1',
  '',
  '    CUSTOM',
  `    my_gauge${dots(23)}: 3      min=1        max=10`,
  `    my_rate${dots(24)}: 50.00% 1 out of 2`,
  `    waiting${dots(24)}: avg=152.355556 p(95)=148.8`,
  '',
  '    HTTP',
  `    http_req_duration${dots(14)}: avg=223.4ms    p(95)=1.2s `,
  '      { expected_response:true }...: avg=1m2s       p(95)=500µs',
  `    http_req_failed${dots(16)}: 2.00%  2 out of 100`,
  `    http_reqs${dots(22)}: 100    10/s`,
  `      { status:200 }${dots(15)}: 90     9/s`,
  '',
  '    EXECUTION',
  `    iteration_duration${dots(13)}: avg=1.5s       p(95)=1m1s `,
  `    iterations${dots(21)}: 50     5/s`,
  `    vus${dots(28)}: 1      min=1        max=2 `,
  '',
  '    NETWORK',
  `    data_received${dots(18)}: 1.2 MB 120 kB/s`,
  `    data_sent${dots(22)}: 5.0 kB 500 B/s`,
  '',
  '',
].join('\n');

const P99 = { http_req_duration: { 'p(99)': 2500 } };

describe('the default (compact) text summary', () => {
  it('lays out thresholds, checks and metric sections as k6 does', () => {
    assert.equal(textSummary(httpTest(), { thresholdValues: P99 }), HTTP_TEST);
  });

  it('colours what k6 colours, and nothing else differs', () => {
    const coloured = textSummary(httpTest(), { enableColors: true, thresholdValues: P99 });
    const lines = coloured.split('\n');
    assert.ok(lines.includes('  █ \x1b[1mTOTAL RESULTS\x1b[0m '));
    assert.ok(lines.includes('    \x1b[1mHTTP\x1b[0m'));
    assert.ok(
      lines.includes(
        "    \x1b[32m✓\x1b[0m \x1b[37m'p(95)<2000'\x1b[0m \x1b[37mp(95)\x1b[0m=\x1b[36m1.2s\x1b[0m",
      ),
    );
    assert.ok(
      lines.includes(
        "    \x1b[31m✗\x1b[0m \x1b[37m'rate<0.01'\x1b[0m \x1b[37mrate\x1b[0m=\x1b[36m2.00%\x1b[0m",
      ),
    );
    assert.ok(
      lines.includes(
        `    http_reqs\x1b[2;37m${dots(22)}:\x1b[0m \x1b[36m100\x1b[0m    \x1b[2;36m10/s\x1b[0m`,
      ),
    );
    assert.ok(lines.includes('    \x1b[32m✓ status is 200\x1b[0m'));
    assert.ok(lines.includes('    \x1b[31m✗ logged in\x1b[0m'));
    assert.ok(lines.includes('      \x1b[31m↳  90% — ✓ 9 / ✗ 1\x1b[0m'));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the colours to compare.
    assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), HTTP_TEST);
  });

  it("shows k6's lines for its one-check test, without a THRESHOLDS section", () => {
    // The script of grafana/k6 internal/cmd/tests/cmd_run_test.go (TestSummaryExport…): one
    // check, one custom counter, one iteration; k6's default trend stats.
    const data: SummaryData = {
      root_group: {
        name: '',
        path: '',
        id: 'd41d8cd98f00b204e9800998ecf8427e',
        groups: [],
        checks: [{ name: 'TRUE is TRUE', path: '::TRUE is TRUE', id: 'x', passes: 1, fails: 0 }],
      },
      options: {
        summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'],
        summaryTimeUnit: '',
        noColor: true,
      },
      state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 2000 },
      metrics: {
        checks: { type: 'rate', contains: 'default', values: { rate: 1, passes: 1, fails: 0 } },
        custom_iterations: { type: 'counter', contains: 'default', values: { count: 1, rate: 0.5 } },
        iteration_duration: {
          type: 'trend',
          contains: 'time',
          values: { avg: 0.5, min: 0.5, med: 0.5, max: 0.5, 'p(90)': 0.5, 'p(95)': 0.5 },
        },
        iterations: { type: 'counter', contains: 'default', values: { count: 1, rate: 0.5 } },
      },
    };
    const text = textSummary(data);
    assert.ok(text.startsWith('\n  █ TOTAL RESULTS \n\n'));
    assert.ok(text.includes('checks_total.......: 1'));
    assert.ok(text.includes('checks_succeeded...: 100.00% 1 out of 1'));
    assert.ok(text.includes('checks_failed......: 0.00%   0 out of 1'));
    assert.ok(text.includes('CUSTOM\n    custom_iterations....: 1'));
    assert.ok(text.includes('iterations...........: 1'));
    assert.ok(text.includes('    ✓ TRUE is TRUE\n\n    CUSTOM\n'));
    assert.ok(
      text.endsWith(
        '    iteration_duration...: avg=500µs min=500µs med=500µs max=500µs p(90)=500µs p(95)=500µs\n' +
          '    iterations...........: 1 0.5/s\n\n',
      ),
    );
  });

  it('forces the time unit of summaryTimeUnit', () => {
    const data = httpTest();
    data.options.summaryTimeUnit = 'ms';
    const text = textSummary(data, { thresholdValues: P99 });
    assert.ok(text.includes(`    http_req_duration${dots(14)}: avg=223.40ms   p(95)=1200.00ms \n`));
    assert.ok(text.includes("    ✗ 'p(99)<300' p(99)=2500.00ms\n"));
  });

  it('shows the percentile a threshold names when summaryTrendStats leaves it out', () => {
    const registry = new MetricRegistry();
    registerBuiltins(registry);
    const metrics = new MetricsEngine({
      registry,
      thresholds: { http_req_duration: ['p(99)<50', 'p(99.9) < 600', 'avg<100'], iterations: ['count>0'] },
      summaryTrendStats: ['avg', 'p(95)'],
    });
    metrics.add(
      Array.from({ length: 100 }, (_, i) => ({
        metric: 'http_req_duration',
        time: 0,
        value: i + 1,
        tags: {},
      })),
    );
    const percentiles = metrics.thresholdPercentiles();
    // k6's percentiles interpolate between the sorted values: 1 + 0.99 × 99 and 1 + 0.999 × 99.
    assert.deepEqual(Object.keys(percentiles), ['http_req_duration']);
    assert.ok(Math.abs(percentiles.http_req_duration['p(99)'] - 99.01) < 1e-9);
    assert.ok(Math.abs(percentiles.http_req_duration['p(99.9)'] - 99.901) < 1e-9);
    const data = metrics.summaryData({
      testRunDurationMs: 1000,
      isStdOutTTY: false,
      isStdErrTTY: false,
      noColor: true,
    });
    const text = textSummary(data, { thresholdValues: percentiles });
    assert.ok(
      text.includes(
        "    http_req_duration\n    ✗ 'p(99)<50' p(99)=99.01ms\n    ✓ 'p(99.9) < 600' p(99.9)=99.9ms\n    ✓ 'avg<100' avg=50.5ms\n",
      ),
      text,
    );
  });

  it('writes "undefined" for a trend aggregation it has no value of, as k6 does', () => {
    const data = httpTest();
    data.metrics.http_req_duration.thresholds = { 'med<100': { ok: false } };
    assert.ok(textSummary(data).includes("    ✗ 'med<100' med=undefined\n"));
  });

  it('is written with a newline before and two after, as k6 writes it', async () => {
    const stdout = new PassThrough();
    let written = '';
    stdout.on('data', (b) => {
      written += b;
    });
    await writeSummary(httpTest(), null, {
      stdout,
      stderr: new PassThrough(),
      colors: false,
      thresholdValues: P99,
    });
    assert.equal(written, `\n${HTTP_TEST}\n\n`);
  });

  it('puts each metric in the section k6 does, leaving out what compact mode leaves out', () => {
    const cases: Array<[string, string | null]> = [
      ['checks', null],
      ['group_duration', null],
      ['http_req_blocked', null],
      ['http_req_connecting', null],
      ['http_req_tls_handshaking', null],
      ['http_req_sending', null],
      ['http_req_waiting', null],
      ['http_req_receiving', null],
      ['http_req_waiting{status:200}', null],
      ['http_req_duration{status:200}', 'http'],
      ['http_reqs', 'http'],
      ['http_req_failed', 'http'],
      ['vus_max', 'execution'],
      ['dropped_iterations', 'execution'],
      ['data_sent', 'network'],
      ['ws_sessions', 'websocket'],
      ['grpc_req_duration', 'grpc'],
      ['browser_web_vital_lcp', 'web_vitals'],
      ['browser_data_received', 'browser'],
      ['my_metric', 'custom'],
    ];
    for (const [name, section] of cases) assert.equal(compactSection(name), section, name);
  });
});

describe('humanize (compact summary)', () => {
  it('cuts durations to two decimals and picks the unit', () => {
    const cases: Array<[number, string]> = [
      [0, '0s'],
      [0.0005, '500ns'],
      [0.5, '500µs'],
      [12.345, '12.34ms'],
      [223.4, '223.4ms'],
      [1200, '1.2s'],
      [60_000, '1m0s'],
      [62_999, '1m2s'],
      [3_723_000, '1h2m3s'],
    ];
    for (const [ms, text] of cases) assert.equal(humanizeDuration(ms, ''), text, String(ms));
    assert.equal(humanizeDuration(1234, 's'), '1.23s');
    assert.equal(humanizeDuration(1.5, 'us'), '1500.00µs');
  });

  it('writes sizes in SI units, small ones as they are', () => {
    assert.equal(humanizeBytes(5), '5 B');
    assert.equal(humanizeBytes(512), '512 B');
    assert.equal(humanizeBytes(9960), '10 kB');
    assert.equal(humanizeBytes(1_250_000), '1.3 MB');
  });

  it('writes rates truncated and plain numbers with up to six decimals', () => {
    assert.equal(humanizeValue(2 / 3, { type: 'rate', contains: 'default' }, ''), '66.66%');
    assert.equal(humanizeValue(2 / 3, { type: 'counter', contains: 'default' }, ''), '0.666667');
  });
});
