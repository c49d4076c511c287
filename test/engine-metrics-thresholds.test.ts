// test-tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricRegistry, registerBuiltins } from '../engine/metrics/registry.ts';
import {
  checkAggregation,
  InvalidOptionsError,
  parseThresholdExpression,
  parseThresholdKey,
  parseThresholdSource,
  thresholdPasses,
} from '../engine/metrics/thresholds.ts';
import { formatDuration, parseDuration } from '../engine/metrics/time.ts';
import { parseSummaryTrendStats } from '../engine/metrics/trend-stats.ts';

describe('parseThresholdExpression', () => {
  it('reads every operator, with or without spaces', () => {
    const cases: Array<[string, string, string, number]> = [
      ['p(95)<500', 'p(95)', '<', 500],
      ['avg <= 200.5', 'avg', '<=', 200.5],
      ['  rate>0.99 ', 'rate', '>', 0.99],
      ['count >= 10', 'count', '>=', 10],
      ['value==3', 'value', '==', 3],
      ['med === 1e3', 'med', '===', 1000],
      ['max != -1', 'max', '!=', -1],
      ['min<.5', 'min', '<', 0.5],
    ];
    for (const [src, aggregation, operator, value] of cases) {
      const e = parseThresholdExpression(src);
      assert.deepEqual([e.aggregation, e.operator, e.value], [aggregation, operator, value], src);
    }
  });

  it('reads percentiles including fractional ones and spaces inside', () => {
    assert.equal(parseThresholdExpression('p(99.9)<10').percentile, 99.9);
    assert.equal(parseThresholdExpression('p( 90 ) < 10').aggregation, 'p(90)');
    assert.equal(parseThresholdExpression('p(0)<1').percentile, 0);
    assert.equal(parseThresholdExpression('p(100)<1').percentile, 100);
    assert.equal(parseThresholdExpression('avg<1').percentile, undefined);
  });

  it('rejects malformed expressions with a message naming the threshold', () => {
    for (const bad of [
      '',
      'p95<500',
      'p(101)<1',
      'p(-1)<1',
      'p()<1',
      'avg<',
      '<5',
      'avg=5',
      'avg<<5',
      'avg<5ms',
      'mean<5',
      'avg < five',
    ]) {
      assert.throws(
        () => parseThresholdExpression(bad, 'http_req_duration'),
        (err: Error) =>
          err instanceof InvalidOptionsError &&
          err.message.includes(`"${bad}"`) &&
          err.message.includes('http_req_duration'),
        bad,
      );
    }
  });

  it('compares with every operator', () => {
    const passes = (src: string, v: number) => thresholdPasses(parseThresholdExpression(src), v);
    assert.deepEqual(
      [passes('avg<5', 4), passes('avg<5', 5), passes('avg<=5', 5), passes('avg>5', 5), passes('avg>=5', 5)],
      [true, false, true, false, true],
    );
    assert.deepEqual(
      [passes('avg==5', 5), passes('avg===5', 5.1), passes('avg!=5', 5), passes('avg!=5', 6)],
      [true, false, false, true],
    );
  });
});

describe('aggregations per metric type', () => {
  const allowed: Record<string, string[]> = {
    counter: ['count', 'rate'],
    gauge: ['value'],
    rate: ['rate'],
    trend: ['avg', 'min', 'max', 'med', 'p(99)'],
  };
  const all = ['count', 'rate', 'value', 'avg', 'min', 'max', 'med', 'p(99)'];
  for (const [type, ok] of Object.entries(allowed)) {
    it(`${type} accepts ${ok.join(', ')} and nothing else`, () => {
      for (const agg of all) {
        const expr = parseThresholdExpression(`${agg}<1`);
        const run = () => checkAggregation(expr, type as 'trend', 'm', `${agg}<1`);
        if (ok.includes(agg)) run();
        else
          assert.throws(run, (e: Error) => e instanceof InvalidOptionsError && e.message.includes(type), agg);
      }
    });
  }
});

describe('parseThresholdKey', () => {
  it('reads a plain name', () => {
    assert.deepEqual(parseThresholdKey('http_req_duration'), {
      metric: 'http_req_duration',
      suffix: null,
      tags: {},
    });
  });

  it('reads tags, trimming spaces and quotes, keeping colons in values', () => {
    assert.deepEqual(parseThresholdKey('http_req_duration{scenario:fetchers,status:200}'), {
      metric: 'http_req_duration',
      suffix: 'scenario:fetchers,status:200',
      tags: { scenario: 'fetchers', status: '200' },
    });
    assert.deepEqual(parseThresholdKey('checks{ name: "a b" , url:http://x/y }').tags, {
      name: 'a b',
      url: 'http://x/y',
    });
  });

  it('rejects broken keys', () => {
    for (const bad of ['m{a:1', 'm{}', 'm{a}', 'm{:1}', 'm}']) {
      assert.throws(() => parseThresholdKey(bad), InvalidOptionsError, bad);
    }
  });
});

describe('parseThresholdSource', () => {
  it('reads the object form with abortOnFail and delayAbortEval', () => {
    const spec = parseThresholdSource(
      { threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '1m30s' },
      'http_req_failed',
      'rate',
    );
    assert.equal(spec.source, 'rate<0.01');
    assert.equal(spec.abortOnFail, true);
    assert.equal(spec.delayAbortEvalMs, 90_000);
    assert.equal(spec.delayAbortEval, '1m30s');
    const plain = parseThresholdSource('rate<0.01', 'http_req_failed', 'rate');
    assert.deepEqual([plain.abortOnFail, plain.delayAbortEval, plain.delayAbortEvalMs], [false, null, 0]);
  });

  it('rejects a bad delayAbortEval or abortOnFail', () => {
    assert.throws(
      () =>
        parseThresholdSource({ threshold: 'rate<1', abortOnFail: true, delayAbortEval: 'soon' }, 'm', 'rate'),
      (e: Error) => e instanceof InvalidOptionsError && e.message.includes('delayAbortEval'),
    );
    assert.throws(
      () =>
        parseThresholdSource({ threshold: 'rate<1', abortOnFail: 'yes' as unknown as boolean }, 'm', 'rate'),
      InvalidOptionsError,
    );
  });
});

