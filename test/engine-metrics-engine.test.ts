// test-tier: unit
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { MetricsEngine } from '../engine/metrics/engine.ts';
import { MetricRegistry, registerBuiltins } from '../engine/metrics/registry.ts';
import { InvalidOptionsError } from '../engine/metrics/thresholds.ts';
import type { Sample, ThresholdsOption } from '../engine/metrics/types.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const STATE = { testRunDurationMs: 2000, isStdOutTTY: false, isStdErrTTY: true, noColor: true };
const STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

function registry(): MetricRegistry {
  const r = new MetricRegistry();
  registerBuiltins(r);
  r.define('my_counter', 'counter');
  return r;
}

function engine(thresholds: ThresholdsOption, summaryTrendStats = STATS): MetricsEngine {
  return new MetricsEngine({ registry: registry(), thresholds, summaryTrendStats });
}

const s = (metric: string, value: number, tags: Record<string, string> = {}): Sample => ({
  metric,
  time: 0,
  value,
  tags,
});

const fetcher = { scenario: 'fetchers', group: '', expected_response: 'true', status: '200' };
const loginTags = { scenario: 'other', group: '::login', expected_response: 'false', status: '500' };

function syntheticRun(): MetricsEngine {
  const e = engine({
    http_req_duration: ['p(95)<500', 'avg<1000'],
    'http_req_duration{scenario:fetchers}': ['max<1000'],
    http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: true, delayAbortEval: '10s' }],
    my_counter: 'count>0',
    vus: ['value<=10'],
  });
  e.add([
    s('http_req_duration', 100, fetcher),
    s('http_req_duration', 200, fetcher),
    s('http_req_duration', 300, fetcher),
    s('http_req_duration', 1000, loginTags),
    s('http_req_failed', 0, fetcher),
    s('http_req_failed', 0, fetcher),
    s('http_req_failed', 0, fetcher),
    s('http_req_failed', 1, loginTags),
    ...Array.from({ length: 4 }, () => s('http_reqs', 1, fetcher)),
    s('checks', 1, { check: 'status is 200', group: '' }),
    s('checks', 1, { check: 'status is 200', group: '' }),
    s('checks', 0, { check: 'status is 200', group: '' }),
    s('checks', 1, { check: 'setup ok', group: '::setup' }),
    s('checks', 0, { check: 'has items', group: '::login::cart' }),
    s('checks', 1, { check: 'logged in', group: '::login' }),
    s('group_duration', 50, { group: '::login::cart' }),
    s('group_duration', 80, { group: '::login' }),
    s('group_duration', 5, { group: '::about' }),
    s('vus', 5),
    s('vus', 10),
    s('vus', 3),
    s('data_received', 1500, { group: '' }),
    s('data_received', 2500, { group: '' }),
  ]);
  return e;
}

