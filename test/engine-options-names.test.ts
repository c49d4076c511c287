// test-tier: unit
// Option names read as k6 reads them: k6 marshals the script's `options` to JSON and decodes it
// with Go's encoding/json (grafana/k6 internal/js/bundle.go), so a key matches its option ignoring
// case, and a key that is no option is ignored with one warning.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { deriveScenarios, mergeOptions } from '../engine/options.ts';
import { runOnBothKinds, tempDir } from './engine-fixtures.ts';

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
});
