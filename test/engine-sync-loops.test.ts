// test-tier: unit
// A synchronous VU runs the iterations of constant-vus, ramping-vus, per-vu-iterations and
// shared-iterations back to back in its own thread, reporting their ends in batches
// (engine/sync/vu-thread.ts runLoop). What an iteration-by-iteration run gives must not change:
// every iteration counted once with its own numbers, exceptions logged with their VU and
// iteration, the `iter` tag, a fresh cookie jar for each iteration, the pool of shared-iterations
// taken exactly, a VU ramped down and up again looping on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { count, run, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/set') res.setHeader('set-cookie', 'mark=1; Path=/');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ cookie: req.headers.cookie ?? '' }));
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

describe('engine: synchronous VUs loop in their own thread', () => {
  test('silent iterations: each counted once, numbered once, exceptions logged and counted, the pool taken exactly', async () => {
    const r = await run({
      syncVus: true,
      script: files.write(
        'silent.js',
        `import exec from 'k6/execution';
         import { Counter } from 'k6/metrics';
         const tally = new Counter('tally');
         export const options = {
           systemTags: ['iter', 'vu', 'scenario'],
           scenarios: {
             per: { executor: 'per-vu-iterations', vus: 3, iterations: 2500, exec: 'per' },
             pool: { executor: 'shared-iterations', vus: 4, iterations: 7001, exec: 'pool', startTime: '0s' },
           },
         };
         let n = 0, sum = 0, squares = 0, last = -1, ordered = true;
         function note() {
           const k = exec.scenario.iterationInTest;
           n++; sum += k; squares += k * k;
           if (exec.vu.iterationInScenario !== last + 1 || __ITER !== exec.vu.iterationInScenario) ordered = false;
           last = exec.vu.iterationInScenario;
         }
         export function per() {
           note();
           if (__ITER % 1000 === 999) throw new Error('boom at ' + __ITER);
           if (__ITER === 2499)
             tally.add(1, { n: String(n), sum: String(sum), squares: String(squares), ordered: String(ordered) });
         }
         export function pool() { note(); }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const per = (s: { tags: Record<string, string> }) => s.tags.scenario === 'per';
    assert.equal(count(r.samples, 'iterations', per), 7500, 'every iteration, the ones that threw included');
    assert.equal(
      count(r.samples, 'iterations', (s) => s.tags.scenario === 'pool'),
      7001,
      "shared-iterations' pool taken exactly",
    );
    assert.equal(count(r.samples, 'dropped_iterations'), 0);
    // Each VU's iterations carry their own `iter` tag: 0 … 2499, once each.
    for (const vu of ['1', '2', '3']) {
      const iters = r.samples
        .filter((s) => s.metric === 'iterations' && per(s) && s.tags.vu === vu)
        .map((s) => Number(s.tags.iter))
        .sort((a, b) => a - b);
      assert.deepEqual(
        iters,
        Array.from({ length: 2500 }, (_, i) => i),
        `VU ${vu}'s iter tags`,
      );
    }
    // The exceptions, logged as k6 logs them (two per VU), with their scenario.
    const logged = [
      ...r.stderr.matchAll(
        /msg="Error: boom at (\d+)\\n\\tat per \(file:[^"]*silent\.js:\d+:\d+\)\\n" executor=per-vu-iterations hint="script exception" scenario=per source=stacktrace/g,
      ),
    ];
    assert.deepEqual(
      logged.map((m) => Number(m[1])).sort((a, b) => a - b),
      [999, 999, 999, 1999, 1999, 1999],
      r.stderr,
    );
    // exec.scenario.iterationInTest: 0 … 7499 in all, each once (sum and sum of squares), in
    // order within each VU.
    const tallies = r.samples.filter((s) => s.metric === 'tally').map((s) => s.tags);
    assert.equal(tallies.length, 3);
    const total = 7500;
    assert.equal(
      tallies.reduce((a, t) => a + Number(t.n), 0),
      total,
    );
    assert.equal(
      tallies.reduce((a, t) => a + Number(t.sum), 0),
      (total * (total - 1)) / 2,
    );
    assert.equal(
      tallies.reduce((a, t) => a + Number(t.squares), 0),
      ((total - 1) * total * (2 * total - 1)) / 6,
    );
    assert.ok(
      tallies.every((t) => t.ordered === 'true'),
      '__ITER and iterationInScenario count up by one',
    );
  });

  test('iterations with requests: a fresh cookie jar each, one request sample each, the iteration tag', async () => {
    const r = await run({
      syncVus: true,
      script: files.write(
        'jar.js',
        `import http from 'k6/http';
         import { check } from 'k6';
         export const options = { systemTags: ['iter', 'vu', 'name'],
           scenarios: { c: { executor: 'per-vu-iterations', vus: 2, iterations: 30 } } };
         export default function () {
           const first = http.get('${server.url}/first');
           check(first, { 'the jar starts empty': (r) => r.json('cookie') === '' });
           http.get('${server.url}/set');
           check(http.get('${server.url}/again'), { 'the jar keeps the cookie': (r) => r.json('cookie') === 'mark=1' });
         }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(count(r.samples, 'iterations'), 60);
    assert.equal(count(r.samples, 'checks'), 120);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 0),
      0,
      'each iteration began with an empty jar',
    );
    // Each request is tagged with the iteration it was made in.
    for (const vu of ['1', '2']) {
      const reqs = r.samples.filter((s) => s.metric === 'http_reqs' && s.tags.vu === vu);
      assert.equal(reqs.length, 90);
      for (let i = 0; i < 30; i++)
        assert.equal(reqs.filter((s) => s.tags.iter === String(i)).length, 3, `VU ${vu} iteration ${i}`);
    }
  });

  test('ramping-vus: a VU ramped down and up again loops on', async () => {
    const r = await run({
      syncVus: true,
      script: files.write(
        'ramp.js',
        `import { sleep } from 'k6';
         import exec from 'k6/execution';
         import { Counter } from 'k6/metrics';
         const late = new Counter('late');
         export const options = { systemTags: ['vu', 'scenario'],
           scenarios: { r: { executor: 'ramping-vus', startVUs: 2, gracefulRampDown: '5s',
           stages: [{ duration: '300ms', target: 2 }, { duration: '0s', target: 1 }, { duration: '300ms', target: 1 },
                    { duration: '0s', target: 2 }, { duration: '400ms', target: 2 }] } } };
         export default function () {
           sleep(0.05);
           // After the second step up (600 ms into the test).
           if (exec.instance.currentTestRunDuration > 650) late.add(1);
         }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const lateOf = (vu: string) => count(r.samples, 'late', (s) => s.tags.vu === vu);
    assert.ok(lateOf('1') > 0, r.stderr);
    assert.ok(lateOf('2') > 0, 'VU 2, ramped down and up again, loops on');
    assert.doesNotMatch(r.stderr, /level=(error|warning)/);
  });
});
