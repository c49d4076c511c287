// The k6 workload: load shapes per profile, input checks, error sentences, the Flask route mix
// against the real fixture app, and the built bundles (imports, exports, no key, types).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { describeFailure, redact } from '../scenarios/lib/connect-errors.ts';
import { formatDuration, parseDuration } from '../scenarios/lib/durations.ts';
import { readInputs } from '../scenarios/lib/inputs.ts';
import {
  type Env,
  loadSoakOptions,
  loadSoakPlan,
  PROFILES,
  scalabilityOptions,
  scalabilityPlan,
  type WorkloadOptions,
} from '../scenarios/lib/profiles.ts';
import { fetchRoute, hasExpectedShape, isVolatilityAnswer, TICKERS } from '../scenarios/lib/stock-api.ts';

const builders = { scalability: scalabilityOptions, 'load-soak': loadSoakOptions } as const;

function seconds(stages: Array<{ duration: string }>): number {
  return stages.reduce((sum, s) => sum + parseDuration(s.duration, 'stage'), 0);
}

/** The VU levels held by a stepped ramp: targets of the hold stages. */
function heldLevels(options: WorkloadOptions): number[] {
  return options.scenarios.fetchers.stages.filter((_, i) => i % 2 === 1).map((s) => s.target);
}

describe('profiles', () => {
  for (const profile of PROFILES) {
    for (const [entry, build] of Object.entries(builders)) {
      test(`${profile} ${entry}: fetchers and one publisher for the same time, with thresholds`, () => {
        const options = build({ PROFILE: profile });
        const { fetchers, publisher } = options.scenarios;
        assert.deepEqual(Object.keys(options.scenarios).sort(), ['fetchers', 'publisher']);
        assert.equal(fetchers.exec, 'fetch');
        assert.equal(fetchers.executor, 'ramping-vus');
        assert.equal(publisher.exec, 'publish');
        assert.equal(publisher.executor, 'constant-vus');
        assert.equal(publisher.vus, 1);
        assert.equal(parseDuration(publisher.duration, 'publisher'), seconds(fetchers.stages));
        assert.ok(
          parseDuration(publisher.gracefulStop, 'gracefulStop') >= 60,
          'a deploy in flight gets time',
        );
        assert.deepEqual(options.thresholds['http_req_failed{scenario:fetchers}'], ['rate<0.01']);
        assert.match(options.thresholds['http_req_duration{scenario:fetchers}'][0], /^p\(95\)<\d+$/);
        assert.deepEqual(options.thresholds.publish_cycle_success, ['rate>0.9']);
        assert.deepEqual(options.thresholds.checks, ['rate>0.99']);
        for (const stat of ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count']) {
          assert.ok(options.summaryTrendStats.includes(stat), stat);
        }
      });
    }

    test(`${profile} scalability: levels strictly increase and every ramp is followed by a hold`, () => {
      const options = scalabilityOptions({ PROFILE: profile });
      const stages = options.scenarios.fetchers.stages;
      const levels = heldLevels(options);
      for (let i = 1; i < levels.length; i++) assert.ok(levels[i] > levels[i - 1], `${levels}`);
      for (let i = 0; i < stages.length; i += 2) assert.equal(stages[i].target, stages[i + 1].target);
      assert.deepEqual(levels, scalabilityPlan({ PROFILE: profile }).levels);
    });
  }

  test('reference scalability steps 50 VUs at a time past 400, for 30 minutes', () => {
    const plan = scalabilityPlan({});
    assert.equal(plan.profile, 'reference');
    assert.deepEqual(plan.levels.slice(0, 3), [50, 100, 150]);
    assert.ok(plan.levels[plan.levels.length - 1] > 400);
    assert.equal(plan.totalSeconds, 30 * 60);
    assert.equal(plan.steps[1].holdStart, plan.steps[1].rampStart + plan.rampSeconds);
  });

  test('local and smoke fit a 2-core box and a quick start', () => {
    assert.ok(scalabilityPlan({ PROFILE: 'local' }).totalSeconds <= 4 * 60);
    assert.ok(loadSoakPlan({ PROFILE: 'local' }).totalSeconds < 5 * 60);
    assert.ok(scalabilityPlan({ PROFILE: 'smoke' }).totalSeconds <= 20);
    assert.equal(scalabilityPlan({ PROFILE: 'smoke' }).levels.length, 3);
    assert.ok(loadSoakPlan({ PROFILE: 'smoke' }).totalSeconds <= 20);
    assert.ok(Math.max(...scalabilityPlan({ PROFILE: 'local' }).levels) <= 32);
  });

  test('reference load-soak holds 400 VUs for 30 minutes after its ramp', () => {
    const stages = loadSoakOptions({}).scenarios.fetchers.stages;
    assert.deepEqual(stages[1], { duration: '30m', target: 400 });
    assert.equal(stages[0].target, 400);
    const plan = loadSoakPlan({});
    assert.equal(plan.rampSeconds, parseDuration(stages[0].duration, 'ramp'));
    assert.equal(plan.totalSeconds, plan.rampSeconds + 1800);
  });

  test('VUS, DURATION and RAMP_DURATION override the load-soak', () => {
    const env: Env = { PROFILE: 'local', VUS: '123', DURATION: '1h30m', RAMP_DURATION: '45s' };
    const options = loadSoakOptions(env);
    assert.deepEqual(options.scenarios.fetchers.stages, [
      { duration: '45s', target: 123 },
      { duration: '1h30m', target: 123 },
    ]);
    assert.equal(options.scenarios.publisher.duration, '1h30m45s');
    assert.equal(loadSoakPlan(env).rampSeconds, 45);
  });

  test('MAX_VUS cuts or extends the stepped ramp; STEP_DURATION sets the hold', () => {
    assert.deepEqual(scalabilityPlan({ MAX_VUS: '800' }).levels.slice(-4), [650, 700, 750, 800]);
    assert.deepEqual(scalabilityPlan({ MAX_VUS: '275' }).levels, [50, 100, 150, 200, 250, 275]);
    assert.deepEqual(scalabilityPlan({ PROFILE: 'local', MAX_VUS: '10' }).levels, [2, 4, 8, 10]);
    assert.deepEqual(
      scalabilityPlan({ PROFILE: 'local', MAX_VUS: '48' }).levels,
      [2, 4, 8, 16, 24, 32, 40, 48],
    );
    const options = scalabilityOptions({ PROFILE: 'smoke', STEP_DURATION: '1m' });
    assert.equal(options.scenarios.fetchers.stages[1].duration, '1m');
    assert.equal(options.scenarios.publisher.duration, '3m3s');
  });

  test('invalid PROFILE, VUS, MAX_VUS and DURATION are refused with a sentence naming the input', () => {
    assert.throws(
      () => loadSoakOptions({ PROFILE: 'huge' }),
      /PROFILE must be one of reference, local, smoke/,
    );
    for (const VUS of ['abc', '0', '-5', '2.5', '1000000']) {
      assert.throws(() => loadSoakOptions({ VUS }), /VUS must be a whole number of virtual users/, VUS);
    }
    assert.throws(() => scalabilityOptions({ MAX_VUS: 'lots' }), /MAX_VUS must be a whole number/);
    for (const DURATION of ['forever', '0s', '10', 'm', '1d']) {
      assert.throws(() => loadSoakOptions({ DURATION }), /DURATION must be a duration/, DURATION);
    }
    assert.throws(() => scalabilityOptions({ STEP_DURATION: 'x' }), /STEP_DURATION must be a duration/);
  });

  test('durations read and write the k6 way', () => {
    assert.equal(parseDuration('1h30m', 'd'), 5400);
    assert.equal(parseDuration('90s', 'd'), 90);
    assert.equal(parseDuration('2m30s', 'd'), 150);
    assert.equal(formatDuration(1800), '30m');
    assert.equal(formatDuration(5445), '1h30m45s');
    assert.equal(formatDuration(5), '5s');
  });
});

