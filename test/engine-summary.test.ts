// test-tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SummaryData } from '../engine/metrics/types.ts';
import { formatLegacySummaryExport, legacySummaryExport } from '../engine/summary/export.ts';

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