describe('MetricsEngine.summaryData', () => {
  const data = syntheticRun().summaryData({ ...STATE, setupData: { token: 'x' }, summaryTimeUnit: 'ms' });

  it('lists metrics with samples, metrics with thresholds, and sub-metrics, sorted by name', () => {
    assert.deepEqual(Object.keys(data.metrics), [
      'checks',
      'data_received',
      'group_duration',
      'http_req_duration',
      'http_req_duration{expected_response:true}',
      'http_req_duration{scenario:fetchers}',
      'http_req_failed',
      'http_reqs',
      'my_counter',
      'vus',
    ]);
  });

  it('computes values per metric type', () => {
    const m = data.metrics;
    const d = m.http_req_duration;
    assert.deepEqual([d.type, d.contains], ['trend', 'time']);
    assert.deepEqual(Object.keys(d.values), STATS);
    assert.equal(d.values.avg, 400);
    assert.equal(d.values.min, 100);
    assert.equal(d.values.max, 1000);
    assert.equal(d.values.med, 250); // i = 1.5
    assert.ok(Math.abs(d.values['p(90)'] - 790) < 1e-9); // i = 2.7
    assert.ok(Math.abs(d.values['p(95)'] - 895) < 1e-9); // i = 2.85
    assert.equal(m['http_req_duration{scenario:fetchers}'].values.max, 300);
    assert.equal(m['http_req_duration{expected_response:true}'].values.avg, 200);
    assert.deepEqual(m.http_req_failed.values, { rate: 0.25, passes: 1, fails: 3 });
    assert.deepEqual(m.http_reqs.values, { count: 4, rate: 2 });
    assert.deepEqual(m.data_received, {
      type: 'counter',
      contains: 'data',
      values: { count: 4000, rate: 2000 },
    });
    assert.deepEqual(m.vus.values, { value: 3, min: 3, max: 10 });
    assert.deepEqual(m.checks.values, { rate: 4 / 6, passes: 4, fails: 2 });
    assert.deepEqual(m.my_counter.values, { count: 0, rate: 0 });
  });

  it('reports each threshold ok/failed under its expression', () => {
    const m = data.metrics;
    assert.deepEqual(m.http_req_duration.thresholds, {
      'p(95)<500': { ok: false },
      'avg<1000': { ok: true },
    });
    assert.deepEqual(m['http_req_duration{scenario:fetchers}'].thresholds, { 'max<1000': { ok: true } });
    assert.deepEqual(m.http_req_failed.thresholds, { 'rate<0.5': { ok: true } });
    assert.deepEqual(m.my_counter.thresholds, { 'count>0': { ok: false } });
    assert.equal(m.http_reqs.thresholds, undefined);
    assert.ok(!('thresholds' in m.checks));
  });

  it('builds the group/check tree in first-seen order with md5 ids, setup() as group "setup"', () => {
    const root = data.root_group;
    assert.deepEqual([root.name, root.path, root.id], ['', '', 'd41d8cd98f00b204e9800998ecf8427e']);
    assert.deepEqual(root.checks, [
      { name: 'status is 200', path: '::status is 200', id: md5('::status is 200'), passes: 2, fails: 1 },
    ]);
    assert.deepEqual(
      root.groups.map((g) => g.path),
      ['::setup', '::login', '::about'],
    );
    assert.deepEqual(root.groups[0].checks, [
      { name: 'setup ok', path: '::setup::setup ok', id: md5('::setup::setup ok'), passes: 1, fails: 0 },
    ]);
    const login = root.groups[1];
    assert.deepEqual([login.name, login.id], ['login', md5('::login')]);
    assert.deepEqual(login.checks, [
      { name: 'logged in', path: '::login::logged in', id: md5('::login::logged in'), passes: 1, fails: 0 },
    ]);
    const cart = login.groups[0];
    assert.deepEqual([cart.name, cart.path, cart.id], ['cart', '::login::cart', md5('::login::cart')]);
    assert.deepEqual(
      cart.checks.map((c) => [c.path, c.passes, c.fails]),
      [['::login::cart::has items', 0, 1]],
    );
    assert.deepEqual(cart.groups, []);
    assert.deepEqual(root.groups[2].checks, []);
  });

  it('builds groups only from group_duration and checks samples, as k6 GroupSummary', () => {
    const e = engine({});
    e.add([
      // A request in a group that never ended (interrupted): no group_duration, no group.
      s('http_req_duration', 5, { group: '::unfinished' }),
      s('iteration_duration', 5, { group: '' }),
      // A check without a group tag (--system-tags without group) is not in the tree.
      s('checks', 1, { check: 'untagged' }),
      s('group_duration', 3, { group: '::b' }),
      s('checks', 1, { check: 'in a', group: '::a' }),
      s('group_duration', 4, { group: '::teardown' }),
    ]);
    const root = e.summaryData(STATE).root_group;
    assert.deepEqual(
      root.groups.map((g) => [g.path, g.checks.length]),
      [
        ['::b', 0],
        ['::a', 1],
        ['::teardown', 0],
      ],
    );
    assert.deepEqual(root.checks, []);
  });

  it('carries options, state and setup_data', () => {
    assert.deepEqual(data.options, { summaryTrendStats: STATS, summaryTimeUnit: 'ms', noColor: true });
    assert.deepEqual(data.state, { isStdOutTTY: false, isStdErrTTY: true, testRunDurationMs: 2000 });
    assert.deepEqual(data.setup_data, { token: 'x' });
    const without = engine({}).summaryData(STATE);
    assert.ok('setup_data' in without);
    assert.equal(without.setup_data, undefined);
    assert.ok(!JSON.stringify(without).includes('setup_data'));
    assert.deepEqual(without.metrics, {});
    assert.equal(without.options.summaryTimeUnit, '');
  });

  it('gives trends exactly the summaryTrendStats keys, count and p(N) included', () => {
    const e = engine({}, ['count', 'p(0)', 'p(99.9)', 'med']);
    e.add([10, 20, 30, 40].map((v) => s('iteration_duration', v)));
    const values = e.summaryData(STATE).metrics.iteration_duration.values;
    assert.deepEqual(Object.keys(values), ['count', 'p(0)', 'p(99.9)', 'med']);
    assert.equal(values.count, 4);
    assert.equal(values['p(0)'], 10);
    assert.ok(Math.abs(values['p(99.9)'] - 39.97) < 1e-9);
  });
});