describe('inputs', () => {
  const env: Env = {
    CONNECT_SERVER: 'https://connect.example.com/',
    CONNECT_API_KEY: 'k',
    FLASK_CONTENT_GUID: 'abc-1',
  };

  test('the server loses its trailing slash; defaults fill the rest', () => {
    const inputs = readInputs(env);
    assert.equal(inputs.server, 'https://connect.example.com');
    assert.deepEqual(inputs.flask, { guid: 'abc-1' });
    assert.equal(inputs.publishContentName, 'perf-plumber-stock-api');
    assert.equal(inputs.plumberBundle, '../bundles/plumber-stock-api.tar.gz');
    assert.equal(inputs.publishCleanup, false);
    const url = readInputs({ ...env, FLASK_CONTENT_GUID: '', FLASK_CONTENT_URL: 'http://h:3939/content/x' });
    assert.deepEqual(url.flask, { url: 'http://h:3939/content/x/' });
    const named = readInputs({ ...env, FLASK_CONTENT_GUID: '', FLASK_CONTENT_NAME: 'perf-flask-stock-api' });
    assert.deepEqual(named.flask, { name: 'perf-flask-stock-api' });
    assert.equal(readInputs({ ...env, PUBLISH_CLEANUP: 'true' }).publishCleanup, true);
  });

  test('missing or malformed inputs stop the run with what to set', () => {
    assert.throws(() => readInputs({ ...env, CONNECT_SERVER: '' }), /CONNECT_SERVER is not set/);
    assert.throws(
      () => readInputs({ ...env, CONNECT_SERVER: 'connect.example.com' }),
      /must be an http\(s\) URL/,
    );
    assert.throws(() => readInputs({ ...env, CONNECT_API_KEY: ' ' }), /CONNECT_API_KEY is not set/);
    assert.throws(
      () => readInputs({ ...env, FLASK_CONTENT_GUID: '' }),
      /Set FLASK_CONTENT_URL .*, FLASK_CONTENT_GUID or FLASK_CONTENT_NAME/,
    );
    assert.throws(() => readInputs({ ...env, FLASK_CONTENT_URL: 'http://h/content/x/' }), /only one of/);
    assert.throws(() => readInputs({ ...env, PUBLISH_CONTENT_NAME: 'a b' }), /PUBLISH_CONTENT_NAME must be/);
    assert.throws(
      () => readInputs({ ...env, PUBLISH_CLEANUP: 'maybe' }),
      /PUBLISH_CLEANUP must be true or false/,
    );
  });

  test('error sentences never repeat the API key', () => {
    const key = 'Zq8sPz1Lw0secretKEYvalue12345678';
    assert.throws(
      () => readInputs({ ...env, CONNECT_API_KEY: key, CONNECT_SERVER: 'nope' }),
      (err: Error) => {
        assert.ok(!err.message.includes(key));
        return true;
      },
    );
  });
});

