// test-tier: unit
// The same script behaves the same on both kinds of VU: once with a plain exported function (a
// synchronous VU, its own thread) and once with an async one (async VUs of the VU thread). The
// k6 modules are written once for both (engine/api/module-vu.ts).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type Captured, count, runOnBothKinds, tempDir, VU_KINDS } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

const KINDS = VU_KINDS;

/** Runs `body` as the default function of both kinds of VU (2 iterations of 1 VU). */
const bothKinds = (name: string, imports: string, body: string): Promise<Record<string, Captured>> =>
  runOnBothKinds(files, name, `${imports}\nexport default FN () {\n${body}\n}`, { vus: 1, iterations: 2 });

function ranOn(r: Captured): Set<string> {
  return new Set(r.samples.filter((s) => s.metric === 'iterations').map((s) => s.tags.scenario));
}

describe('engine: one k6 API for both kinds of VU', () => {
  test('a check callback that returns a Promise fails the iteration on both kinds, the test goes on (exit 0)', async () => {
    const r = await bothKinds(
      'check-promise',
      `import { check } from 'k6';`,
      `check(1, { plain: (v) => v === 1 });
       check(1, { later: () => Promise.resolve(true) });
       check(1, { never: () => true });`,
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      assert.match(
        k.stderr,
        /check \\?"later\\?" returned a Promise; check\(\) needs synchronous checks/,
        kind,
      );
      assert.doesNotMatch(k.stderr, /not supported/, kind);
      // The check before it counted, nothing after it ran; the iteration that threw still counts, as in k6.
      assert.equal(
        count(k.samples, 'checks', (s) => s.tags.check === 'plain' && s.value === 1),
        2,
        kind,
      );
      assert.equal(
        count(k.samples, 'checks', (s) => s.tags.check !== 'plain'),
        0,
        kind,
      );
      assert.equal(count(k.samples, 'iterations'), 2, kind);
      assert.equal(ranOn(k).size, 1, kind);
    }
    assert.equal(r.synchronous.stderr.match(/returned a Promise/g)?.length, 2);
    assert.equal(r.async.stderr.match(/returned a Promise/g)?.length, 2);
  });

  test('a group function that returns a Promise runs on both kinds: what it does before returning carries the group, its duration ends when it returns (as k6)', async () => {
    const r = await bothKinds(
      'group-promise',
      `import { check, group } from 'k6'; import { Counter } from 'k6/metrics';
       const before = new Counter('before_return'); const settling = new Counter('settling');`,
      `const done = group('g', () => {
         check(200, { inside: (x) => x === 200 });
         before.add(1);
         return new Promise((resolve) => setTimeout(() => { settling.add(1); resolve(7); }, 150));
       });
       check(1, { outside: () => true });
       return done.then((v) => { check(v, { value: (x) => x === 7 }); });`,
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      assert.equal(k.stderr, '', kind);
      assert.equal(count(k.samples, 'iterations'), 2, kind);
      assert.equal(
        count(k.samples, 'checks', (s) => s.value === 1),
        6,
        kind,
      );
      assert.equal(
        count(k.samples, 'checks', (s) => s.tags.check === 'inside' && s.tags.group === '::g'),
        2,
        kind,
      );
      assert.equal(
        count(k.samples, 'checks', (s) => s.tags.check === 'outside' && s.tags.group === ''),
        2,
        kind,
      );
      assert.equal(
        count(k.samples, 'before_return', (s) => s.tags.group === '::g'),
        2,
        kind,
      );
      const durations = k.samples.filter((s) => s.metric === 'group_duration');
      assert.equal(durations.length, 2, kind);
      for (const d of durations) assert.equal(d.tags.group, '::g', kind);
      // k6 takes group_duration when the function returns (grafana/k6
      // internal/js/modules/k6/k6.go, Group), before its Promise settles: each iteration's
      // group_duration sample comes before its 'settling' one.
      const order = k.samples
        .filter((s) => s.metric === 'group_duration' || s.metric === 'settling')
        .map((s) => s.metric);
      assert.deepEqual(order, ['group_duration', 'settling', 'group_duration', 'settling'], kind);
    }
  });

  test('metrics, shared arrays and timers come from the same modules on both kinds', async () => {
    const r = await bothKinds(
      'modules',
      `import { Counter, Trend } from 'k6/metrics'; import { SharedArray } from 'k6/data';
       import { setTimeout } from 'k6/timers'; import { group } from 'k6';
       const c = new Counter('mine'); const t = new Trend('waits', true);
       const rows = new SharedArray('rows', () => [{ n: 1 }, { n: 2 }]);`,
      `group('x', () => c.add(rows[1].n, { tagged: true }));
       setTimeout(() => t.add(5), 10);`,
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      const mine = k.samples.filter((s) => s.metric === 'mine');
      assert.deepEqual(
        mine.map((s) => [s.value, s.tags.tagged, s.tags.group]),
        [
          [2, 'true', '::x'],
          [2, 'true', '::x'],
        ],
        kind,
      );
      assert.equal(
        count(k.samples, 'waits', (s) => s.value === 5),
        2,
        kind,
      );
    }
  });

  test('setup() may return a SharedArray: the VUs get its elements through JSON, as k6 marshals setup data', async () => {
    const r = await runOnBothKinds(
      files,
      'setup-shared',
      `import { SharedArray } from 'k6/data';
       import { Counter } from 'k6/metrics';
       const got = new Counter('got');
       const users = new SharedArray('users', () => [{ n: 3 }, { n: 4 }]);
       export const options = { iterations: 1 };
       export FN setup() { return { users }; }
       export default FN (data) { got.add(data.users.length === 2 && !Object.isFrozen(data.users) ? data.users[1].n : -1); }`,
      {},
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      assert.deepEqual(
        k.samples.filter((s) => s.metric === 'got').map((s) => s.value),
        [4],
        kind,
      );
    }
  });
});