describe('MetricsEngine thresholds', () => {
  it('evaluates counter rates against the elapsed time', () => {
    const e = engine({ http_reqs: ['rate>1'] });
    e.add([1, 1, 1, 1].map((v) => s('http_reqs', v)));
    assert.equal(e.evaluateThresholds(2000).failed, false); // 2/s
    assert.equal(e.evaluateThresholds(8000).failed, true); // 0.5/s
    assert.deepEqual(e.thresholdResults(), [
      { metric: 'http_reqs', threshold: 'rate>1', ok: false, abortOnFail: false },
    ]);
  });

  it('aborts on an abortOnFail threshold only after delayAbortEval', () => {
    const e = engine({
      http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: '1m30s' }],
    });
    e.add([s('http_req_failed', 1), s('http_req_failed', 0)]);
    const crossed = { breached: ['http_req_failed'], breachedWithSamples: ['http_req_failed'] };
    assert.deepEqual(e.evaluateThresholds(5000), { failed: true, abort: null, ...crossed });
    assert.deepEqual(e.evaluateThresholds(90_000), {
      failed: true,
      abort: { metric: 'http_req_failed', threshold: 'rate<0.1' },
      ...crossed,
    });
  });

  it('aborts on a failing sub-metric threshold, naming the sub-metric', () => {
    const e = engine({
      'http_req_duration{status:500}': [{ threshold: 'p(95)<10', abortOnFail: true }],
      http_req_duration: ['p(95)<100'],
    });
    e.add([s('http_req_duration', 5, { status: '200' })]);
    assert.deepEqual(e.evaluateThresholds(1000), {
      failed: false,
      abort: null,
      breached: [],
      breachedWithSamples: [],
    });
    e.add([s('http_req_duration', 50, { status: '500' })]);
    const verdict = e.evaluateThresholds(1000);
    assert.deepEqual(verdict.abort, { metric: 'http_req_duration{status:500}', threshold: 'p(95)<10' });
    assert.deepEqual(verdict.breached, ['http_req_duration{status:500}']);
    assert.deepEqual(
      e.thresholdResults().map((r) => [r.metric, r.ok]),
      [
        ['http_req_duration{status:500}', false],
        ['http_req_duration', true], // 5 and 50: p(95) = 47.75
      ],
    );
  });

  it('lists the parent of a sub-metric with thresholds even when neither has samples', () => {
    const e = engine({ 'checks{check:never}': ['rate>0.5'] });
    const data = e.summaryData(STATE);
    assert.deepEqual(Object.keys(data.metrics), ['checks', 'checks{check:never}']);
    assert.deepEqual(data.metrics.checks, {
      type: 'rate',
      contains: 'default',
      values: { rate: 0, passes: 0, fails: 0 },
    });
    assert.deepEqual(
      e.observed(1000).map((m) => m.name),
      ['checks', 'checks{check:never}'],
    );
  });

  it('names a sub-metric as k6 does: spaces inside the braces trimmed, one per tag set', () => {
    const e = engine({
      'http_req_duration{ status:200 }': ['p(95)<500'],
      'http_req_duration{status:"200"}': ['max<1000'],
      'http_reqs{ name:home , method:GET }': ['count>0'],
    });
    e.add([
      s('http_req_duration', 100, { status: '200' }),
      s('http_reqs', 1, { name: 'home', method: 'GET' }),
    ]);
    const data = e.summaryData(STATE);
    assert.deepEqual(Object.keys(data.metrics), [
      'http_req_duration',
      'http_req_duration{status:200}',
      'http_reqs',
      'http_reqs{name:home , method:GET}',
    ]);
    assert.deepEqual(data.metrics['http_req_duration{status:200}'].thresholds, {
      'p(95)<500': { ok: true },
      'max<1000': { ok: true },
    });
    assert.equal(data.metrics['http_reqs{name:home , method:GET}'].values.count, 1);
  });

  it('passes a rate threshold without samples and a counter rate at time 0, as k6', () => {
    const e = engine({
      'checks{check:never}': ['rate>0.5'],
      http_req_failed: ['rate<0.1'],
      http_reqs: ['rate>5'],
    });
    e.add([s('http_reqs', 1)]);
    assert.deepEqual(e.evaluateThresholds(0), {
      failed: false,
      abort: null,
      breached: [],
      breachedWithSamples: [],
    });
    const data = e.summaryData({ ...STATE, testRunDurationMs: 1000 });
    assert.deepEqual(data.metrics['checks{check:never}'].thresholds, { 'rate>0.5': { ok: true } });
    assert.deepEqual(data.metrics.http_req_failed.thresholds, { 'rate<0.1': { ok: true } });
    assert.deepEqual(data.metrics.http_reqs.thresholds, { 'rate>5': { ok: false } });
  });

  it('never aborts on a metric without samples, yet reports it failed', () => {
    const e = engine({ my_counter: [{ threshold: 'count>0', abortOnFail: true }] });
    // Named as crossed (k6's end-of-test error), but not among those with samples.
    assert.deepEqual(e.evaluateThresholds(60_000), {
      failed: true,
      abort: null,
      breached: ['my_counter'],
      breachedWithSamples: [],
    });
    assert.equal(e.thresholdResults()[0].ok, false);
  });

  it('while the test runs, skips a metric without samples: not tainted until it has some', () => {
    const e = engine({ checks: ['rate==1'], my_counter: ['count>0'] });
    // k6 skips empty sinks while running (grafana/k6 internal/metrics/engine/engine.go).
    assert.deepEqual(e.evaluateThresholds(1000, true), {
      failed: false,
      abort: null,
      breached: [],
      breachedWithSamples: [],
    });
    assert.equal(e.breachedCount(), 0);
    assert.deepEqual(
      e
        .observed(1000)
        .filter((m) => m.name === 'checks' || m.name === 'my_counter')
        .map((m) => m.tainted),
      [false, false],
    );
    e.add([s('checks', 1)]);
    assert.equal(e.evaluateThresholds(2000, true).failed, false);
    e.add([s('checks', 0)]);
    assert.deepEqual(e.evaluateThresholds(3000, true).breached, ['checks']);
    // The end of the test judges every threshold: the empty counter fails too.
    assert.deepEqual(e.evaluateThresholds(4000).breached, ['checks', 'my_counter']);
  });

  it('refuses invalid thresholds and options at construction', () => {
    const bad: Array<[ThresholdsOption, RegExp]> = [
      [{ nope: ['count>0'] }, /"nope", which does not exist/],
      [{ http_reqs: ['p(95)<1'] }, /counter metric does not have/],
      [{ vus: ['avg<1'] }, /gauge/],
      [{ checks: ['count>1'] }, /rate metric/],
      [{ 'http_req_duration{status}': ['avg<1'] }, /tag:value/],
      [{ http_req_duration: ['avg<'] }, /"avg<" on http_req_duration/],
      // A bare number is ms (k6's ParseExtendedDuration); Go's syntax has no spaces.
      [{ http_req_failed: [{ threshold: 'rate<1', abortOnFail: true, delayAbortEval: '10 s' }] }, /"10s"/],
    ];
    for (const [thresholds, message] of bad) {
      assert.throws(
        () => engine(thresholds),
        (err: Error) => err instanceof InvalidOptionsError && message.test(err.message),
        JSON.stringify(thresholds),
      );
    }
    assert.throws(() => engine({}, ['avg', 'p(101)']), InvalidOptionsError);
  });

  it('skips the expected_response sub-metric when that system tag is off', () => {
    const e = new MetricsEngine({
      registry: registry(),
      thresholds: {},
      summaryTrendStats: STATS,
      systemTags: new Set(['status']),
    });
    e.add([s('http_req_duration', 1, { expected_response: 'true' })]);
    assert.deepEqual(Object.keys(e.summaryData(STATE).metrics), ['http_req_duration']);
    assert.equal(e.metricInfo('http_req_duration').submetrics, null);
  });

  it('refuses samples of undefined metrics', () => {
    assert.throws(() => engine({}).add([s('ghost', 1)]), /"ghost", which was never defined/);
  });
});