describe('Connect errors', () => {
  test('a Connect error body becomes HTTP status, code and text', () => {
    const err = describeFailure(
      'POST /__api__/v1/content',
      409,
      '{"code":26,"error":"An object with that name already exists.","payload":null}',
      '',
      'key',
    );
    assert.equal(err.status, 409);
    assert.equal(err.code, 26);
    assert.match(
      err.message,
      /POST \/__api__\/v1\/content failed with HTTP 409, Connect error 26: An object/,
    );
  });

  test('401 hints at the key, 404 code 141 at sticky sessions, no answer at the server', () => {
    assert.match(
      describeFailure('GET /__api__/v1/user', 401, '{"code":30,"error":"x"}', '', 'k').message,
      /CONNECT_API_KEY/,
    );
    assert.match(
      describeFailure('GET /t', 404, '{"code":141,"error":"x"}', '', 'k').message,
      /sticky sessions/,
    );
    const down = describeFailure(
      'GET /__api__/server_settings',
      0,
      null,
      'dial tcp: connection refused',
      'k',
    );
    assert.match(
      down.message,
      /got no answer from Connect \(dial tcp: connection refused\); check CONNECT_SERVER/,
    );
  });

  test('the key is removed even when an error body echoes it', () => {
    const key = 'Zq8sPz1Lw0secretKEYvalue12345678';
    const err = describeFailure('GET /x', 502, `<html>bad gateway Authorization: Key ${key}</html>`, '', key);
    assert.ok(!err.message.includes(key));
    assert.match(err.message, /HTTP 502, <html>bad gateway Authorization: Key \*\*\*/);
    assert.equal(redact('no secret here', ''), 'no secret here');
  });
});

