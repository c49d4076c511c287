// test-tier: unit
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { deriveScenarios, goDuration, k6TestOptions } from '../engine/options.ts';
import { count, run, runOnBothKinds, startServer, tempDir } from './engine-fixtures.ts';

describe('engine: a test run end to end', () => {
  const files = tempDir();
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer((req, res) => {
      if (req.url === '/json') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ items: [{ name: 'a' }] }));
        return;
      }
      res.setHeader('x-thing', 'y');
      res.end('hello');
    });
  });
  after(async () => {
    await server.close();
    files.cleanup();
  });

  test('constant-vus run emits k6 metrics with k6 tags, NDJSON and summary export', async () => {
    const script = files.write(
      'basic.js',
      `import http from 'k6/http';
       import { check, group } from 'k6';
       import { Counter } from 'k6/metrics';
       const hits = new Counter('hits');
       export const options = { vus: 2, duration: '1s', tags: { team: 'perf' }, thresholds: { http_req_duration: ['p(95)<5000'] } };
       export default async function () {
         const res = await http.get(__ENV.BASE + '/json', { tags: { kind: 'api' } });
         check(res, { 'status 200': (r) => r.status === 200, 'json works': (r) => r.json('items.0.name') === 'a' });
         group('inner', () => { hits.add(1); });
       }`,
    );
    const out = `${files.dir}/out.json`;
    const exported = `${files.dir}/summary.json`;
    const r = await run({ script, env: { BASE: server.url }, out: [`json=${out}`], summaryExport: exported });
    assert.equal(r.exitCode, 0, r.stderr);
    const reqs = r.samples.filter((s) => s.metric === 'http_reqs');
    assert.ok(reqs.length > 10, `expected many requests, got ${reqs.length}`);
    const tags = reqs[0].tags;
    assert.equal(tags.status, '200');
    assert.equal(tags.method, 'GET');
    assert.equal(tags.url, `${server.url}/json`);
    assert.equal(tags.name, `${server.url}/json`);
    assert.equal(tags.proto, 'HTTP/1.1');
    assert.equal(tags.scenario, 'default');
    assert.equal(tags.group, '');
    assert.equal(tags.expected_response, 'true');
    assert.equal(tags.team, 'perf');
    assert.equal(tags.kind, 'api');
    // One request = 9 samples in k6's order, one timestamp, one tag set.
    const first = r.samples.findIndex((s) => s.metric === 'http_reqs');
    assert.deepEqual(
      r.samples.slice(first, first + 9).map((s) => s.metric),
      [
        'http_reqs',
        'http_req_duration',
        'http_req_blocked',
        'http_req_connecting',
        'http_req_tls_handshaking',
        'http_req_sending',
        'http_req_waiting',
        'http_req_receiving',
        'http_req_failed',
      ],
    );
    assert.equal(new Set(r.samples.slice(first, first + 9).map((s) => s.time)).size, 1);
    const d = r.samples.slice(first, first + 9);
    assert.ok(
      Math.abs(d[1].value - (d[5].value + d[6].value + d[7].value)) < 1e-6,
      'duration = sending+waiting+receiving',
    );
    assert.ok(
      count(r.samples, 'http_req_connecting', (s) => s.value > 0) <= 2,
      'connect cost only on first request per VU',
    );
    assert.equal(count(r.samples, 'checks'), reqs.length * 2);
    const check = r.samples.find((s) => s.metric === 'checks')!;
    assert.equal(check.tags.check, 'status 200');
    const gd = r.samples.find((s) => s.metric === 'group_duration')!;
    assert.equal(gd.tags.group, '::inner');
    assert.equal(r.samples.find((s) => s.metric === 'hits')!.tags.group, '::inner');
    const vus = r.samples.filter((s) => s.metric === 'vus');
    assert.ok(vus.length >= 1);
    assert.equal(vus[0].tags.scenario, undefined);
    assert.ok(count(r.samples, 'iterations') >= reqs.length - 2);
    assert.ok(count(r.samples, 'data_received', (s) => s.value > 0) > 0, 'bytes on the wire counted');

    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const metricLine = lines.find((l) => l.type === 'Metric' && l.metric === 'http_req_duration');
    assert.deepEqual(metricLine.data.thresholds, ['p(95)<5000']);
    const point = lines.find((l) => l.type === 'Point' && l.metric === 'http_req_waiting');
    assert.equal(point.data.tags.status, '200');
    assert.equal(lines.filter((l) => l.type === 'Point' && l.metric === 'http_reqs').length, reqs.length);

    const summary = JSON.parse(readFileSync(exported, 'utf8'));
    assert.equal(summary.metrics.http_reqs.count, reqs.length);
    assert.equal(summary.root_group.checks['status 200'].passes, reqs.length);
    assert.equal(r.summary?.metrics.http_reqs.values.count, reqs.length);
    assert.ok(r.stdout.includes('http_reqs'), 'text summary on stdout');
  });

  test('each VU has its own module state, __VU/__ITER are per VU, setup data is a copy per VU', async () => {
    const script = files.write(
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
       }
       export function teardown(data) { seen.add(1, { teardown: String(data.list.length), vu: String(__VU) }); }`,
    );
    const r = await run({ script });
    assert.equal(r.exitCode, 0, r.stderr);
    const seen = r.samples.filter((s) => s.metric === 'seen' && !s.tags.teardown);
    assert.equal(seen.length, 12);
    for (const s of seen) {
      assert.equal(Number(s.tags.mine), Number(s.tags.iter) + 1, 'module state is per VU');
      assert.equal(Number(s.tags.len), Number(s.tags.iter) + 2, 'setup data copy is per VU');
    }
    assert.deepEqual(new Set(seen.map((s) => s.tags.vu)), new Set(['1', '2', '3']));
    const td = r.samples.find((s) => s.tags.teardown);
    assert.equal(td?.tags.teardown, '1', 'teardown gets the untouched setup data');
    assert.equal(td?.tags.vu, '0', '__VU is 0 in teardown');
    assert.equal(td?.tags.group, '::teardown');
    assert.deepEqual(r.summary?.setup_data, { list: [1] });
  });

  test('async VUs: __ITER is right in a module that names it, when the entry script does not', async () => {
    files.write('iter-helper.js', 'export function iterNow() { return __ITER; }\n');
    const script = files.write(
      'iter-entry.js',
      `import { Counter } from 'k6/metrics';
       import { sleep } from 'k6';
       import { iterNow } from './iter-helper.js';
       const seen = new Counter('seen');
       export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } } };
       export default async function () {
         await sleep(0.001);
         seen.add(1, { vu: String(__VU), iter: String(iterNow()), global: String(globalThis['__IT' + 'ER']) });
       }`,
    );
    const r = await run({ script });
    assert.equal(r.exitCode, 0, r.stderr);
    const seen = r.samples.filter((s) => s.metric === 'seen');
    for (const vu of ['1', '2']) {
      const mine = seen.filter((s) => s.tags.vu === vu);
      assert.deepEqual(
        mine.map((s) => s.tags.iter),
        ['0', '1', '2'],
        `VU ${vu}: __ITER read in the helper module`,
      );
      assert.deepEqual(
        mine.map((s) => s.tags.global),
        ['0', '1', '2'],
        `VU ${vu}: globalThis.__ITER in a module that does not name it`,
      );
    }
  });

  test('open() reads text and binary in init only; binary bodies go out byte for byte', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0, 128]);
    files.write('blob.bin', bytes);
    files.write('note.txt', 'a note');
    let received: Buffer | null = null;
    const echo = await startServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received = Buffer.concat(chunks);
        res.end(String(received.length));
      });
    });
    const script = files.write(
      'open.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       const bin = open('./blob.bin', 'b');
       const note = open('note.txt');
       export default async function () {
         const res = await http.post(__ENV.URL, bin, { headers: { 'Content-Type': 'application/octet-stream' } });
         check(res, { size: (r) => r.body === String(bin.byteLength), note: () => note === 'a note', binary: () => bin instanceof ArrayBuffer });
         let msg = '';
         try { open('./note.txt'); } catch (e) { msg = e.message; }
         check(msg, { 'open outside init fails': (m) => m.includes('init context') });
       }`,
    );
    const r = await run({ script, env: { URL: echo.url } });
    await echo.close();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(received, bytes);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      4,
      r.stderr,
    );
  });

  test('handleSummary output goes to stdout, stderr and files; summary export still written', async () => {
    const script = files.write(
      'summary.js',
      `export const options = { iterations: 2 };
       export default function () {}
       export function handleSummary(data) {
         return {
           stdout: 'STDOUT ' + data.metrics.iterations.values.count,
           stderr: 'STDERR',
           '${files.dir}/custom.json': JSON.stringify({ iters: data.metrics.iterations.values.count }),
         };
       }`,
    );
    const exported = `${files.dir}/export2.json`;
    const r = await run({ script, summaryExport: exported });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'STDOUT 2');
    assert.ok(r.stderr.includes('STDERR'));
    assert.deepEqual(JSON.parse(readFileSync(`${files.dir}/custom.json`, 'utf8')), { iters: 2 });
    assert.equal(JSON.parse(readFileSync(exported, 'utf8')).metrics.iterations.count, 2);
  });

  test('a handleSummary() that returns nothing gets the default text summary, without an error', async () => {
    // k6's summary wrapper (grafana/k6 internal/js/summary-wrapper.js): a falsy result is
    // replaced by the default text summary on stdout.
    const script = files.write(
      'summary-void.js',
      `export const options = { iterations: 2 };
       export default function () {}
       export function handleSummary(data) { console.log('seen ' + data.metrics.iterations.values.count); }`,
    );
    const r = await run({ script });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /seen 2/);
    assert.doesNotMatch(r.stderr, /level=error/);
    assert.match(r.stdout, /iterations\.+: 2 /);
  });

  test('a handleSummary() result k6 refuses writes nothing, export included: one error line, same exit code', async () => {
    // grafana/k6 getSummaryResult and GetReader: an object of strings or ArrayBuffers, else nothing.
    for (const [name, result, sentence] of [
      [
        'bad-value',
        `{ '${files.dir}/bad-a.txt': 'ok', '${files.dir}/bad-b.txt': 42 }`,
        /error handling summary object .*bad-b\.txt: invalid type int64, it needs to be a string or ArrayBuffer/,
      ],
      ['bad-string', `'hello'`, /handleSummary\(\) should return a map with string keys/],
    ] as const) {
      const script = files.write(
        `summary-${name}.js`,
        `export const options = { iterations: 1 };
         export default function () {}
         export function handleSummary() { return ${result}; }`,
      );
      const exported = `${files.dir}/export-${name}.json`;
      const r = await run({ script, summaryExport: exported });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stderr, sentence);
      assert.equal(existsSync(`${files.dir}/bad-a.txt`), false);
      assert.equal(existsSync(exported), false);
    }
  });

  test('a handleSummary() file that cannot be written does not stop the others nor the export', async () => {
    // k6's handleSummaryResult writes every file it can and reports the others in one error.
    mkdirSync(`${files.dir}/taken-dir`, { recursive: true });
    const script = files.write(
      'summary-partial.js',
      `export const options = { iterations: 1 };
       export default function () {}
       export function handleSummary() { return { '${files.dir}/taken-dir': 'x', '${files.dir}/written.txt': 'ok' }; }`,
    );
    const exported = `${files.dir}/export-partial.json`;
    const r = await run({ script, summaryExport: exported });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /taken-dir: it is a directory/);
    assert.equal(readFileSync(`${files.dir}/written.txt`, 'utf8'), 'ok');
    assert.equal(JSON.parse(readFileSync(exported, 'utf8')).metrics.iterations.count, 1);
  });

  test('k6/execution and timers', async () => {
    const script = files.write(
      'exec.js',
      `import exec from 'k6/execution';
       import { setTimeout as later } from 'k6/timers';
       import { Counter } from 'k6/metrics';
       const c = new Counter('cc');
       export const options = { scenarios: { named: { executor: 'shared-iterations', vus: 2, iterations: 4, tags: { st: 'x' }, env: { SC: 'yes' } } } };
       export default async function () {
         exec.vu.metrics.tags.custom = 'v' + exec.vu.idInTest;
         await new Promise((r) => later(r, 5));
         await new Promise((r) => setTimeout(r, 5));
         c.add(1, { name: exec.scenario.name, exe: exec.scenario.executor, sc: __ENV.SC, it: String(exec.scenario.iterationInTest) });
       }`,
    );
    const r = await run({ script });
    assert.equal(r.exitCode, 0, r.stderr);
    const cs = r.samples.filter((s) => s.metric === 'cc');
    assert.equal(cs.length, 4);
    for (const s of cs) {
      assert.equal(s.tags.name, 'named');
      assert.equal(s.tags.exe, 'shared-iterations');
      assert.equal(s.tags.sc, 'yes');
      assert.equal(s.tags.st, 'x');
      assert.match(s.tags.custom, /^v[12]$/);
    }
    assert.deepEqual(cs.map((s) => s.tags.it).sort(), ['0', '1', '2', '3']);
  });

  test('exec.test.options is shaped as k6 shapes it: shortcuts become scenarios, durations in Go form', async () => {
    assert.equal(goDuration(90_000), '1m30s');
    assert.equal(goDuration(600_000), '10m0s');
    assert.equal(goDuration(3_600_000), '1h0m0s');
    assert.equal(goDuration(1500), '1.5s');
    assert.equal(goDuration(500), '500ms');
    assert.equal(goDuration(0), '0s');
    const view = k6TestOptions(
      { stages: [{ duration: '90s', target: 3 }], vus: 2, tags: { a: 'b' } },
      deriveScenarios({ stages: [{ duration: '90s', target: 3 }], vus: 2 }),
    );
    assert.equal('stages' in view || 'vus' in view, false);
    assert.deepEqual((view.scenarios as Record<string, Record<string, unknown>>).default.stages, [
      { duration: '1m30s', target: 3 },
    ]);
    const script = files.write(
      'test-options.js',
      `import exec from 'k6/execution';
       import { Counter } from 'k6/metrics';
       const seen = new Counter('seen');
       export const options = { vus: 1, iterations: 1, tags: { team: 'x' } };
       export default function () {
         const o = exec.test.options;
         const d = o.scenarios.default;
         seen.add(1, { shape: [typeof o.vus, typeof o.iterations, d.executor, d.vus, d.iterations, d.maxDuration, o.tags.team].join(',') });
       }`,
    );
    for (const syncVus of [true, false]) {
      const r = await run({ script, syncVus });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(
        r.samples.find((x) => x.metric === 'seen')?.tags.shape,
        // k6 marshals a field the shortcut left at its default (maxDuration here) as null.
        'undefined,undefined,shared-iterations,1,1,,x',
        `syncVus ${syncVus}`,
      );
    }
  });

  test("the script's summaryTimeUnit reaches the text summary and handleSummary's data", async () => {
    const r = await run({
      script: files.write(
        'time-unit.js',
        `import { Trend } from 'k6/metrics';
         const t = new Trend('t_time', true);
         export const options = { iterations: 1, summaryTimeUnit: 's', summaryTrendStats: ['avg', 'max'] };
         export default function () { t.add(1500); t.add(20); }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.summary?.options.summaryTimeUnit, 's');
    assert.match(r.stdout, /t_time\.*: avg=0\.76s max=1\.50s/);
    // k6 takes isTime for a Counter too: its values are durations.
    const counted = await run({
      script: files.write(
        'time-counter.js',
        `import { Counter } from 'k6/metrics';
         const c = new Counter('c_time', true);
         export const options = { iterations: 1 };
         export default function () { c.add(250); c.add(1000); }`,
      ),
    });
    assert.equal(counted.summary?.metrics.c_time.contains, 'time');
    assert.match(counted.stdout, /c_time\.*: 1\.25s \S+\/s/);
  });

  test("a Date in setup()'s data reaches the VUs as Go's time text, as k6 marshals it, on both kinds of VU", async () => {
    const out = await runOnBothKinds(
      files,
      'setup-date',
      `import { Counter } from 'k6/metrics';
const seen = new Counter('seen');
export const options = { iterations: 1 };
export FN setup() {
  return { at: new Date(Date.UTC(2024, 0, 2, 10, 0, 0)), ms: new Date(Date.UTC(2024, 0, 2, 10, 0, 0, 120)), n: 1 };
}
export default FN (data) { seen.add(1, { at: String(data.at), ms: String(data.ms), n: String(data.n) }); }`,
      {},
    );
    // Go writes the machine's zone: Z in UTC, else its offset (the test machine's, here).
    const at = new Date(Date.UTC(2024, 0, 2, 10, 0, 0));
    const offset = -at.getTimezoneOffset();
    const zone =
      offset === 0
        ? 'Z'
        : `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
    const local = new Date(at.getTime() + offset * 60_000).toISOString().slice(0, 19);
    for (const [kind, r] of Object.entries(out)) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      const s = r.samples.find((x) => x.metric === 'seen');
      assert.deepEqual(
        { at: s?.tags.at, ms: s?.tags.ms, n: s?.tags.n },
        { at: `${local}${zone}`, ms: `${local}.12${zone}`, n: '1' },
        kind,
      );
    }
  });

  test('setup(), teardown() and handleSummary() each run on a fresh VU 0, as k6 runs them (init code again, no shared module state)', async () => {
    const script = files.write(
      'parts.js',
      `let counter = 0;
       console.log('init VU ' + __VU);
       export const options = { vus: 1, iterations: 2 };
       export function setup() { counter = 100; console.log('setup ' + counter); return { x: 1 }; }
       export default function () { counter++; console.log('iter ' + counter); }
       export function teardown(d) { console.log('teardown ' + counter + ' ' + d.x); }
       export function handleSummary() { console.log('summary ' + counter); return { stdout: '' }; }`,
    );
    for (const syncVus of [true, false]) {
      const r = await run({ script, syncVus });
      assert.equal(r.exitCode, 0, r.stderr);
      const lines = [...r.stderr.matchAll(/msg="([^"]*)" source=console/g)].map((m) => m[1]);
      // grafana/k6 internal/js/runner.go: runPart (setup, teardown) and HandleSummary each call newVU.
      assert.deepEqual(
        lines,
        [
          'init VU 0',
          'init VU 1',
          'init VU 0',
          'setup 100',
          'iter 1',
          'iter 2',
          'init VU 0',
          'teardown 0 1',
          'init VU 0',
          'summary 0',
        ],
        `syncVus ${syncVus}`,
      );
    }
  });

  test('reading exec.vu.tags gives the VU tags k6 gives (test, scenario, scenario name, group), on both kinds of VU', async () => {
    const script = files.write(
      'vu-tags.js',
      `import exec from 'k6/execution';
       import { group } from 'k6';
       import { Counter } from 'k6/metrics';
       const seen = new Counter('seen');
       export const options = { tags: { env: 'ci' }, scenarios: { api: { executor: 'per-vu-iterations', vus: 1, iterations: 1, tags: { kind: 'api' } } } };
       export default function () {
         exec.vu.tags.mine = 'x';
         const keys = Object.keys(exec.vu.tags).sort().map((k) => k + '=' + exec.vu.tags[k]).join(',');
         let inGroup = '';
         group('g1', () => { inGroup = exec.vu.metrics.tags.group + '/' + ('scenario' in exec.vu.tags); });
         seen.add(1, { keys, inGroup });
       }`,
    );
    for (const syncVus of [true, false]) {
      const r = await run({ script, syncVus });
      assert.equal(r.exitCode, 0, r.stderr);
      const s = r.samples.find((x) => x.metric === 'seen');
      assert.equal(s?.tags.keys, 'env=ci,group=,kind=api,mine=x,scenario=api', `syncVus ${syncVus}`);
      assert.equal(s?.tags.inGroup, '::g1/true', `syncVus ${syncVus}`);
    }
  });

  test("k6/execution in init code throws k6's sentences, as k6 has no VU state there; a named import still loads", async () => {
    const script = files.write(
      'exec-init.js',
      `import exec, { vu } from 'k6/execution';
       const tried = (f) => { try { return String(f()); } catch (e) { return 'threw: ' + e.message; } };
       const seen = [
         tried(() => exec.vu.idInTest),
         tried(() => vu.iterationInInstance),
         tried(() => exec.vu.metrics.metadata),
         tried(() => exec.instance.vusActive),
         tried(() => exec.test.options),
         tried(() => exec.scenario.name),
         tried(() => exec.test.fail()),
       ];
       if (__VU === 1) console.log('INIT ' + JSON.stringify(seen));
       export const options = { iterations: 1 };
       export default function () { console.log('ITER vu=' + exec.vu.idInTest + ' active=' + exec.instance.vusActive); }`,
    );
    for (const syncVus of [true, false]) {
      const r = await run({ script, syncVus });
      assert.equal(r.exitCode, 0, r.stderr);
      const init = /INIT (\[.*\])" source/.exec(r.stderr)?.[1]?.replace(/\\"/g, '"');
      assert.ok(init, r.stderr);
      const seen = JSON.parse(init) as string[];
      // grafana/k6 internal/js/modules/k6/execution/execution.go
      assert.deepEqual(
        seen.slice(0, 3),
        Array(3).fill('threw: getting VU information in the init context is not supported'),
      );
      assert.equal(seen[3], 'threw: getting instance information in the init context is not supported');
      assert.equal(seen[4], 'threw: getting test options in the init context is not supported');
      assert.match(
        seen[5],
        /^threw: getting scenario information outside of the VU context is not supported/,
      );
      assert.equal(seen[6], 'threw: execution.test.fail() called outside of VU context');
      assert.match(r.stderr, /ITER vu=1 active=1/, `syncVus ${syncVus}`);
    }
  });

  test('exec.vu.metrics.metadata rides on every sample of the VU while it is set, on both kinds of VU', async () => {
    const script = files.write(
      'metadata.js',
      `import http from 'k6/http';
       import { check, group } from 'k6';
       import exec from 'k6/execution';
       import { Counter } from 'k6/metrics';
       const c = new Counter('cc');
       export const options = { iterations: 1 };
       export default function () {
         c.add(1, { when: 'before' });
         exec.vu.metrics.metadata.trace_id = 'abc';
         group('g', () => {
           const res = http.get('${server.url}/');
           check(res, { ok: (r) => r.status === 200 });
         });
         c.add(1, { when: 'during' });
         exec.vu.metrics.metadata.trace_id = 'def';
         c.add(1, { when: 'changed' });
         delete exec.vu.metrics.metadata.trace_id;
         c.add(1, { when: 'after' });
         exec.vu.metrics.metadata.span = 'last';
       }`,
    );
    for (const syncVus of [true, false]) {
      const source = syncVus
        ? readFileSync(script, 'utf8')
        : readFileSync(script, 'utf8')
            .replace('export default function', 'export default async function')
            .replace('http.get(', 'await http.get(')
            .replace("group('g', () => {", '{')
            .replace('  });\n         c.add', '  }\n         c.add');
      const r = await run({ script: files.write(`metadata-${syncVus}.js`, source), syncVus });
      assert.equal(r.exitCode, 0, r.stderr);
      const of = (metric: string, when?: string) =>
        r.samples.find((s) => s.metric === metric && (when === undefined || s.tags.when === when))?.metadata;
      const kind = `syncVus ${syncVus}`;
      assert.equal(of('cc', 'before'), undefined, kind);
      assert.deepEqual(of('http_req_duration'), { trace_id: 'abc' }, kind);
      assert.deepEqual(of('http_reqs'), { trace_id: 'abc' }, kind);
      assert.deepEqual(of('checks'), { trace_id: 'abc' }, kind);
      assert.deepEqual(of('cc', 'during'), { trace_id: 'abc' }, kind);
      assert.deepEqual(of('cc', 'changed'), { trace_id: 'def' }, kind);
      assert.equal(of('cc', 'after'), undefined, kind);
      // The end of the iteration carries what the metadata held then.
      assert.deepEqual(of('iterations'), { span: 'last' }, kind);
      assert.deepEqual(of('data_received'), { span: 'last' }, kind);
    }
  });

  test('the vus gauge ends at the VU count for constant-vus; console.debug only with verbose', async () => {
    const script = files.write(
      'gauge.js',
      `export const options = { vus: 3, duration: '1500ms' };
       export default async function () { console.debug('debug line'); await new Promise((r) => setTimeout(r, 100)); }`,
    );
    const quiet = await run({ script });
    assert.equal(quiet.exitCode, 0, quiet.stderr);
    const vus = quiet.samples.filter((s) => s.metric === 'vus');
    assert.ok(vus.length > 0);
    assert.equal(vus[vus.length - 1].value, 3);
    assert.equal(quiet.summary?.metrics.vus.values.value, 3);
    assert.doesNotMatch(quiet.stderr, /debug line/);
    const verbose = await run({ script, verbose: true, duration: '1s' });
    assert.match(verbose.stderr, /level=debug msg="debug line" source=console/);
  });

  test('vus and vus_max come from a 1 s ticker started with the VUs, as k6: setup() counts 0 active VUs', async () => {
    // grafana/k6 internal/execution/scheduler.go, emitVUsAndVUsMax: nothing at once, then every
    // second from the VUs' initialisation until after teardown(). A setup() of 1.5 s holds the
    // first tick, whatever the machine's speed.
    const script = files.write(
      'vus-ticker.js',
      `import { sleep } from 'k6';
       export const options = { vus: 2, iterations: 2 };
       export async function setup() { await sleep(1.5); }
       export default async function () {}`,
    );
    const r = await run({ script });
    assert.equal(r.exitCode, 0, r.stderr);
    const vus = r.samples.filter((s) => s.metric === 'vus');
    assert.ok(vus.length > 0, r.stderr);
    assert.equal(vus[0].value, 0);
    assert.equal(r.summary?.metrics.vus.values.min, 0);
    assert.equal(r.summary?.metrics.vus_max.values.value, 2);
  });

  test("an iteration ends when the timers it started have fired, as k6's event loop does", async () => {
    const globals = files.write(
      'timers-global.js',
      `export const options = { iterations: 2, vus: 1 };
       export default function () {
         let n = 0;
         const id = setInterval(() => { console.log('tick ' + __ITER); if (++n === 3) clearInterval(id); }, 10);
         setTimeout(() => console.log('late ' + __ITER), 30);
         const never = setTimeout(() => console.log('cleared'), 10);
         clearTimeout(never);
       }`,
    );
    const imported = files.write(
      'timers-module.js',
      `import { setTimeout } from 'k6/timers';
       export const options = { iterations: 2, vus: 1 };
       export default function () { setTimeout(() => console.log('late ' + __ITER), 30); }`,
    );
    const a = await run({ script: globals });
    assert.equal(a.exitCode, 0, a.stderr);
    assert.equal(a.stderr.match(/msg="tick 0"/g)?.length, 3, a.stderr);
    assert.equal(a.stderr.match(/msg="tick 1"/g)?.length, 3, a.stderr);
    assert.match(a.stderr, /late 0.*late 1/s);
    assert.doesNotMatch(a.stderr, /cleared/);
    for (const d of a.samples.filter((s) => s.metric === 'iteration_duration'))
      assert.ok(d.value >= 29, `${d.value}`);
    const b = await run({ script: imported });
    assert.equal(b.exitCode, 0, b.stderr);
    assert.match(b.stderr, /late 0.*late 1/s);
  });

  test('an interval never cleared is interrupted at the end of the test', async () => {
    const script = files.write(
      'timers-forever.js',
      `export const options = { scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '200ms' } } };
       export default function () { setInterval(() => {}, 10); }`,
    );
    const r = await run({ script });
    assert.equal(r.exitCode, 0, r.stderr);
    // The engine's clock from the start of the load: 1 s and the 200 ms gracefulStop, not forever.
    assert.ok((r.summary?.state.testRunDurationMs ?? Number.NaN) < 5000);
    assert.equal(r.summary?.metrics.iterations, undefined);
  });

  test('a .js script next to a .ts of the same name runs itself, as k6 resolves it', async () => {
    files.write('twin.ts', 'export default async function () { throw new Error("the .ts ran"); }\n');
    files.write('twin-lib.ts', 'export const who: string = "ts";\n');
    files.write('twin-lib.js', 'export const who = "js";\n');
    const script = files.write(
      'twin.js',
      `import { who } from './twin-lib.js';
       import { Counter } from 'k6/metrics';
       const c = new Counter('who_' + who);
       export default async function () { c.add(1); }`,
    );
    const r = await run({ script });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(count(r.samples, 'who_js'), 1, r.stderr);
  });
});
