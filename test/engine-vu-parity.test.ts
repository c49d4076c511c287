// test-tier: unit
// Differential checks: one script, run once on synchronous VUs (plain exported functions) and once
// on async VUs (the same functions made async), gives the same log lines, samples and exit code,
// as k6 gives both styles the same results.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import {
  type Captured,
  count,
  run,
  runOnBothKinds,
  startServer,
  tempDir,
  VU_KINDS,
} from './engine-fixtures.ts';

const BIN = new URL('../engine/bin.mjs', import.meta.url).pathname;
const files = tempDir();
after(() => files.cleanup());

const KINDS = VU_KINDS;

/** `source` on both kinds of VU (see runOnBothKinds), by default with 1 VU and 1 iteration (`{}`: the script's own options). */
const bothKinds = (
  name: string,
  source: string,
  opts: { vus?: number; iterations?: number; env?: Record<string, string> } = { vus: 1, iterations: 1 },
): Promise<Record<string, Captured>> => runOnBothKinds(files, name, source, opts);

/** The run (`kind`) ended with exit 0 and its log has the console line `JSON.stringify(value)`. */
function assertLogged(k: Captured, kind: string, value: unknown): void {
  assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
  assert.ok(k.stderr.includes(`msg=${JSON.stringify(JSON.stringify(value))}`), `${kind}: ${k.stderr}`);
}

/** The lines an exception left in the log, with the script's file name made the same for both kinds. */
const stacktraces = (r: Captured, name: string): string[] =>
  r.stderr
    .split('\n')
    .filter((l) => /source=stacktrace|failed: /.test(l))
    .map((l) =>
      l
        .replace(/^time="[^"]*" /, '')
        .replace(new RegExp(`${name}-(synchronous|async)\\.js`, 'g'), `${name}.js`),
    );