describe('durations', () => {
  it('parses Go/k6 duration strings and ms numbers', () => {
    const cases: Array<[string | number, number]> = [
      ['1m30s', 90_000],
      ['500ms', 500],
      ['2h', 7_200_000],
      ['10s', 10_000],
      ['1.5s', 1500],
      ['250us', 0.25],
      ['250µs', 0.25],
      ['100ns', 0.0001],
      ['1d', 86_400_000],
      ['1h0m0s', 3_600_000],
      ['-2s', -2000],
      ['0', 0],
      [30, 30],
      // A number in a string is milliseconds, as k6's ParseExtendedDuration reads it.
      ['30', 30],
      ['1500', 1500],
      ['1e3', 1000],
      ['2.5', 2.5],
      // Whole days, then a Go duration.
      ['2d12h', 216_000_000],
      ['-1d2h', -93_600_000],
      ['.5m', 30_000],
      ['+2s', 2000],
    ];
    for (const [input, ms] of cases) assert.equal(parseDuration(input), ms, String(input));
  });

  it('rejects what k6 rejects, with advice', () => {
    assert.throws(
      () => parseDuration('1S', 'gracefulStop'),
      (e: Error) =>
        e.message.includes('gracefulStop "1S" is not a valid duration') && e.message.includes('"10s"'),
    );
    for (const bad of ['', '-', '.', 'abc', '10 s', ' 1s', '1s ', '1m30', 's', '1.5d', '1h2d', '1d-2h', 'd'])
      assert.throws(() => parseDuration(bad), InvalidOptionsError, bad);
  });

  it('formats like Go time.Duration', () => {
    const cases: Array<[number, string]> = [
      [0, '0s'],
      [90_000, '1m30s'],
      [500, '500ms'],
      [1.5, '1.5ms'],
      [0.25, '250µs'],
      [0.0001, '100ns'],
      [10_000, '10s'],
      [1500, '1.5s'],
      [7_200_000, '2h0m0s'],
      [3_723_500, '1h2m3.5s'],
      [-2000, '-2s'],
    ];
    for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
  });
});

describe('summaryTrendStats', () => {
  it('accepts k6 stats and p(N) for 0 ≤ N ≤ 100', () => {
    const stats = parseSummaryTrendStats(['avg', 'min', 'med', 'max', 'count', 'p(0)', 'p(99.99)', 'p(100)']);
    assert.equal(stats.length, 8);
  });

  it('rejects unknown stats', () => {
    for (const bad of ['p(101)', 'mean', 'p95', 'P(95)']) {
      assert.throws(
        () => parseSummaryTrendStats([bad]),
        (e: Error) => e instanceof InvalidOptionsError && e.message.includes(bad),
      );
    }
  });
});

describe('MetricRegistry', () => {
  it('returns the first definition for a repeated identical define', () => {
    const r = new MetricRegistry();
    const a = r.define('my_trend', 'trend', 'time');
    assert.equal(r.define('my_trend', 'trend', 'time'), a);
    assert.equal(r.get('my_trend'), a);
    assert.equal(r.define('plain', 'counter').contains, 'default');
  });

  it('refuses a redefinition with another type or value type', () => {
    const r = new MetricRegistry();
    r.define('xx', 'trend', 'time');
    assert.throws(() => r.define('xx', 'counter'), /already exists as a trend/);
    assert.throws(() => r.define('xx', 'trend'), /already exists/);
  });

  it('validates names', () => {
    const r = new MetricRegistry();
    // k6's rule (grafana/k6 metrics/registry.go): ^[a-zA-Z_][a-zA-Z0-9_]{1,128}$, so 2 to 129 characters.
    for (const bad of ['', 'x', '1abc', 'a-b', 'a b', 'ü_x', 'x'.repeat(130)])
      assert.throws(
        () => r.define(bad, 'counter'),
        (e: Error) =>
          e.message ===
          `Invalid metric name: '${bad}'. Metric names must only include up to 128 ASCII letters, numbers, or underscores and start with a letter or an underscore.`,
      );
    r.define('_o', 'counter');
    r.define('x'.repeat(129), 'counter');
  });

  it('registers the k6 built-ins with their types', () => {
    const r = new MetricRegistry();
    registerBuiltins(r);
    const byName = Object.fromEntries(r.all().map((m) => [m.name, `${m.type}/${m.contains}`]));
    assert.deepEqual(byName, {
      http_reqs: 'counter/default',
      http_req_duration: 'trend/time',
      http_req_blocked: 'trend/time',
      http_req_connecting: 'trend/time',
      http_req_tls_handshaking: 'trend/time',
      http_req_sending: 'trend/time',
      http_req_waiting: 'trend/time',
      http_req_receiving: 'trend/time',
      http_req_failed: 'rate/default',
      iterations: 'counter/default',
      iteration_duration: 'trend/time',
      dropped_iterations: 'counter/default',
      vus: 'gauge/default',
      vus_max: 'gauge/default',
      data_sent: 'counter/data',
      data_received: 'counter/data',
      checks: 'rate/default',
      group_duration: 'trend/time',
    });
  });
});
