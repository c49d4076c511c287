// test-tier: unit
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { count, run, selfSignedCert, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, path: req.url }));
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

describe('engine: synchronous VUs (--sync-vus, k6 scripts without await)', () => {
  test("k6's synchronous style runs as in k6: requests, checks, groups, metrics, __VU/__ITER, setup data", async () => {
    files.write('data.txt', 'hi');
    const r = await run({
      syncVus: true,
      vus: 5,
      duration: '2s',
      script: files.write(
        'sync.js',
        `import http from 'k6/http'; import { check, group, sleep } from 'k6';
         import { Counter } from 'k6/metrics';
         const text = open('./data.txt');
         const mine = new Counter('mine');
         export function setup() { return { token: http.get('${server.url}/setup').json().path }; }
         export default function (data) {
           group('g', () => {
             const r = http.get('${server.url}/');
             check(r, { ok: (r) => r.status === 200, json: (r) => r.json('ok') === true, data: () => data.token === '/setup' && text === 'hi' });
           });
           mine.add(1, { vu: String(__VU), it: String(__ITER) });
           sleep(0.1);
         }
         export function teardown(data) { http.post('${server.url}/teardown', JSON.stringify(data)); }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const iterations = count(r.samples, 'iterations');
    // 5 VUs × 2 s / (0.1 s sleep + a local request): at most 100 (the sleep paces them); each VU
    // ran at least once (how many more depends on the machine, which a test must not).
    assert.ok(iterations >= 5 && iterations <= 100, `iterations ${iterations}`);
    const reqs = count(r.samples, 'http_req_duration');
    assert.equal(reqs, iterations + 2, 'one request per iteration plus setup and teardown');
    assert.equal(
      count(r.samples, 'http_req_failed', (s) => s.value === 1),
      0,
    );
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 0),
      0,
    );
    assert.equal(count(r.samples, 'checks'), 3 * iterations);
    assert.ok(count(r.samples, 'http_req_duration', (s) => s.tags.group === '::g') >= iterations - 5);
    assert.equal(
      count(r.samples, 'group_duration', (s) => s.tags.group === '::g'),
      iterations,
    );
    assert.equal(count(r.samples, 'mine'), iterations);
    const vus = new Set(r.samples.filter((s) => s.metric === 'mine').map((s) => s.tags.vu));
    assert.deepEqual([...vus].sort(), ['1', '2', '3', '4', '5']);
    assert.ok(r.samples.some((s) => s.metric === 'mine' && s.tags.it === '3'));
  });

  test('sleep(0.2) really pauses the VU', async () => {
    const r = await run({
      syncVus: true,
      vus: 2,
      duration: '1s',
      script: files.write(
        'sleep.js',
        `import http from 'k6/http'; import { sleep } from 'k6';
         export default function () { http.get('${server.url}/'); sleep(0.2); }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const iterations = count(r.samples, 'iterations');
    // 1 s / 0.2 s: at most 5 complete iterations per VU (the one cut at the end is not counted).
    // Two VUs of 0.2 s iterations in 1 s: at most 10 (a busy machine may run fewer, never none).
    assert.ok(iterations >= 2 && iterations <= 10, `iterations ${iterations}`);
  });

  test('each VU keeps its module state and one copy of the setup data across its iterations', async () => {
    const r = await run({
      syncVus: true,
      script: files.write(
        'isolation.js',
        `import { Counter } from 'k6/metrics';
         const seen = new Counter('seen');
         let mine = 0;
         export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 4 } } };
         export function setup() { return { list: [1] }; }
         export default function (data) {
           mine++;
           data.list.push(__ITER);
           seen.add(1, { vu: String(__VU), mine: String(mine), iter: String(__ITER), len: String(data.list.length) });
         }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const seen = r.samples.filter((s) => s.metric === 'seen');
    assert.equal(seen.length, 12);
    for (const s of seen) {
      assert.equal(Number(s.tags.mine), Number(s.tags.iter) + 1);
      assert.equal(Number(s.tags.len), Number(s.tags.iter) + 2);
    }
  });

  test('a busy loop that never reaches a k6 call is ended when the scenario stops', async () => {
    const r = await run({
      syncVus: true,
      script: files.write(
        'busy.js',
        `export const options = { scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0s' } } };
         export default function () { for (;;) {} }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    // The engine's clock from the start of the load (a busy machine's slow start does not count).
    const ranMs = r.summary?.state.testRunDurationMs ?? Number.NaN;
    assert.ok(ranMs < 10_000, `ran ${ranMs} ms`);
  });

  test('a call synchronous VUs cannot make yet stops the test with 107 and a sentence', async () => {
    const call = await run({
      syncVus: true,
      vus: 1,
      duration: '2s',
      script: files.write(
        'unsupported.js',
        `import http from 'k6/http';
         class Payload { constructor() { this.a = 1; } }
         export default function () { http.post('${server.url}/', new Payload()); }`,
      ),
    });
    assert.equal(call.exitCode, 107);
    assert.match(call.stderr, /not supported for synchronous VUs.*--engine k6/s);
    // What neither kind of VU has is refused as such, not as a gap of synchronous VUs: the OCSP
    // status of a response over TLS.
    selfSignedCert(files.dir, 'ocsp-', '127.0.0.1', 'IP:127.0.0.1');
    const tlsServer = createTlsServer(
      { key: readFileSync(`${files.dir}/ocsp-key.pem`), cert: readFileSync(`${files.dir}/ocsp-cert.pem`) },
      (_req, res) => res.end('secure'),
    );
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    const tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/`;
    const neither = await run({
      vus: 1,
      duration: '2s',
      script: files.write(
        'ocsp.js',
        `import http from 'k6/http';
         export const options = { insecureSkipTLSVerify: true };
         export default function () { const s = http.get('${tlsUrl}').ocsp.status; }`,
      ),
    }).finally(() => tlsServer.close());
    assert.equal(neither.exitCode, 107);
    assert.match(
      neither.stderr,
      /Response\.ocsp \(OCSP stapling status\) over TLS is not supported by the node engine.*--engine k6/s,
    );
    const module = await run({
      syncVus: true,
      vus: 1,
      duration: '2s',
      script: files.write(
        'module.js',
        `import ws from 'k6/ws';
         export default function () { ws.connect('${server.url}/'); }`,
      ),
    });
    assert.equal(module.exitCode, 107);
    assert.match(module.stderr, /k6\/ws.*WebSockets.*not supported by the node engine.*--engine k6/s);
  });

  test('more VUs than synchronous mode holds → 104 with the cap and the memory', async () => {
    const r = await run({
      syncVus: true,
      vus: 501,
      duration: '1s',
      script: files.write('many.js', 'export default function () {}'),
    });
    assert.equal(r.exitCode, 104);
    assert.match(r.stderr, /limited to 500.*8 MB.*--engine k6/s);
  });

  test('synchronous VUs: timers, asyncRequest, groups and the event loop hold the iteration; k6/execution; randomSeed', async () => {
    const r = await run({
      script: files.write(
        'loop.js',
        `import http from 'k6/http'; import { group, randomSeed } from 'k6';
         import exec from 'k6/execution'; import { setTimeout as later } from 'k6/timers';
         import { Counter } from 'k6/metrics';
         const facts = new Counter('facts');
         export const options = { scenarios: { sc: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };
         export default function () {
           randomSeed(7);
           const rnd = Math.random().toFixed(6);
           exec.vu.tags.mine = 'yes';
           facts.add(1, { vu: String(exec.vu.idInTest), it: String(exec.vu.iterationInScenario),
             sc: exec.scenario.name, ex: exec.scenario.executor, active: String(exec.instance.vusActive), rnd });
           setTimeout(() => http.get('${server.url}/timer'), 60);
           later(() => later(() => http.get('${server.url}/nested'), 20), 20);
           http.asyncRequest('GET', '${server.url}/async').then(() => setTimeout(() => http.get('${server.url}/after-async'), 30));
           group('g', () => { http.asyncRequest('GET', '${server.url}/in-group'); http.get('${server.url}/in-group-sync'); });
         }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const urls = (path: string) =>
      r.samples.filter((s) => s.metric === 'http_req_duration' && s.tags.url === `${server.url}${path}`);
    // Every request started by timers and awaited calls belongs to its iteration: 4 iterations each.
    for (const path of ['/timer', '/nested', '/async', '/after-async', '/in-group', '/in-group-sync'])
      assert.equal(urls(path).length, 4, path);
    for (const s of [...urls('/in-group'), ...urls('/in-group-sync')]) assert.equal(s.tags.group, '::g');
    for (const s of urls('/timer')) assert.equal(s.tags.group, '');
    assert.ok(
      urls('/timer').every((s) => s.tags.mine === 'yes'),
      'exec.vu.tags reach the samples',
    );
    assert.equal(
      count(r.samples, 'group_duration', (s) => s.tags.group === '::g'),
      4,
    );
    const facts = r.samples.filter((s) => s.metric === 'facts').map((s) => s.tags);
    assert.deepEqual(facts.map((t) => `${t.vu}/${t.it}`).sort(), ['1/0', '1/1', '2/0', '2/1']);
    assert.ok(facts.every((t) => t.sc === 'sc' && t.ex === 'per-vu-iterations' && Number(t.active) >= 1));
    assert.equal(new Set(facts.map((t) => t.rnd)).size, 1, 'randomSeed makes Math.random repeatable');
  });

  test('plain functions get synchronous VUs without a flag; async functions keep async VUs; --sync-vus=false refuses', async () => {
    const plain = files.write(
      'plain.js',
      `import http from 'k6/http'; import { sleep } from 'k6';
       export default function () { const r = http.get('${server.url}/'); if (r.status !== 200) throw new Error('status ' + r.status); sleep(0.2); }`,
    );
    const sync = await run({ vus: 2, duration: '1s', script: plain });
    assert.equal(sync.exitCode, 0, sync.stderr);
    const iterations = count(sync.samples, 'iterations');
    // Two VUs of 0.2 s iterations in 1 s: at most 10 (a busy machine may run fewer, never none).
    assert.ok(iterations >= 2 && iterations <= 10, `iterations ${iterations}`);
    assert.equal(count(sync.samples, 'http_req_duration'), iterations);
    const off = await run({ vus: 1, duration: '1s', syncVus: false, script: plain });
    assert.equal(off.exitCode, 107);
    assert.match(off.stderr, /without await/);
    const async = await run({
      vus: 2,
      duration: '1s',
      script: files.write(
        'async.js',
        `import http from 'k6/http'; import { sleep } from 'k6';
         export default async function () { await http.get('${server.url}/'); await sleep(0.2); }`,
      ),
    });
    assert.equal(async.exitCode, 0, async.stderr);
    const n = count(async.samples, 'iterations');
    // Two VUs of 0.2 s iterations in 1 s: at most 10; each VU ran at least once.
    assert.ok(n >= 2 && n <= 10, `iterations ${n}`);
  });

  test('each VU thread runs at nice 10, below the thread that takes the timings', async () => {
    // Thread ids of this process by nice value, from /proc (Linux).
    const niceOf = () => {
      const byNice = new Map<number, number[]>();
      for (const tid of readdirSync('/proc/self/task')) {
        let stat: string;
        try {
          stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        } catch {
          continue; // the thread ended meanwhile
        }
        // Fields after the command name (which may hold spaces) start at field 3; nice is field 19.
        const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
        byNice.set(nice, [...(byNice.get(nice) ?? []), Number(tid)]);
      }
      return byNice;
    };
    // The process's own nice value: a VU thread never raises its priority above it.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const base = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    const before = niceOf();
    if (base < 10) assert.equal(before.has(10), false, 'no thread at nice 10 before the run');
    let done = false;
    const running = run({
      syncVus: true,
      script: files.write(
        'nice.js',
        `import { sleep } from 'k6';
         export const options = { vus: 3, duration: '2s' };
         export default function () { sleep(0.2); }`,
      ),
    }).finally(() => {
      done = true;
    });
    let seen = new Map<number, number[]>();
    while (!done) {
      const now = niceOf();
      if ((now.get(10)?.length ?? 0) > (seen.get(10)?.length ?? 0)) seen = now;
      await delay(50);
    }
    const r = await running;
    assert.equal(r.exitCode, 0, r.stderr);
    if (base >= 10) {
      // Run at nice 10 or lower priority already: the threads keep the process's value.
      assert.deepEqual(
        [...seen.keys()].filter((n) => n < base),
        [],
        'no thread above the process priority',
      );
      return;
    }
    assert.equal(seen.get(10)?.length, 3, `one thread per VU at nice 10: ${JSON.stringify([...seen])}`);
    assert.ok(
      (seen.get(base)?.length ?? 0) > 0,
      "the other threads (the hub among them) keep the process's nice",
    );
    assert.equal(niceOf().has(10), false, 'the VU threads are gone after the run');
  });

  test('the build of the VU threads is removed after each run, also after a 107', () => {
    const left = readdirSync(tmpdir()).filter((n) => n.startsWith(`connect-perf-sync-${process.pid}-`));
    assert.deepEqual(left, []);
  });
});