describe('engine: the same script gives the same results on both kinds of VU', () => {
  test("an exception's line names the script's frame as k6 does, the same on both kinds (a check named with spaces, setup())", async () => {
    const r = await bothKinds(
      'frames',
      `import { check } from 'k6';
export FN setup() {
  if (__ENV.NEVER) return null;
  return { n: 1 };
}
export default FN (data) {
  check(data, {
    'throws uncaught': () => { throw new Error('boom in check'); },
  });
}`,
    );
    const lines = Object.fromEntries(KINDS.map(({ kind }) => [kind, stacktraces(r[kind], 'frames')]));
    for (const { kind } of KINDS) {
      assert.equal(r[kind].exitCode, 0, `${kind}: ${r[kind].stderr}`);
      assert.equal(lines[kind].length, 1, `${kind}: ${r[kind].stderr}`);
      // k6 prints the check's function by its name and the script as a file: URL.
      assert.match(
        lines[kind][0],
        /msg="Error: boom in check\\n\\tat throws uncaught \(file:\/\/\/[^)]*\/frames\.js:8:38\)\\n\\tat default \(file:\/\/\/[^)]*\/frames\.js:7:3\)\\n"/,
        kind,
      );
    }
    assert.deepEqual(lines.synchronous, lines.async);
  });

  test('a script whose file name has runs of dashes and underscores: its default function is still "default" on both kinds', async () => {
    const r = await bothKinds('my--docs__frames', `export default FN () { throw new Error('plain'); }`);
    const lines = Object.fromEntries(
      KINDS.map(({ kind }) => [kind, stacktraces(r[kind], 'my--docs__frames')]),
    );
    for (const { kind } of KINDS) {
      assert.equal(lines[kind].length, 1, `${kind}: ${r[kind].stderr}`);
      assert.match(
        lines[kind][0],
        /msg="Error: plain\\n\\tat default \(file:\/\/\/[^)]*\/my--docs__frames\.js:1:\d+\)\\n"/,
        kind,
      );
    }
  });

  test("a rejection from an engine module (k6/secrets) names only the script's frames, as k6 (the built engine)", () => {
    const script = files.write(
      'secret-frames.js',
      `import secrets from 'k6/secrets';
export const options = { iterations: 1 };
export default async () => {
  await secrets.get('x');
};`,
    );
    // The command runs the built engine, whose k6 modules the async VUs load with a ?__run= query.
    const r = spawnSync(process.execPath, [BIN, 'run', '-q', '--summary-mode=disabled', script], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /msg="GoError: no secret sources are configured\\n\\tat default \(file:\/\/\/[^)]*\/secret-frames\.js:4:\d+\)\\n"/,
    );
  });

  test("check and group names with '::', a group named by a number, fail() without a message: as k6's k6 module", async () => {
    const r = await bothKinds(
      'k6-names',
      `import { check, group, fail } from 'k6';
export default FN () {
  const out = [];
  try { check(1, { ok: true, 'a::b': true }); } catch (e) { out.push(e.message); }
  try { group('x::y', () => 1); } catch (e) { out.push(e.message); }
  try { group('z', 5); } catch (e) { out.push(e.message); }
  out.push(group(7, () => 'seven'));
  try { fail(); } catch (e) { out.push('[' + e.message + ']'); }
  try { fail(undefined); } catch (e) { out.push('[' + e.message + ']'); }
  try { check(1); } catch (e) { out.push(e.message); }
  console.log(JSON.stringify(out));
}`,
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assertLogged(k, kind, [
        "group and check names may not contain '::'",
        "group and check names may not contain '::'",
        'group() requires a callback as a second argument',
        'seven',
        '[]',
        '[]',
        'no checks provided to `check`',
      ]);
      // The check before the bad name was recorded; a group named 7 is the group ::7.
      assert.equal(count(k.samples, 'checks'), 1, kind);
      assert.equal(
        count(k.samples, 'group_duration', (s) => s.tags.group === '::7'),
        1,
        kind,
      );
    }
  });

  test('a check or metric tag that is not a string, a number or a boolean is an error, as k6 (js/common/tags.go)', async () => {
    const r = await bothKinds(
      'tag-types',
      `import { check } from 'k6';
import { Counter } from 'k6/metrics';
const c = new Counter('tagged');
export default FN () {
  const out = [];
  try { check(1, { ok: true }, { t: {} }); } catch (e) { out.push(e.message); }
  try { c.add(1, { t: null }); } catch (e) { out.push(e.message); }
  out.push(String(c.add(2, { n: 1, b: false, s: 'x' })));
  console.log(JSON.stringify(out));
}`,
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      const tagError = (t: string) =>
        `invalid value for metric tag '${t}': only String, Boolean and Number types are accepted as a metric tag values`;
      assertLogged(k, kind, [
        tagError('t'),
        `cannot add tags for the 'tagged' custom metric: ${tagError('t')}`,
        'true',
      ]);
      assert.equal(count(k.samples, 'checks'), 0, kind);
      assert.deepEqual(
        k.samples.filter((s) => s.metric === 'tagged').map((s) => [s.value, s.tags.n, s.tags.b, s.tags.s]),
        [[2, '1', 'false', 'x']],
        kind,
      );
    }
  });

  test('exec.vu.tags and exec.vu.metrics.metadata take strings, numbers and booleans as strings, as k6; anything else is a TypeError', async () => {
    const r = await bothKinds(
      'exec-tags',
      `import exec from 'k6/execution';
export default FN () {
  const out = [];
  try { exec.vu.tags.obj = {}; } catch (e) { out.push(e.name + ': ' + e.message); }
  try { exec.vu.metrics.metadata.m = null; } catch (e) { out.push(e.name + ': ' + e.message); }
  exec.vu.tags.num = 5;
  exec.vu.metrics.metadata.trace = true;
  out.push(exec.vu.tags.num, 'obj' in exec.vu.tags, exec.vu.metrics.metadata.trace);
  console.log(JSON.stringify(out));
}`,
    );
    for (const { kind } of KINDS) {
      assertLogged(r[kind], kind, [
        "TypeError: invalid value for metric tag 'obj': only String, Boolean and Number types are accepted as a metric tag values",
        "TypeError: invalid value for metric metadata 'm': only String, Boolean and Number types are accepted as a metric metadata value",
        '5',
        false,
        'true',
      ]);
    }
  });

  test('console.log of a cookie jar and of a custom metric shows what k6 shows, the same on both kinds', async () => {
    const r = await bothKinds(
      'logged-objects',
      `import http from 'k6/http';
import { Counter } from 'k6/metrics';
const c = new Counter('logged');
export default FN () {
  http.cookieJar().set('http://127.0.0.1/', 'a', 'b');
  console.log(http.cookieJar());
  console.log(c);
  console.log(JSON.stringify(c));
}`,
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      const logged = [...k.stderr.matchAll(/level=info msg="(.*)" source=console/g)].map((m) => m[1]);
      assert.deepEqual(
        logged,
        ['{}', String.raw`{ name: \"logged\", add: [object Function] }`, String.raw`{\"name\":\"logged\"}`],
        kind,
      );
    }
  });

  test("k6/timers return k6's numeric ids, either clear function takes them, and a callback that is not a function throws at the call", async () => {
    const r = await bothKinds(
      'timer-ids',
      `import { setTimeout, clearTimeout, setInterval, clearInterval } from 'k6/timers';
export default FN () {
  const out = [];
  const a = setTimeout(() => out.push('never'), 5);
  const b = setInterval(() => out.push('never'), 5);
  out.push(a, b);
  clearInterval(a);
  clearTimeout(b);
  try { setTimeout(undefined, 1); } catch (e) { out.push(e.message); }
  setTimeout(() => console.log(JSON.stringify(out)), 20);
}`,
    );
    for (const { kind } of KINDS) {
      assertLogged(r[kind], kind, [1, 2, "setTimeout's callback isn't a callable function"]);
    }
  });

  test("the global timers are k6/timers' own functions, on globalThis and k6's `global` too, in init code and iterations (as k6's timers module reads them from the global object)", async () => {
    const r = await bothKinds(
      'global-timers',
      `import timers, { setTimeout as later, clearInterval as stopEvery } from 'k6/timers';
const same = () => [
  globalThis.setTimeout === later,
  setTimeout === later,
  global.setTimeout === later,
  globalThis.clearTimeout === timers.clearTimeout,
  clearTimeout === timers.clearTimeout,
  globalThis.setInterval === timers.setInterval,
  globalThis.clearInterval === stopEvery,
  'setTimeout' in globalThis,
  globalThis.__VU === __VU,
  globalThis.__ENV === __ENV,
  globalThis.console === console,
];
const atInit = same();
export default FN () {
  console.log(JSON.stringify({ atInit, inIteration: same() }));
}`,
    );
    const all = Array(11).fill(true);
    for (const { kind } of KINDS) {
      assertLogged(r[kind], kind, { atInit: all, inIteration: all });
    }
  });

  test('replacing a global timer on async VUs (one global object for many VUs) is refused with a sentence, not half done', async () => {
    const r = await run({
      script: files.write(
        'replace-timer.js',
        `export const options = { iterations: 1 };
export default async function () { globalThis.setTimeout = () => 0; }`,
      ),
    });
    assert.match(
      r.stderr,
      /replacing globalThis\.setTimeout is not supported by the node engine; run this script with the k6 binary/,
    );
  });

  test("setup() that throws is reported with the same frame on both kinds, without V8's receiver name", async () => {
    const r = await bothKinds(
      'setup-throws',
      `export FN setup() {
  throw new Error('setup failed');
}
export default FN () {}`,
    );
    const lines = Object.fromEntries(KINDS.map(({ kind }) => [kind, stacktraces(r[kind], 'setup-throws')]));
    for (const { kind } of KINDS) {
      assert.equal(r[kind].exitCode, 107, `${kind}: ${r[kind].stderr}`);
      assert.match(
        lines[kind].join('\n'),
        /setup\(\) failed: setup failed at setup \(file:\/\/\/[^)]*\/setup-throws\.js:2:9\)/,
        kind,
      );
    }
    assert.deepEqual(lines.synchronous, lines.async);
  });

  test("a request error thrown by throw: true names the script's line on synchronous VUs, not the engine's bundle", async () => {
    const script = files.write(
      'throw-option.js',
      `import http from 'k6/http';
export const options = { throw: true };
export default function () {
  http.get('http://127.0.0.1:1/nothing');
}`,
    );
    // Through the command line: it runs the engine's build, whose synchronous VUs load the engine's
    // bundled chunks before the script's source maps are switched on.
    const r = spawnSync(process.execPath, [BIN, 'run', '-q', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /msg="GoError: Get \\"http:\/\/127\.0\.0\.1:1\/nothing\\": dial tcp 127\.0\.0\.1:1: connect: connection refused\\n\\tat default \(file:\/\/\/[^)]*\/throw-option\.js:4:8\)\\n"/,
    );
    assert.doesNotMatch(r.stderr, /connect-perf-sync-|chunk-/);
  });
});

