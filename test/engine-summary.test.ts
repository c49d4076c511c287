// test-tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SummaryData } from '../engine/metrics/types.ts';
import { formatLegacySummaryExport, legacySummaryExport } from '../engine/summary/export.ts';
import { humanBytes, humanDuration, percent, plainNumber } from '../engine/summary/humanize.ts';
import { textSummary } from '../engine/summary/text.ts';

function fixture(): SummaryData {
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
          checks: [{ name: 'logged in', path: '::login::logged in', id: 'c2', passes: 9, fails: 1 }],
        },
      ],
      checks: [{ name: 'status is 200', path: '::status is 200', id: 'c1', passes: 10, fails: 0 }],
    },
    options: { summaryTrendStats: ['avg', 'p(95)'], summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: true, isStdErrTTY: true, testRunDurationMs: 10_000 },
    metrics: {
      checks: { type: 'rate', contains: 'default', values: { rate: 0.95, passes: 19, fails: 1 } },
      data_received: { type: 'counter', contains: 'data', values: { count: 1_200_000, rate: 120_000 } },
      http_req_duration: {
        type: 'trend',
        contains: 'time',
        values: { avg: 223.4, 'p(95)': 1200 },
        thresholds: { 'p(95)<500': { ok: false }, 'avg<300': { ok: true } },
      },
      'http_req_duration{expected_response:true}': {
        type: 'trend',
        contains: 'time',
        values: { avg: 62_000, 'p(95)': 0.5 },
      },
      http_req_failed: {
        type: 'rate',
        contains: 'default',
        values: { rate: 0.02, passes: 2, fails: 98 },
        thresholds: { 'rate<0.01': { ok: false } },
      },
      http_reqs: { type: 'counter', contains: 'default', values: { count: 100, rate: 10 } },
      vus: { type: 'gauge', contains: 'default', values: { value: 3, min: 1, max: 10 } },
    },
    setup_data: { token: 'abc' },
  };
}

describe('legacySummaryExport (--summary-export)', () => {
  const out = legacySummaryExport(fixture());

  it('drops options and state, keeps setup_data', () => {
    assert.deepEqual(Object.keys(out), ['root_group', 'metrics', 'setup_data']);
    assert.deepEqual(out.setup_data, { token: 'abc' });
    const { setup_data: _, ...noSetup } = fixture();
    assert.ok(!('setup_data' in legacySummaryExport(noSetup as SummaryData)));
  });

  it('flattens values, renames a rate to value, inverts threshold booleans', () => {
    assert.deepEqual(out.metrics.http_req_failed, {
      value: 0.02,
      passes: 2,
      fails: 98,
      thresholds: { 'rate<0.01': true },
    });
    assert.deepEqual(out.metrics.http_req_duration, {
      avg: 223.4,
      'p(95)': 1200,
      thresholds: { 'p(95)<500': true, 'avg<300': false },
    });
    assert.deepEqual(out.metrics.http_reqs, { count: 100, rate: 10 });
    assert.deepEqual(out.metrics.vus, { value: 3, min: 1, max: 10 });
    assert.deepEqual(out.metrics.checks, { value: 0.95, passes: 19, fails: 1 });
  });

  it('turns groups and checks into maps keyed by name', () => {
    assert.deepEqual(out.root_group.checks, {
      'status is 200': { name: 'status is 200', path: '::status is 200', id: 'c1', passes: 10, fails: 0 },
    });
    assert.deepEqual(Object.keys(out.root_group.groups), ['login']);
    assert.deepEqual(out.root_group.groups.login.groups, {});
    assert.equal(out.root_group.groups.login.checks['logged in'].fails, 1);
  });

  it('is written as JSON with a 4-space indent', () => {
    const text = formatLegacySummaryExport(fixture());
    assert.ok(text.startsWith('{\n    "root_group": {\n        "name": ""'));
    assert.deepEqual(JSON.parse(text), out);
  });
});

