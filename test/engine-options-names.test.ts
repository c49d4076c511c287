// test-tier: unit
// Option names read as k6 reads them: k6 marshals the script's `options` to JSON and decodes it
// with Go's encoding/json (grafana/k6 internal/js/bundle.go), so a key matches its option ignoring
// case, and a key that is no option is ignored with one warning. k6's feature flags (--features,
// K6_FEATURES, the config file's features) are resolved as k6 resolves them and refused.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseArgs, UsageError } from '../engine/cli-args.ts';
import { deriveScenarios, k6TestOptions, mergeOptions } from '../engine/options.ts';

type Raw = Record<string, unknown>;

import { run, runOnBothKinds, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

describe('option names', () => {
  test('a key matches its option ignoring case, at the top, in scenarios, stages and thresholds', () => {
    const merged = mergeOptions(
      {
        discardresponsebodies: true,
        NoCookiesReset: true,
        Thresholds: { http_reqs: [{ Threshold: 'count>1', ABORTONFAIL: true }] },
        scenarios: {
          ramp: {
            Executor: 'ramping-vus',
            startvus: 3,
            stages: [{ Duration: '2s', TARGET: 4 }],
            gracefulrampdown: '1s',
          },
        },
      },
      {},
    );
    assert.equal(merged.discardResponseBodies, true);
    assert.equal(merged.noCookiesReset, true);
    assert.equal(merged.discardresponsebodies, undefined);
    assert.deepEqual(merged.thresholds, { http_reqs: [{ threshold: 'count>1', abortOnFail: true }] });
    const [ramp] = deriveScenarios(merged);
    assert.equal(ramp.executor, 'ramping-vus');
    assert.ok(ramp.executor === 'ramping-vus');
    assert.equal(ramp.startVUs, 3);
    assert.deepEqual(ramp.stages, [{ durationMs: 2000, target: 4 }]);
    assert.equal(ramp.gracefulRampDownMs, 1000);
  });

  test('two spellings of one option: the later in Go’s sorted key order wins', () => {
    // "VUs" sorts before "vus" (upper case first), so vus is decoded last.
    assert.equal(mergeOptions({ VUs: 7, vus: 2 }, {}).vus, 2);
    assert.equal(mergeOptions({ Vus: 7, VUS: 2 }, {}).vus, 7);
  });

  test('keys that are no option are ignored, with a warning that names the first in sorted order', () => {
    const warnings: Array<[string, Record<string, string> | undefined]> = [];
    const merged = mergeOptions(
      { zeta: 1, gracefulStop: '1s', duration: '5s', localIPs: '10.0.0.1' },
      {},
      (message, fields) => warnings.push([message, fields]),
    );
    assert.deepEqual(warnings, [
      [
        'There were unknown fields in the options exported in the script',
        { error: 'json: unknown field "gracefulStop"' },
      ],
    ]);
    assert.equal(merged.localIPs, undefined, 'k6 takes local IPs only from --local-ips and K6_LOCAL_IPS');
    // noSetup and noTeardown are k6 options (in any case): k6 would skip setup() or teardown().
    for (const key of ['noSetup', 'NOTEARDOWN'])
      assert.throws(
        () => mergeOptions({ [key]: true }, {}),
        (e: Error) => /is not supported by the node engine/.test(e.message),
      );
    assert.equal(mergeOptions({ noSetup: false }, {}).noSetup, false);
    // gracefulStop is a scenario's option only: the duration shortcut keeps k6's default 30s.
    const [only] = deriveScenarios(merged);
    assert.equal(only.gracefulStopMs, 30_000);
    const none: string[] = [];
    mergeOptions({ vus: 1, tags: { AnyName: 'x' } }, {}, (m) => none.push(m));
    assert.deepEqual(none, []);
  });

  test('a run: the warning is logged once and the option is applied, on both kinds of VU', async () => {
    const runs = await runOnBothKinds(
      files,
      'names',
      `import exec from 'k6/execution';
export const options = { Iterations: 1, discardresponsebodies: true, nonsense: 1 };
export default FN () { console.log('discard=' + exec.test.options.discardResponseBodies); }`,
      {},
    );
    for (const [kind, r] of Object.entries(runs)) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      const warned = r.stderr.split('\n').filter((l) => l.includes('There were unknown fields'));
      assert.equal(warned.length, 1, `${kind}: ${r.stderr}`);
      assert.match(warned[0], /level=warning .*error="json: unknown field \\"nonsense\\""/);
      assert.match(r.stderr, /msg="discard=true"/, kind);
    }
  });

  test("feature flags: the first place that names any wins; k6's own flags are refused, unknown ones logged", async () => {
    const parse = (argv: string[], env: Record<string, string> = {}) => {
      const c = parseArgs(['run', ...argv, 's.js'], env);
      assert.ok(c.kind === 'run');
      return c.options;
    };
    const refused = (argv: string[], env: Record<string, string>, name: string) =>
      assert.throws(
        () => parse(argv, env),
        (e: Error) =>
          e instanceof UsageError &&
          e.message.includes(`the feature flag "${name}"`) &&
          e.message.includes('--engine k6'),
      );
    refused(['--features', 'native-histograms'], {}, 'native-histograms');
    refused(['--features', 'nope , freeze-env'], {}, 'freeze-env');
    refused([], { K6_FEATURES: 'merge-run-tags' }, 'merge-run-tags');
    refused(['-e', 'K6_FEATURES=freeze-env'], {}, 'freeze-env');
    const config = files.write('features.json', JSON.stringify({ features: ['native-histograms'] }));
    refused(['-c', config], {}, 'native-histograms');
    // --features wins as it is: K6_FEATURES and the config file are then not read at all.
    assert.deepEqual(
      parse(['--features', 'one,two', '--features', ' one', '-c', config], { K6_FEATURES: 'freeze-env' })
        .unknownFeatures,
      {
        names: ['one', 'two'],
        source: 'cli',
      },
    );
    assert.deepEqual(parse(['-c', config], { K6_FEATURES: 'typo' }).unknownFeatures, {
      names: ['typo'],
      source: 'env',
    });
    assert.equal(parse([]).unknownFeatures, undefined);
    assert.equal(parse(['-c', config, '--features', '']).unknownFeatures, undefined);

    const r = await run({
      script: files.write('f.js', 'export default function () {}'),
      unknownFeatures: { names: ['typo'], source: 'env' },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stderr,
      /level=error msg="Unknown feature flag" feature=typo outcome=unknown source=env\n/,
    );

    // In the script's options k6 warns and ignores them.
    const warnings: Array<[string, Record<string, string> | undefined]> = [];
    const merged = mergeOptions({ features: ['freeze-env'], vus: 1 }, {}, (m, f) => warnings.push([m, f]));
    assert.equal(merged.features, undefined);
    assert.deepEqual(warnings, [
      [
        'Feature flags in script options are not supported; use --features, K6_FEATURES, or the JSON config',
        { source: 'options' },
      ],
    ]);
  });

  test('the system environment is in __ENV by default for run, not for inspect, as k6', () => {
    const opts = (argv: string[], env: Record<string, string> = {}) => {
      const c = parseArgs(argv, env);
      assert.ok(c.kind === 'run' || c.kind === 'inspect');
      return c.options;
    };
    assert.equal(opts(['run', 's.js']).includeSystemEnvVars, true);
    assert.equal(opts(['inspect', 's.js']).includeSystemEnvVars, false);
    assert.equal(opts(['inspect', '--include-system-env-vars', 's.js']).includeSystemEnvVars, true);
    assert.equal(
      opts(['inspect', 's.js'], { K6_INCLUDE_SYSTEM_ENV_VARS: 'true' }).includeSystemEnvVars,
      true,
    );
    assert.equal(opts(['run', '--include-system-env-vars=false', 's.js']).includeSystemEnvVars, false);
  });

  test('scenario checks k6 makes: 1s at least for duration and maxDuration, a ramp with some VU', () => {
    const refused = (options: Record<string, unknown>, sentence: string) =>
      assert.throws(
        () => deriveScenarios(mergeOptions(options, {})),
        (e: Error) => e.message.includes(sentence),
      );
    refused({ duration: '500ms' }, 'the duration must be at least 1s, but is 500ms');
    refused({ iterations: 2, duration: '999ms' }, 'the maxDuration must be at least 1s, but is 999ms');
    refused(
      { scenarios: { a: { executor: 'per-vu-iterations', maxDuration: '0.5s' } } },
      'the maxDuration must be at least 1s, but is 500ms',
    );
    refused(
      {
        scenarios: {
          a: { executor: 'constant-arrival-rate', rate: 1, preAllocatedVUs: 1, duration: '900ms' },
        },
      },
      'the duration must be at least 1s, but is 900ms',
    );
    refused(
      { scenarios: { a: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '1s', target: 0 }] } } },
      "either startVUs or one of the stages' target values must be greater than 0",
    );
    // Durations: a bare number is ms in options and K6_* variables (k6's ParseExtendedDuration),
    // but -d and --min-iteration-duration are Go duration flags.
    assert.equal(deriveScenarios(mergeOptions({ duration: '1500' }, {}))[0].executor, 'constant-vus');
    refused({ duration: '30' }, 'the duration must be at least 1s, but is 30ms');
    const parse = (argv: string[], env: Record<string, string> = {}) =>
      parseArgs(['run', ...argv, 's.js'], env);
    assert.throws(
      () => parse(['-d', '1500']),
      (e: Error) => e instanceof UsageError && e.message.includes('"1500"'),
    );
    assert.throws(() => parse(['--duration=1d']), UsageError);
    const fromEnv = parse([], { K6_DURATION: '1d' });
    assert.ok(fromEnv.kind === 'run' && fromEnv.options.duration === '1d');
    const flag = parse(['-d', '90s']);
    assert.ok(flag.kind === 'run' && flag.options.duration === '90s');
    // Stages may be short, and 1s is enough.
    assert.equal(deriveScenarios(mergeOptions({ duration: '1s' }, {}))[0].executor, 'constant-vus');
    assert.equal(
      deriveScenarios(mergeOptions({ stages: [{ duration: '100ms', target: 1 }] }, {}))[0].executor,
      'ramping-vus',
    );
  });

  test('commands k6 v2.0 removed are unknown commands, not refusals that point to k6', () => {
    for (const command of ['pause', 'resume', 'scale', 'status', 'login'])
      assert.throws(
        () => parseArgs([command], {}),
        (e: Error) =>
          e instanceof UsageError &&
          e.message.startsWith(`unknown command "${command}" for "k6"`) &&
          !e.message.includes('--engine k6'),
      );
    // k6 commands and forms the engine does not have: a sentence, not "unknown command".
    assert.throws(() => parseArgs(['run', 's.js'], { K6_EXIT_ON_RUNNING: 'true' }), UsageError);
    assert.throws(() => parseArgs(['run', '--exit-on-running', 's.js'], {}), UsageError);
    for (const argv of [['new', 'x.js'], ['features'], ['run', '-']])
      assert.throws(
        () => parseArgs(argv, {}),
        (e: Error) => e instanceof UsageError && /not supported by the node engine/.test(e.message),
      );
  });

  test('exec.test.options: every k6 option in order, null when unset, defaults k6 fills, scenario fields as given', () => {
    const merged = mergeOptions(
      {
        scenarios: {
          api: {
            executor: 'constant-arrival-rate',
            rate: 2,
            duration: '1m',
            preAllocatedVUs: 3,
            tags: { t: 'x' },
          },
        },
        thresholds: {
          http_req_duration: [
            'p(95)<500',
            { threshold: 'max<900', abortOnFail: true, delayAbortEval: '10s' },
          ],
        },
        setupTimeout: '90s',
      },
      {},
    );
    const view = k6TestOptions(merged, deriveScenarios(merged));
    const keys = Object.keys(view);
    assert.deepEqual(keys.slice(0, 6), [
      'paused',
      'scenarios',
      'executionSegment',
      'executionSegmentSequence',
      'noSetup',
      'setupTimeout',
    ]);
    assert.deepEqual(keys.slice(-3), ['features', 'consoleOutput', 'localIPs']);
    assert.equal(view.userAgent, null);
    assert.equal(view.setupTimeout, '1m30s');
    assert.deepEqual(view.summaryTrendStats, ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']);
    assert.equal((view.systemTags as string[])[0], 'check');
    assert.deepEqual(view.thresholds, {
      http_req_duration: [
        { threshold: 'p(95)<500', abortOnFail: false, delayAbortEval: null },
        { threshold: 'max<900', abortOnFail: true, delayAbortEval: '10s' },
      ],
    });
    assert.deepEqual((view.scenarios as Record<string, unknown>).api, {
      executor: 'constant-arrival-rate',
      startTime: null,
      gracefulStop: null,
      env: null,
      exec: null,
      tags: { t: 'x' },
      rate: 2,
      timeUnit: null,
      duration: '1m0s',
      preAllocatedVUs: 3,
      maxVUs: null,
    });
    // The stages shortcut sets the stages, and startVUs from vus.
    const ramp = mergeOptions({ stages: [{ duration: '10s', target: 3 }], vus: 2 }, {});
    assert.deepEqual((k6TestOptions(ramp, deriveScenarios(ramp)).scenarios as Record<string, Raw>).default, {
      executor: 'ramping-vus',
      startTime: null,
      gracefulStop: null,
      env: null,
      exec: null,
      tags: null,
      startVUs: 2,
      stages: [{ duration: '10s', target: 3 }],
      gracefulRampDown: null,
    });
  });

  test('handleSummaryTimeout (option, K6_HANDLE_SUMMARY_TIMEOUT): past it k6 logs one error and prints no summary', async () => {
    const parsed = parseArgs(['run', 's.js'], { K6_HANDLE_SUMMARY_TIMEOUT: '3s' });
    assert.ok(parsed.kind === 'run' && parsed.options.handleSummaryTimeout === '3s');
    const r = await run({
      script: files.write(
        'summary-forever.js',
        `export const options = { iterations: 1, handleSummaryTimeout: '1s' };
export default function () {}
export function handleSummary() { for (;;) {} }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stderr,
      /level=error msg="failed to handle the end-of-test summary" error="handleSummary\(\) execution timed out after 1 seconds"/,
    );
    assert.doesNotMatch(r.stdout, /TOTAL RESULTS/);
  });
});