describe('engine: sleep() as k6 sleeps, on both kinds of VU', () => {
  test("sleep() without a number (undefined, 'abc', NaN), of Infinity and of a negative time returns at once, as k6's", async () => {
    // The scenario's maxDuration only bounds the test if sleep() blocked for ever: the iterations
    // would then be interrupted and not counted.
    const r = await bothKinds(
      'sleep-nan',
      `import { sleep } from 'k6';
export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: 2, maxDuration: '30s' } } };
export default FN () {
  AWAIT sleep();
  AWAIT sleep('abc');
  AWAIT sleep(Number.NaN);
  AWAIT sleep(Infinity);
  AWAIT sleep(-1);
  console.log('slept');
}`,
      {},
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      assert.equal(count(k.samples, 'iterations'), 2, `${kind}: ${k.stderr}`);
      assert.equal(k.stderr.match(/msg="slept"/g)?.length, 2, `${kind}: ${k.stderr}`);
    }
  });
});

describe('engine: __ENV as k6 gives it, on both kinds of VU', () => {
  test("each VU has its own __ENV: what one VU writes is not seen by the others, and the scenario starts from the test's env, as in k6", async () => {
    const r = await bothKinds(
      'env-per-vu',
      `import { sleep } from 'k6';
export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 2, iterations: 4 } } };
__ENV.INIT_VU = String(__VU);
export default FN () {
  if (__ENV.FIRST === undefined) __ENV.FIRST = String(__VU);
  __ENV.LAST = String(__VU);
  AWAIT sleep(0.05);
  console.log(\`vu=\${__VU} init=\${__ENV.INIT_VU} first=\${__ENV.FIRST} last=\${__ENV.LAST} given=\${__ENV.GIVEN}\`);
}`,
      { env: { GIVEN: 'g' } },
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      const lines = [...k.stderr.matchAll(/msg="(vu=[^"]*)"/g)].map((m) => m[1]);
      assert.equal(lines.length, 4, `${kind}: ${k.stderr}`);
      // k6 activates each VU for its scenario with a new map of the test's env and the scenario's
      // (grafana/k6 internal/js/runner.go, VU.Activate): what init code wrote is gone then.
      assert.deepEqual(
        lines.filter((l) => !/^vu=(\d) init=undefined first=\1 last=\1 given=g$/.test(l)),
        [],
        kind,
      );
    }
  });
});