describe('Flask route mix', () => {
  test('every 10 iterations of a VU: 8 ticker, 1 list, 1 history; offset per VU', () => {
    for (const vu of [1, 2, 7, 400]) {
      const names = Array.from({ length: 10 }, (_, iter) => fetchRoute(vu, iter).name);
      assert.equal(names.filter((n) => n === 'GET /stocks/{ticker}').length, 8);
      assert.equal(names.filter((n) => n === 'GET /stocks/').length, 1);
      assert.equal(names.filter((n) => n === 'GET /stocks/{ticker}/history').length, 1);
    }
    const firstIteration = Array.from({ length: 10 }, (_, i) => fetchRoute(i + 1, 0).name);
    assert.equal(firstIteration.filter((n) => n === 'GET /stocks/{ticker}/history').length, 1);
  });

  test('every ticker gets the ticker and the history route', () => {
    const seen = { ticker: new Set<string>(), history: new Set<string>() };
    for (let iter = 0; iter < 600; iter++) {
      const route = fetchRoute(1, iter);
      if (route.name === 'GET /stocks/{ticker}') seen.ticker.add(route.ticker!);
      if (route.name === 'GET /stocks/{ticker}/history') seen.history.add(route.ticker!);
    }
    assert.deepEqual([...seen.ticker].sort(), [...TICKERS]);
    assert.deepEqual([...seen.history].sort(), [...TICKERS]);
  });

  test("the checks accept the fixture Flask app's real answers and reject wrong ones", () => {
    const routes = [fetchRoute(1, 9), fetchRoute(1, 0), fetchRoute(1, 4)];
    assert.deepEqual(
      routes.map((r) => r.name),
      ['GET /stocks/', 'GET /stocks/{ticker}', 'GET /stocks/{ticker}/history'],
    );
    const script = [
      'import json, sys',
      "sys.path.insert(0, 'fixtures/flask-stock-api')",
      'import app',
      'client = app.app.test_client()',
      'print(json.dumps([client.get("/" + p).get_data(as_text=True) for p in sys.argv[1:]]))',
    ].join('\n');
    const run = spawnSync('/usr/bin/python3', ['-c', script, ...routes.map((r) => r.path)], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const bodies = JSON.parse(run.stdout) as string[];
    for (const [i, route] of routes.entries()) {
      assert.ok(hasExpectedShape(route, bodies[i]), `${route.path}: ${bodies[i].slice(0, 80)}`);
    }
    assert.ok(!hasExpectedShape(routes[1], bodies[0]));
    assert.ok(!hasExpectedShape(routes[0], '{"message": "Ticker `XYZ` not found"}'));
    assert.ok(!hasExpectedShape(routes[2], '<html>502</html>'));
    assert.ok(!hasExpectedShape(fetchRoute(1, 1), bodies[1]), 'another ticker is not this answer');
  });

  test('the Plumber check accepts boxed and unboxed volatility answers for the asked ticker', () => {
    assert.ok(isVolatilityAnswer('{"ticker":"AAPL","volatility":0.000258}', 'AAPL'));
    assert.ok(isVolatilityAnswer('{"ticker":["AAPL"],"volatility":[0.0029]}', 'AAPL'));
    assert.ok(!isVolatilityAnswer('{"ticker":"AMZN","volatility":0.1}', 'AAPL'));
    assert.ok(!isVolatilityAnswer('{"error":["Invalid ticker."]}', 'AAPL'));
  });
});

describe('built bundles', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'scenarios-build-'));
  after(() => rmSync(outdir, { recursive: true, force: true }));

  test('esbuild.config.mjs builds both entries importing only k6 and k6/*, exporting what k6 runs', () => {
    const built = spawnSync(
      process.execPath,
      ['esbuild.config.mjs', '--scenarios-only', '--outdir', outdir],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(built.status, 0, built.stderr);
    for (const entry of ['scalability', 'load-soak']) {
      const code = readFileSync(join(outdir, 'scenarios', `${entry}.js`), 'utf8');
      const body = code.slice(0, code.lastIndexOf('//# sourceMappingURL='));
      const imports = [...body.matchAll(/^import\s[^;]*?from\s+["']([^"']+)["']/gm)].map((m) => m[1]);
      assert.ok(imports.length >= 4, `${entry} imports ${imports}`);
      for (const specifier of imports)
        assert.match(specifier, /^k6(\/[a-z-]+)*$/, `${entry} imports ${specifier}`);
      assert.doesNotMatch(body, /\brequire\(|\bimport\(/, `${entry} must not load modules at run time`);
      const exported = /^export\s*\{([^}]*)\}/m.exec(body)?.[1] ?? '';
      for (const name of ['fetch', 'publish', 'options', 'setup', 'teardown']) {
        assert.match(exported, new RegExp(`\\b${name}\\b`), `${entry} exports ${name}`);
      }
      assert.doesNotMatch(body, /handleSummary/);
      assert.doesNotMatch(body, /Key [A-Za-z0-9]{16,}/, `${entry} holds no API key literal`);
      const key = process.env.CONNECT_API_KEY;
      if (key) assert.ok(!code.includes(key), `${entry} holds the CONNECT_API_KEY of this environment`);
    }
  });

  test('the scenarios typecheck against @types/k6', () => {
    const tsc = spawnSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '-p', 'scenarios/tsconfig.json', '--noEmit'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });
});