describe('humanize', () => {
  it('writes durations like a person reads them', () => {
    const cases: Array<[number, string]> = [
      [223.4, '223.4ms'],
      [1200, '1.2s'],
      [62_000, '1m2s'],
      [0.5, '500µs'],
      [3_723_000, '1h2m3s'],
      [0, '0s'],
      [12.345, '12.35ms'],
    ];
    for (const [ms, text] of cases) assert.equal(humanDuration(ms), text);
    // A forced unit keeps two decimals, as k6's humanizeDuration (toFixed(2)).
    assert.equal(humanDuration(1234, 's'), '1.23s');
    assert.equal(humanDuration(1234, 'ms'), '1234.00ms');
    assert.equal(humanDuration(1.5, 'us'), '1500.00µs');
    assert.equal(humanDuration(0.36, 's'), '0.00s');
  });

  it('writes data sizes in SI units', () => {
    assert.equal(humanBytes(512), '512 B');
    assert.equal(humanBytes(1_200_000), '1.2 MB');
    assert.equal(humanBytes(120_000), '120 kB');
    assert.equal(humanBytes(3_400_000_000), '3.4 GB');
  });

  it('writes percentages and plain numbers', () => {
    assert.equal(percent(0.95), '95.00%');
    // As k6's summary.js: percentages truncated, plain numbers with at most six decimals.
    assert.equal(percent(2 / 3), '66.66%');
    assert.equal(plainNumber(100), '100');
    assert.equal(plainNumber(2 / 3), '0.666667');
    assert.equal(plainNumber(123456.789), '123456.789');
    assert.equal(plainNumber(0.00012345), '0.000123');
  });
});

describe('textSummary', () => {
  const text = textSummary(fixture(), {});
  const lines = text.split('\n');

  it('lists thresholds with ✓/✗ and the measured value', () => {
    assert.match(text, /✗ 'p\(95\)<500' p\(95\)=1\.2s/);
    assert.match(text, /✓ 'avg<300' avg=223\.4ms/);
    assert.match(text, /✗ 'rate<0\.01' rate=2\.00%/);
  });

  it('lists checks per group with pass share for failing ones', () => {
    assert.ok(lines.includes(' ✓ status is 200'));
    assert.ok(lines.includes(' █ login'));
    assert.ok(lines.includes('   ✗ logged in'));
    assert.ok(lines.some((l) => l.includes('↳ 90% — ✓ 9 / ✗ 1')));
  });

  it('aligns metric values after dotted names, sub-metrics under their parent', () => {
    const metricLines = lines.filter((l) => /\.{3,}: /.test(l));
    assert.equal(metricLines.length, 7);
    const colons = new Set(metricLines.map((l) => l.indexOf(': ')));
    assert.equal(colons.size, 1);
    const order = metricLines.map(
      (l) =>
        l
          .trim()
          .replace(/^[✓✗] /, '')
          .split('.')[0],
    );
    assert.deepEqual(order, [
      'checks',
      'data_received',
      'http_req_duration',
      '{ expected_response:true }',
      'http_req_failed',
      'http_reqs',
      'vus',
    ]);
    assert.match(text, /data_received\.+: 1\.2 MB 120 kB\/s/);
    assert.match(text, /✗ http_req_duration\.+: avg=223\.4ms p\(95\)=1\.2s/);
    assert.match(text, /\{ expected_response:true \}\.+: avg=1m2s p\(95\)=500µs/);
    assert.match(text, /checks\.+: 95\.00% 19 out of 20/);
    assert.match(text, /http_reqs\.+: 100 10\/s/);
    assert.match(text, /vus\.+: 3 min=1 max=10/);
  });

  it('colours only when asked and honours indent', () => {
    assert.ok(!text.includes('\x1b['));
    assert.ok(textSummary(fixture(), { enableColors: true }).includes('\x1b[32m✓\x1b[0m'));
    assert.ok(textSummary(fixture(), { indent: '    ' }).startsWith('    THRESHOLDS'));
  });
});
