import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { count, run, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

describe('engine: bad scripts and exit codes like k6', () => {
  test('syntax error → 107 with the location', async () => {
    const r = await run({
      script: files.write('syntax.js', 'export default function () {\n  let x = ;\n}\n'),
    });
    assert.equal(r.exitCode, 107);
    assert.match(r.stderr, /syntax error/i);
    assert.match(r.stderr, /syntax\.js/);
    assert.equal(r.summary, null);
  });

  test('exception in init code → 107', async () => {
    const r = await run({
      script: files.write('init.js', "throw new Error('broken init');\nexport default function () {}"),
    });
    assert.equal(r.exitCode, 107);
    assert.match(r.stderr, /init code.*broken init/);
  });

  test('exception in an iteration is logged with VU and iteration; the test goes on', async () => {
    const r = await run({
      script: files.write(
        'iter.js',
        `export const options = { iterations: 6, vus: 1 };
         export default function () { if (__ITER % 2 === 0) throw new Error('odd one ' + __ITER); }`,
      ),
    });
    assert.equal(r.exitCode, 0);
    assert.equal(count(r.samples, 'iterations'), 3);
    assert.match(r.stderr, /odd one 0.*VU 1, iteration 0/s);
    assert.match(r.stderr, /odd one 4/);
  });

  test('missing exec function and invalid options → 104 with a clear message', async () => {
    const missing = await run({
      script: files.write(
        'exec.js',
        `export const options = { scenarios: { s: { executor: 'shared-iterations', exec: 'nope' } } };\nexport default function () {}`,
      ),
    });
    assert.equal(missing.exitCode, 104);
    assert.match(missing.stderr, /exports no function named \\"nope\\"|exports no function named "nope"/);
    const mixed = await run({
      script: files.write(
        'mixed.js',
        `export const options = { duration: '1s', iterations: 3 };\nexport default function () {}`,
      ),
    });
    assert.equal(mixed.exitCode, 104);
    assert.match(mixed.stderr, /cannot be used together/);
    const badExecutor = await run({
      script: files.write(
        'exe.js',
        `export const options = { scenarios: { s: { executor: 'warp' } } };\nexport default function () {}`,
      ),
    });
    assert.equal(badExecutor.exitCode, 104);
    const badThreshold = await run({
      script: files.write(
        'th.js',
        `export const options = { thresholds: { http_req_duration: ['p(95) <<< 3'] } };\nexport default function () {}`,
      ),
    });
    assert.equal(badThreshold.exitCode, 104);
    const noDefault = await run({ script: files.write('nodef.js', `export function x() {}`) });
    assert.equal(noDefault.exitCode, 104);
  });

  test('failed thresholds → 99; abortOnFail stops early with 99', async () => {
    const failing = await run({
      script: files.write(
        'thr.js',
        `import { Trend } from 'k6/metrics';
         const t = new Trend('t');
         export const options = { iterations: 3, thresholds: { t: ['avg<1'] } };
         export default function () { t.add(10); }`,
      ),
    });
    assert.equal(failing.exitCode, 99);
    assert.deepEqual(
      failing.thresholds.map((t) => [t.metric, t.threshold, t.ok]),
      [['t', 'avg<1', false]],
    );
    assert.equal(failing.summary?.metrics.t.thresholds?.['avg<1'].ok, false);

    const started = Date.now();
    const aborting = await run({
      script: files.write(
        'abort-th.js',
        `import { Trend } from 'k6/metrics';
         import { sleep } from 'k6';
         const t = new Trend('t');
         export const options = { vus: 1, duration: '20s', thresholds: { t: [{ threshold: 'avg<1', abortOnFail: true }] } };
         export default async function () { t.add(10); await sleep(0.05); }`,
      ),
    });
    assert.equal(aborting.exitCode, 99);
    assert.equal(aborting.interrupted, true);
    assert.ok(Date.now() - started < 6000, 'stopped at the first evaluation, not after 20 s');
  });

  test('exec.test.abort() → 108 at once; exec.test.fail() → 110 and the run goes on', async () => {
    const aborted = await run({
      script: files.write(
        'abort.js',
        `import exec from 'k6/execution';
         export const options = { vus: 1, duration: '10s' };
         export default function () { if (__ITER === 2) exec.test.abort('enough'); }`,
      ),
    });
    assert.equal(aborted.exitCode, 108);
    assert.match(aborted.stderr, /enough/);
    const failed = await run({
      script: files.write(
        'fail.js',
        `import exec from 'k6/execution';
         export const options = { iterations: 4 };
         export default function () { if (__ITER === 0) exec.test.fail('marked'); }`,
      ),
    });
    assert.equal(failed.exitCode, 110);
    assert.equal(count(failed.samples, 'iterations'), 4);
  });
});
