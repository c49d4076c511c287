// test-tier: unit
// The offline stand-in for jslib k6-summary (engine/jslib/k6-summary.ts) renders what each published
// version renders from the same data. The expected texts below are the published libraries' output
// for this data (grafana/jslib.k6.io lib/k6-summary/<version>/index.js, run once by hand).
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import {
  humanizeValue,
  jUnit,
  jUnitAllValuesIndented,
  jUnitTypedMessages,
  jUnitWithClassname,
  textSummary,
  textSummaryPlainOrder,
} from '../engine/jslib/k6-summary.ts';
import { offlineJslibSource } from '../engine/jslib/registry.ts';
import type { SummaryData } from '../engine/metrics/types.ts';
import { writeSummary } from '../engine/summary/write.ts';

const DATA = {
  root_group: {
    name: '',
    path: '',
    id: 'd41d8cd98f00b204e9800998ecf8427e',
    groups: [
      {
        name: 'login',
        path: '::login',
        id: 'a',
        groups: [
          {
            name: 'cart',
            path: '::login::cart',
            id: 'b',
            groups: [],
            checks: [
              {
                name: 'has items',
                path: '::login::cart::has items',
                id: 'c',
                passes: 1,
                fails: 2,
              },
            ],
          },
        ],
        checks: [
          {
            name: 'logged in',
            path: '::login::logged in',
            id: 'd',
            passes: 3,
            fails: 0,
          },
        ],
      },
    ],
    checks: [
      {
        name: 'status is 200',
        path: '::status is 200',
        id: 'e',
        passes: 2,
        fails: 1,
      },
    ],
  },
  options: {
    summaryTrendStats: ['avg', 'p(99.9)', 'count'],
    summaryTimeUnit: '',
    noColor: false,
  },
  state: {
    isStdOutTTY: false,
    isStdErrTTY: false,
    testRunDurationMs: 2000,
  },
  metrics: {
    checks: {
      type: 'rate',
      contains: 'default',
      values: {
        rate: 0.6666666666666666,
        passes: 4,
        fails: 2,
      },
      thresholds: {
        'rate>0.9': {
          ok: false,
        },
      },
    },
    data_received: {
      type: 'counter',
      contains: 'data',
      values: {
        count: 123456,
        rate: 61728,
      },
    },
    http_req_duration: {
      type: 'trend',
      contains: 'time',
      values: {
        avg: 61234.5,
        'p(99.9)': 0.25,
        count: 3,
      },
      thresholds: {
        'p(95)<500': {
          ok: true,
        },
      },
    },
    'http_req_duration{status:200}': {
      type: 'trend',
      contains: 'time',
      values: {
        avg: 12.3456,
        'p(99.9)': 999.999,
        count: 2,
      },
    },
    http_req_duration_x: {
      type: 'trend',
      contains: 'default',
      values: {
        avg: 1.5,
        'p(99.9)': 2,
        count: 1,
      },
    },
    Zed: {
      type: 'gauge',
      contains: 'default',
      values: {
        value: 3,
        min: 1,
        max: 10,
      },
      thresholds: {
        'value<5': {
          ok: true,
        },
      },
    },
  },
} as unknown as SummaryData;

const TEXT_0_0_2 = [
  '→     ✗ status is 200',
  '→      ↳  66% — ✓ 2 / ✗ 1',
  '',
  '→     █ login',
  '',
  '→       ✓ logged in',
  '',
  '→       █ cart',
  '',
  '→         ✗ has items',
  '→          ↳  33% — ✓ 1 / ✗ 2',
  '',
  '→   ✗ checks................: 66.66% ✓ 4     ✗ 2   ',
  '→     data_received.........: 124 kB 62 kB/s',
  '→   ✓ http_req_duration.....: avg=1m1s    p(99.9)=250µs    count=3',
  '→       { status:200 }......: avg=12.34ms p(99.9)=999.99ms count=2',
  '→     http_req_duration_x...: avg=1.5     p(99.9)=2        count=1',
  '→   ✓ Zed...................: 3      min=1   max=10',
].join('\n');

describe('k6-summary offline: textSummary', () => {
  it('renders the check tree and the metric table as 0.0.2 to 0.1.0 do', () => {
    assert.equal(textSummary(DATA, { indent: '→ ', enableColors: false }), TEXT_0_0_2);
  });

  it('colours by default, as the library does (options over data.options over its defaults)', () => {
    assert.deepEqual(textSummary(DATA).split('\n').slice(0, 3), [
      '\u001b[31m     ✗ status is 200',
      '      ↳  66% — ✓ 2 / ✗ 1\u001b[0m',
      '',
    ]);
  });

  it('0.0.1 sorts metric names plainly; later versions keep each sub-metric under its parent', () => {
    const names = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.includes(':'))
        .map((l) => l.split('.')[0].trim());
    assert.deepEqual(names(textSummaryPlainOrder(DATA, { indent: '→ ', enableColors: false })), [
      '→   ✓ Zed',
      '→   ✗ checks',
      '→     data_received',
      '→   ✓ http_req_duration',
      '→     http_req_duration_x',
      '→       { status:200 }',
    ]);
    assert.deepEqual(names(TEXT_0_0_2), [
      '→   ✗ checks',
      '→     data_received',
      '→   ✓ http_req_duration',
      '→       { status:200 }',
      '→     http_req_duration_x',
      '→   ✓ Zed',
    ]);
  });

  it('humanizes values as the library exports humanizeValue', () => {
    const time = { type: 'trend', contains: 'time' } as const;
    assert.equal(humanizeValue(0.0004, time), '400ns');
    assert.equal(humanizeValue(7261234.567, time), '2h1m1s');
    assert.equal(humanizeValue(1234.5678, time, 's'), '1.23s');
    assert.equal(humanizeValue(5.5, { type: 'counter', contains: 'data' }), '5.5 B');
    assert.equal(humanizeValue(2 / 3, { type: 'rate', contains: 'default' }), '66.66%');
  });
});