describe('MetricsEngine.metricInfo', () => {
  const e = syntheticRun();

  it('lists thresholds and sub-metrics of a metric', () => {
    assert.deepEqual(e.metricInfo('http_req_duration'), {
      name: 'http_req_duration',
      type: 'trend',
      contains: 'time',
      thresholds: ['p(95)<500', 'avg<1000'],
      submetrics: [
        {
          name: 'http_req_duration{scenario:fetchers}',
          suffix: 'scenario:fetchers',
          tags: { scenario: 'fetchers' },
        },
        {
          name: 'http_req_duration{expected_response:true}',
          suffix: 'expected_response:true',
          tags: { expected_response: 'true' },
        },
      ],
    });
  });

  it('writes abortOnFail thresholds in object form and plain metrics with [] and null', () => {
    assert.deepEqual(e.metricInfo('http_req_failed').thresholds, [
      { threshold: 'rate<0.5', abortOnFail: true, delayAbortEval: '10s' },
    ]);
    assert.deepEqual(e.metricInfo('http_reqs'), {
      name: 'http_reqs',
      type: 'counter',
      contains: 'default',
      thresholds: [],
      submetrics: null,
    });
    const noDelay = engine({ checks: [{ threshold: 'rate>0.9', abortOnFail: true }] });
    assert.deepEqual(noDelay.metricInfo('checks').thresholds, [
      { threshold: 'rate>0.9', abortOnFail: true, delayAbortEval: null },
    ]);
  });
});