describe('engine: request arguments on both kinds of VU', () => {
  test('a Date in a form body is read as on async VUs (a synchronous VU does not refuse it); in a tag it fails the request, as in k6', async () => {
    const server = await startServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => res.end(body));
    });
    try {
      const r = await bothKinds(
        'date-args',
        `import http from 'k6/http';
const when = new Date(0);
export default FN () {
  const res = AWAIT http.post('${server.url}/', { at: when, n: 1 }, { tags: { n: 1 } });
  console.log(\`body=\${res.body}\`);
  const tagged = AWAIT http.get('${server.url}/', { tags: { when } });
  console.log(\`tagged=\${tagged.status} \${tagged.error_code}\`);
}`,
      );
      const seen = Object.fromEntries(
        KINDS.map(({ kind }) => {
          const k = r[kind];
          assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
          // A Date's value is a Go time.Time to k6, not a tag value (grafana/k6 js/common/tags.go).
          assert.match(
            k.stderr,
            /msg="Request Failed" error="invalid HTTP request metric tags: invalid value for metric tag 'when': only String, Boolean and Number types are accepted as a metric tag values"/,
            kind,
          );
          assert.equal(count(k.samples, 'http_reqs'), 1, kind);
          return [
            kind,
            {
              body: /msg="body=([^"]*)"/.exec(k.stderr)?.[1],
              tagged: /msg="tagged=([^"]*)"/.exec(k.stderr)?.[1],
            },
          ];
        }),
      );
      assert.equal(seen.async.tagged, '0 0');
      assert.ok(seen.async.body?.includes('at='), seen.async.body);
      assert.deepEqual(seen.synchronous, seen.async);
    } finally {
      await server.close();
    }
  });
});