describe('k6-summary offline: jUnit per version', () => {
  const opts = { name: 'my <suite>', classname: 'perf' };
  it('0.0.1 and 0.0.2', () =>
    assert.equal(
      jUnit(DATA, opts),
      '<?xml version="1.0"?>\n<testsuites tests="3" failures="1">\n<testsuite name="my &lt;suite&gt;" tests="3" failures="1"><testcase name="checks - rate&gt;0.9"><failure message="failed" /></testcase>\n<testcase name="http_req_duration - p(95)&lt;500" />\n<testcase name="Zed - value&lt;5" />\n</testsuite >\n</testsuites >',
    ));
  it('0.0.3', () =>
    assert.equal(
      jUnitTypedMessages(DATA, opts),
      '<?xml version="1.0"?>\n<testsuites tests="3" failures="1">\n<testsuite name="my &lt;suite&gt;" tests="3" failures="1"><testcase name="checks - rate&gt;0.9"><failure message="failed, number of fails: 2"/></testcase>\n<testcase name="http_req_duration - p(95)&lt;500" />\n<testcase name="Zed - value&lt;5" />\n</testsuite >\n</testsuites >',
    ));
  it('0.0.4', () =>
    assert.equal(
      jUnitAllValuesIndented(DATA, opts),
      '<?xml version="1.0"?>\n      <testsuites tests="3" failures="1">\n        <testsuite name="my &lt;suite&gt;" tests="3" failures="1">\n          <testcase name="checks - rate&gt;0.9"><failure message="rate threshold failed: rate value: 0.6666666666666666, passes value: 4, fails value: 2"/></testcase>"\n<testcase name="http_req_duration - p(95)&lt;500" />\n<testcase name="Zed - value&lt;5" />\n        </testsuite>\n      </testsuites>',
    ));
  it('0.1.0', () =>
    assert.equal(
      jUnitWithClassname(DATA, opts),
      '<?xml version="1.0"?>\n    <testsuites tests="3" failures="1">\n      <testsuite name="my &lt;suite&gt;" tests="3" failures="1">\n        <testcase name="checks - rate&gt;0.9" classname="perf"><failure message="rate threshold failed: rate value: 0.6666666666666666, passes value: 4, fails value: 2" /></testcase>\n<testcase name="http_req_duration - p(95)&lt;500" classname="perf" />\n<testcase name="Zed - value&lt;5" classname="perf" />\n      </testsuite>\n    </testsuites>',
    ));

  it('each version URL is served its own functions', () => {
    const source = (v: string) =>
      offlineJslibSource(`https://jslib.k6.io/k6-summary/${v}/index.js`, 'offline') ?? '';
    assert.match(source('0.0.1'), /textSummaryPlainOrder as textSummary/);
    assert.match(source('0.0.2'), /\{ textSummary, humanizeValue, jUnit \}/);
    assert.match(source('0.0.3'), /jUnitTypedMessages as jUnit/);
    assert.match(source('0.0.4'), /jUnitAllValuesIndented as jUnit/);
    assert.match(source('0.1.0'), /jUnitWithClassname as jUnit/);
  });
});

describe('--summary-mode=legacy', () => {
  it('prints k6\'s legacy summary as k6 prints it (rates as "p out of n"), no colours off a terminal', async () => {
    // grafana/k6 internal/js/summary-legacy.js through its summary wrapper, for DATA.
    const expected = [
      '',
      '     ✗ status is 200',
      '      ↳  66% — ✓ 2 / ✗ 1',
      '',
      '     █ login',
      '',
      '       ✓ logged in',
      '',
      '       █ cart',
      '',
      '         ✗ has items',
      '          ↳  33% — ✓ 1 / ✗ 2',
      '',
      '   ✗ checks................: 66.66% 4 out of 6',
      '     data_received.........: 124 kB 62 kB/s',
      '   ✓ http_req_duration.....: avg=1m1s    p(99.9)=250µs    count=3',
      '       { status:200 }......: avg=12.34ms p(99.9)=999.99ms count=2',
      '     http_req_duration_x...: avg=1.5     p(99.9)=2        count=1',
      '   ✓ Zed...................: 3      min=1      max=10',
      '',
      '',
    ].join('\n');
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (c) => {
      printed += c;
    });
    await writeSummary(DATA, null, { stdout, stderr: new PassThrough(), colors: false, legacy: true });
    assert.equal(printed, expected);
  });
});
