// test-tier: unit
// Iteration after iteration of a synchronous VU (engine/sync/hub.ts sends __ENV only when the
// scenario changes): every iteration gets its own numbers, the VU moves on to another function,
// another scenario's __ENV and teardown, and the setup data stays the one copy the VU was given.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { run, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

describe('engine: synchronous VUs, iteration after iteration', () => {
  test('each quick iteration has its own numbers; a second function, its scenario env and teardown follow', async () => {
    const r = await run({
      syncVus: true,
      env: { WHO: 'global' },
      script: files.write(
        'quick.js',
        `import exec from 'k6/execution';
         import { Counter } from 'k6/metrics';
         const seen = new Counter('seen');
         let runs = 0;
         export const options = {
           scenarios: {
             first: { executor: 'per-vu-iterations', vus: 2, iterations: 40, exec: 'one' },
             second: { executor: 'shared-iterations', vus: 2, iterations: 30, exec: 'two',
                       startTime: '300ms', env: { WHO: 'second' } },
           },
         };
         export function setup() { return { token: 't' }; }
         function note(fn, data) {
           runs++;
           seen.add(1, { fn, who: __ENV.WHO, vu: String(__VU), iter: String(__ITER),
             inScenario: String(exec.vu.iterationInScenario), inTest: String(exec.scenario.iterationInTest),
             runs: String(runs), token: data.token });
         }
         export function one(data) { note('one', data); }
         export function two(data) { note('two', data); }
         export function teardown(data) { seen.add(1, { fn: 'teardown', token: data.token }); }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const seen = r.samples.filter((s) => s.metric === 'seen').map((s) => s.tags);
    const of = (fn: string) => seen.filter((t) => t.fn === fn);
    const one = of('one');
    const two = of('two');
    assert.equal(one.length, 80);
    assert.equal(two.length, 30);
    assert.equal(of('teardown').length, 1);
    assert.ok(
      seen.every((t) => t.token === 't'),
      'the setup data reaches every call',
    );
    assert.ok(one.every((t) => t.who === 'global'));
    assert.ok(
      two.every((t) => t.who === 'second'),
      "the second scenario's env is __ENV there",
    );
    // per-vu-iterations: each VU runs 0..39, and its __ITER follows its iteration in the scenario.
    for (const vu of new Set(one.map((t) => t.vu))) {
      const mine = one.filter((t) => t.vu === vu);
      assert.deepEqual(
        mine.map((t) => Number(t.inScenario)).sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i),
      );
      assert.ok(mine.every((t) => t.iter === t.inScenario));
    }
    for (const list of [one, two])
      assert.deepEqual(
        list.map((t) => Number(t.inTest)).sort((a, b) => a - b),
        Array.from({ length: list.length }, (_, i) => i),
        'each iteration in the test has its own number',
      );
    // Each VU's module state counts every call it ran, once.
    for (const vu of new Set(seen.filter((t) => t.vu).map((t) => t.vu))) {
      const runs = seen.filter((t) => t.vu === vu).map((t) => Number(t.runs));
      assert.deepEqual(
        runs.sort((a, b) => a - b),
        Array.from({ length: runs.length }, (_, i) => i + 1),
      );
    }
  });
});