describe('engine: an iteration ends when its promise jobs have run, on both kinds of VU', () => {
  test('a .then() and an async helper called without await run in their own iteration, with its __ITER and exec numbers (as k6 empties the event loop)', async () => {
    const r = await bothKinds(
      'microtasks',
      `import { check } from 'k6';
import exec from 'k6/execution';
async function helper(i) {
  await null;
  await null;
  check(i, { 'same iteration': (v) => v === exec.vu.iterationInScenario });
  console.log(\`helper \${i} \${__ITER}\`);
}
export default FN () {
  Promise.resolve().then(() => console.log(\`then \${__ITER}\`));
  helper(__ITER);
  console.log(\`body \${__ITER}\`);
}`,
      { vus: 1, iterations: 3 },
    );
    const expected = [0, 1, 2].flatMap((i) => [`body ${i}`, `then ${i}`, `helper ${i} ${i}`]);
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      assert.deepEqual(
        [...k.stderr.matchAll(/msg="((?:body|then|helper) [^"]*)"/g)].map((m) => m[1]),
        expected,
        kind,
      );
      assert.equal(
        count(k.samples, 'checks', (s) => s.value === 1),
        3,
        kind,
      );
    }
  });

  // On async VUs Node reports it at the next macrotask turn (here the sleep's timer).
  test('an unhandled rejection is reported within its own iteration on both kinds', async () => {
    const r = await bothKinds(
      'rejection',
      `import { sleep } from 'k6';
export default FN () {
  if (__ITER === 0) Promise.reject(new Error('not handled'));
  AWAIT sleep(0.01);
  console.log(\`end \${__ITER}\`);
}`,
      { vus: 1, iterations: 2 },
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      const lines = [...k.stderr.matchAll(/msg="(end \d|Uncaught \(in promise\) not handled)/g)].map(
        (m) => m[1],
      );
      // Before the next iteration starts (k6 reports it when the iteration's event loop ends).
      assert.deepEqual(
        lines.filter((l) => l !== 'end 0'),
        ['Uncaught (in promise) not handled', 'end 1'],
        kind,
      );
    }
  });
});

describe('engine: timers on both kinds of VU', () => {
  test('an async timer callback that awaits a request ends within its iteration (k6 runs it before the iteration ends)', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    try {
      const r = await bothKinds(
        'timer-request',
        `import http from 'k6/http';
import { check } from 'k6';
export default FN () {
  setTimeout(async () => {
    const res = await http.get('${server.url}/');
    check(res, { 'from the timer': (x) => x.status === 200 });
    console.log(\`timer \${__ITER}\`);
  }, 5);
}`,
        { vus: 1, iterations: 2 },
      );
      for (const { kind } of KINDS) {
        const k = r[kind];
        assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
        assert.equal(count(k.samples, 'iterations'), 2, kind);
        assert.equal(
          count(k.samples, 'checks', (s) => s.value === 1),
          2,
          kind,
        );
        assert.deepEqual(
          [...k.stderr.matchAll(/msg="(timer \d)"/g)].map((m) => m[1]),
          ['timer 0', 'timer 1'],
          kind,
        );
      }
    } finally {
      await server.close();
    }
  });
});
