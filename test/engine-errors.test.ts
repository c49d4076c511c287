// test-tier: unit
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { cachedPath } from '../engine/loader/remote.ts';
import { count, run, runOnBothKinds, startServer, tempDir, VU_KINDS } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

describe('engine: bad scripts and exit codes like k6', () => {
  test('syntax error → 107 with the location', async () => {
    const r = await run({
      script: files.write('syntax.js', 'export default function () {\n  let x = ;\n}\n'),
    });
    assert.equal(r.exitCode, 107);
    assert.match(r.stderr, /syntax error/i);
    assert.match(r.stderr, /syntax\.js:2:11\)/);
    assert.equal(r.summary, null);
  });

  test('a syntax error in an imported module names that module, its line and column', async () => {
    files.write('broken-lib.js', 'export const ok = 1;\nexport function f() {\n  return (1 + ;\n}\n');
    const r = await run({
      script: files.write(
        'imports-broken.js',
        "import { ok } from './broken-lib.js';\nexport default function () {}\n",
      ),
    });
    assert.equal(r.exitCode, 107);
    assert.match(r.stderr, /has a syntax error.*broken-lib\.js:3:15\)/);
  });

  test('a SyntaxError thrown by init code (JSON.parse of a missing variable) is an init exception, not a syntax error', async () => {
    const r = await run({
      script: files.write(
        'json-env.js',
        'const cfg = JSON.parse(__ENV.NOT_SET_HERE);\nexport default function () { return cfg; }\n',
      ),
    });
    assert.equal(r.exitCode, 107);
    assert.match(
      r.stderr,
      /exception in its init code \(top level\): SyntaxError: .* at file:\/\/\S*json-env\.js:1:18/,
    );
    assert.doesNotMatch(r.stderr, /has a syntax error/);
  });

  test("an exception's column on the first line is the script's own (the engine's bindings add nothing in front)", async () => {
    const r = await run({
      script: files.write(
        'first-line.js',
        "export const options = { iterations: 1 }; export default function () { throw new Error('on line one'); }\n",
      ),
    });
    assert.equal(r.exitCode, 0);
    assert.match(r.stderr, /on line one\\n\\tat default \(file:\/\/\S*first-line\.js:1:78\)/);
  });

  test("an anonymous default function's frame is named default on both kinds of VU, as in k6", async () => {
    const out = await runOnBothKinds(
      files,
      'my-load-test',
      `export const options = { iterations: 1 };\nexport default FN () {\n  throw new Error('named?');\n}\n`,
      {},
    );
    for (const [kind, r] of Object.entries(out)) {
      assert.match(
        r.stderr,
        /named\?\\n\\tat default \(file:\/\/\S*my-load-test-\w+\.js:3:9\)/,
        `${kind}: ${r.stderr}`,
      );
    }
  });

  test("a timer callback's exception ends its iteration as k6's event loop does, on both kinds of VU", async () => {
    const out = await runOnBothKinds(
      files,
      'timer-throws',
      `import { Counter } from 'k6/metrics';
const fired = new Counter('fired');
export const options = { iterations: 2 };
export default FN () {
  setTimeout(() => {
    throw new Error('thrown by a timer');
  }, 10);
  setTimeout(() => fired.add(1), 300);
}
`,
      {},
    );
    for (const [kind, r] of Object.entries(out)) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      // Logged as an exception of the iteration, with its frame and k6's fields.
      const lines = r.stderr.split('\n').filter((l) => l.includes('thrown by a timer'));
      assert.equal(lines.length, 2, `${kind}: ${r.stderr}`);
      assert.match(
        lines[0],
        /msg="Error: thrown by a timer\\n\\tat \S*timer-throws-\w+\.js:6:11\)?\\n" .*hint="script exception"/,
        kind,
      );
      // The iteration is counted, and its other timer never fires (no warning either).
      assert.equal(count(r.samples, 'iterations'), 2, kind);
      assert.equal(count(r.samples, 'fired'), 0, kind);
      assert.doesNotMatch(r.stderr, /was stopped because/, kind);
    }
  });

  test('exception in init code → 107', async () => {
    const r = await run({
      script: files.write('init.js', "throw new Error('broken init');\nexport default function () {}"),
    });
    assert.equal(r.exitCode, 107);
    assert.match(r.stderr, /init code.*broken init/);
  });

  test('exception in an iteration is logged as k6 logs it, and counted as an iteration (as k6); the test goes on', async () => {
    const r = await run({
      script: files.write(
        'iter.js',
        `export const options = { iterations: 6, vus: 1 };
         export default function () { if (__ITER % 2 === 0) throw new Error('odd one ' + __ITER); }`,
      ),
    });
    assert.equal(r.exitCode, 0);
    assert.equal(count(r.samples, 'iterations'), 6);
    // The exception's value and its script frames, one per line, then the executor's logger fields
    // and a script exception's hint (grafana/k6 errext/format.go, internal/js/runner.go).
    assert.match(
      r.stderr,
      /level=error msg="Error: odd one 0\\n\\tat default \(file:\/\/\/[^"]*iter\.js:2:\d+\)\\n" executor=shared-iterations hint="script exception" scenario=default source=stacktrace\n/,
    );
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
        `export const options = { duration: '1s', stages: [{ duration: '1s', target: 1 }] };\nexport default function () {}`,
      ),
    });
    assert.equal(mixed.exitCode, 104);
    // grafana/k6 lib/executor/execution_config_shortcuts.go
    assert.match(mixed.stderr, /using `duration` and `stages` options simultaneously is not allowed/);
    // iterations with duration is k6's shared-iterations with that maxDuration, not a conflict.
    const capped = await run({
      script: files.write(
        'capped.js',
        `export const options = { duration: '1s', iterations: 3 };\nexport default function () {}`,
      ),
    });
    assert.equal(capped.exitCode, 0, capped.stderr);
    assert.equal(capped.summary?.metrics.iterations.values.count, 3);
    const badExecutor = await run({
      script: files.write(
        'exe.js',
        `export const options = { scenarios: { s: { executor: 'warp' } } };\nexport default function () {}`,
      ),
    });
    assert.equal(badExecutor.exitCode, 104);
    const noExecutor = await run({
      script: files.write(
        'noexe.js',
        `export const options = { scenarios: { s: { vus: 1, iterations: 1 } } };\nexport default function () {}`,
      ),
    });
    assert.equal(noExecutor.exitCode, 104);
    assert.match(noExecutor.stderr, /scenario 's' doesn't have a specified executor type/);
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

  test('exec.test.abort() in shared-iterations: exit 108 and no dropped_iterations for the iterations left, as k6', async () => {
    const r = await run({
      script: files.write(
        'abort-left.js',
        `import exec from 'k6/execution';
         export const options = { iterations: 10 };
         export default function () { if (exec.scenario.iterationInTest === 2) exec.test.abort('stop now'); }`,
      ),
    });
    assert.equal(r.exitCode, 108, r.stderr);
    assert.equal(count(r.samples, 'dropped_iterations'), 0);
    assert.equal(count(r.samples, 'iterations'), 2);
  });

  test("a request from init code throws k6's sentence (exit 107 when uncaught), on both kinds of VU", async () => {
    for (const kind of ['async ', ''] as const) {
      const r = await run({
        script: files.write(
          `init-request-${kind ? 'async' : 'plain'}.js`,
          `import http from 'k6/http';
           let caught = '';
           try { http.get('http://127.0.0.1:9/'); } catch (e) { caught = e.message; }
           console.log('caught: ' + caught);
           http.batch([['GET', 'http://127.0.0.1:9/']]);
           export default ${kind}function () {}`,
        ),
      });
      assert.equal(r.exitCode, 107, r.stderr);
      // grafana/k6 js/modules/k6/http/request.go, ErrHTTPForbiddenInInitContext.
      assert.match(r.stderr, /caught: Making http requests in the init context is not supported/);
      // The uncaught one is http.batch's: 'Using batch …' (ErrBatchForbiddenInInitContext).
      assert.match(r.stderr, /init code \(top level\): Using batch in the init context is not supported/);
    }
  });

  test("an iteration's exception is a stacktrace line of the log, not a console line (--console-output keeps only console lines)", async () => {
    const consoleFile = `${files.dir}/console.log`;
    const r = await run({
      script: files.write(
        'iter-throw.js',
        `import { fail } from 'k6';
         export const options = { iterations: 2 };
         export default function () { console.log('iteration ' + __ITER); if (__ITER === 1) fail('bad thing'); }`,
      ),
      consoleOutput: consoleFile,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    // grafana/k6 errext/format.go: an exception is logged with source=stacktrace.
    assert.match(r.stderr, /level=error msg="GoError: bad thing[^\n]*" [^\n]*source=stacktrace/);
    // fail() throws a GoError (a Go function's error in k6); the frames as k6 names them, on both
    // kinds of VU (not the bundle's `iter_throw_default`, no engine frame).
    for (const syncVus of [true, false]) {
      const again = await run({ script: `${files.dir}/iter-throw.js`, syncVus });
      assert.match(
        again.stderr,
        /msg="GoError: bad thing\\n\\tat default \(file:\/\/\/[^"]*iter-throw\.js:3:\d+\)\\n" executor=shared-iterations hint="script exception" scenario=default source=stacktrace\n/,
        `syncVus ${syncVus}`,
      );
    }
    const consoleLines = readFileSync(consoleFile, 'utf8');
    assert.match(consoleLines, /msg="iteration 1" source=console/);
    assert.doesNotMatch(consoleLines, /bad thing/);
  });

  test('failed thresholds → 99; abortOnFail stops early with 99', async () => {
    const failing = await run({
      script: files.write(
        'thr.js',
        `import { Trend } from 'k6/metrics';
         const t = new Trend('tt');
         export const options = { iterations: 3, thresholds: { tt: ['avg<1'] } };
         export default function () { t.add(10); }`,
      ),
    });
    assert.equal(failing.exitCode, 99);
    assert.deepEqual(
      failing.thresholds.map((t) => [t.metric, t.threshold, t.ok]),
      [['tt', 'avg<1', false]],
    );
    assert.equal(failing.summary?.metrics.tt.thresholds?.['avg<1'].ok, false);
    // k6's closing error names the crossed metrics (grafana/k6 internal/cmd/run.go).
    assert.match(failing.stderr, /level=error msg="thresholds on metrics 'tt' have been crossed"/);

    const aborting = await run({
      script: files.write(
        'abort-th.js',
        `import { Trend } from 'k6/metrics';
         import { sleep } from 'k6';
         const t = new Trend('tt');
         export const options = { vus: 1, duration: '20s', thresholds: { tt: [{ threshold: 'avg<1', abortOnFail: true }] } };
         export default async function () { t.add(10); await sleep(0.05); }
         export function teardown() { console.log('teardown after the abort'); }`,
      ),
    });
    assert.equal(aborting.exitCode, 99);
    // k6 runs teardown() with the global context, which a threshold abort does not cancel
    // (grafana/k6 internal/execution/scheduler.go, Run).
    assert.match(aborting.stderr, /msg="teardown after the abort" source=console/);
    assert.equal(aborting.interrupted, true);
    // k6's sentence for the abort, and no second "have been crossed" line after it.
    assert.match(
      aborting.stderr,
      /msg="thresholds on metrics 'tt' were crossed; at least one has abortOnFail enabled, stopping test prematurely"/,
    );
    assert.doesNotMatch(aborting.stderr, /have been crossed/);
    // The engine's own clock from the start of the load, so a slow start on a busy machine does not count.
    const ranMs = aborting.summary?.state.testRunDurationMs ?? Number.NaN;
    assert.ok(ranMs < 10_000, `stopped at the first evaluation, not after 20 s (ran ${ranMs} ms)`);
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

  test("k6's blocking calls without await on async VUs fail at once with 107, naming the call and the async form", async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    try {
      const cases: Array<[string, string, string, boolean?]> = [
        ['sync-get.js', 'http.get()', `export default async function () { http.get(__ENV.BASE + '/'); }`],
        [
          'sync-status.js',
          'http.post()',
          `export default async function () { const r = http.post(__ENV.BASE + '/', 'x'); if (r.status !== 200) throw new Error('no'); }`,
        ],
        ['sync-sleep.js', 'sleep()', `export default async function () { sleep(1); }`],
        [
          'sync-batch.js',
          'http.batch()',
          `export default async function () { const rs = http.batch([__ENV.BASE + '/a', __ENV.BASE + '/b']); check(rs[0], { ok: (r) => r.status === 200 }); }`,
        ],
        [
          'sync-setup.js',
          'http.get()',
          `export async function setup() { http.get(__ENV.BASE + '/'); return {}; }\nexport default async function () {}`,
        ],
        // A plain function with synchronous VUs switched off runs on async VUs: refused the same way.
        ['sync-off.js', 'http.get()', `export default function () { http.get(__ENV.BASE + '/'); }`, false],
      ];
      for (const [name, call, body, syncVus] of cases) {
        const script = files.write(
          name,
          `import http from 'k6/http';\nimport { check, sleep } from 'k6';\nexport const options = { vus: 2, duration: '10m' };\n${body}`,
        );
        const started = Date.now();
        const r = await run({ script, env: { BASE: server.url }, syncVus });
        assert.equal(r.exitCode, 107, `${name}: ${r.stderr}`);
        // At once, not after the 10 minutes: a generous bound that a busy machine still meets.
        assert.ok(Date.now() - started < 60_000, `${name} stopped at once`);
        assert.ok(r.stderr.includes(`${call} was called without await`), `${name}: ${r.stderr}`);
        assert.match(r.stderr, /await http\.get\(\.\.\.\)/);
        assert.match(r.stderr, /--engine k6/);
        assert.match(
          r.stderr,
          /plain \(non-async\) functions: those run on synchronous VUs/,
          'the message offers the synchronous mode',
        );
        if (syncVus === false) assert.match(r.stderr, /switched off \(--sync-vus=false\)/);
        assert.ok(count(r.samples, 'iterations') <= 2, `${name}: no iteration counted as completed`);
      }
    } finally {
      await server.close();
    }
  });

  test('an unawaited request whose answer an awaited callback reads later: 107 with the --sync-vus way out, not exit 0', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    try {
      // The request has ended (so no call is left open) when the callback reads the Promise.
      const script = files.write(
        'late-read.js',
        `import http from 'k6/http';
export const options = { vus: 1, duration: '10m' };
export default async function () {
  const res = http.get(__ENV.BASE + '/');
  await new Promise((r) => setTimeout(r, 300));
  if (res.status !== 200) throw new Error('not ok');
}`,
      );
      const r = await run({ script, env: { BASE: server.url } });
      assert.equal(r.exitCode, 107, r.stderr);
      assert.match(r.stderr, /response\.status was read from a request that has not finished/);
      assert.match(
        r.stderr,
        /A request \(http\.get\(\) or another request method\) was called without await/,
      );
      assert.match(r.stderr, /exported functions are async; with --sync-vus they run on synchronous VUs/);
      assert.equal(count(r.samples, 'iterations'), 0);
      // With --sync-vus the same script runs as k6 runs it.
      const forced = await run({
        script: files.write('late-read-sync.js', readFileSync(script, 'utf8').replace("'10m'", "'1s'")),
        env: { BASE: server.url },
        syncVus: true,
      });
      assert.equal(forced.exitCode, 0, forced.stderr);
      assert.ok(count(forced.samples, 'iterations') >= 1);
    } finally {
      await server.close();
    }
  });

  test('setupTimeout and teardownTimeout end a setup/teardown that runs too long: 100 and 101', async () => {
    const slowSetup = files.write(
      'slow-setup.js',
      `export const options = { setupTimeout: '1s', iterations: 1 };
       export function setup() { for (;;) {} }
       export default async function () {}`,
    );
    const slowTeardown = files.write(
      'slow-teardown.js',
      `export const options = { teardownTimeout: '1s', iterations: 1 };
       export default async function () {}
       export async function teardown() { await new Promise((r) => setTimeout(r, 60_000)); }`,
    );
    const started = Date.now();
    const [a, b] = await Promise.all([run({ script: slowSetup }), run({ script: slowTeardown })]);
    assert.equal(a.exitCode, 100, a.stderr);
    assert.match(a.stderr, /setup\(\) did not finish within setupTimeout \(1 s\)/);
    assert.equal(b.exitCode, 101, b.stderr);
    assert.match(b.stderr, /teardown\(\) did not finish within teardownTimeout \(1 s\)/);
    assert.equal(count(b.samples, 'iterations'), 1);
    assert.ok(b.summary, 'the summary is still made');
    // Both end after their 1 s timeouts, long before the teardown's 60 s wait.
    assert.ok(Date.now() - started < 50_000);
  });
});

/**
 * An expect() as jslib's k6-testing writes one (its own code here): on a failure it parses
 * `new Error().stack` and takes the outermost frame as the line that failed
 * (grafana/jslib.k6.io lib/k6-testing/0.6.1, stacktrace.ts and execution.ts).
 */
const EXPECT_LIBRARY = `function parse(stack) {
  return stack.split('\\n').map((l) => l.trim()).filter((l) => l.startsWith('at ')).map((l) => {
    let info = l.slice(3);
    if (!info.startsWith('file://') && info.includes('(')) info = info.slice(info.indexOf('(') + 1, info.lastIndexOf(')'));
    const m = /^(.*):(\\d+):(\\d+)$/.exec(info);
    return m ? { file: m[1], line: Number(m[2]), column: Number(m[3]) } : { other: l };
  });
}
export function expect(actual) {
  return {
    toBe(expected) {
      if (actual === expected) return;
      const frames = parse(new Error().stack);
      console.log(JSON.stringify({ frames, at: frames[frames.length - 1] }));
    },
  };
}`;
const EXPECT_URL = 'https://modules.example/expect/1.0.0/index.js';
/** Where the library makes its Error. */
const NEW_ERROR_AT = (() => {
  const lines = EXPECT_LIBRARY.split('\n');
  const line = lines.findIndex((l) => l.includes('new Error()')) + 1;
  return { line, column: lines[line - 1].indexOf('new Error()') + 1 };
})();

describe("engine: the stack a script reads holds only the script's frames, as in k6", () => {
  const modules = `${files.dir}/stack-modules`;
  mkdirSync(modules, { recursive: true });
  writeFileSync(cachedPath(modules, EXPECT_URL), EXPECT_LIBRARY);

  /** The script's console lines, parsed (each is one JSON value). */
  const logged = (stderr: string): unknown[] =>
    [...stderr.matchAll(/level=info msg="(.*)" source=console/g)].map((m) =>
      JSON.parse(JSON.parse(`"${m[1]}"`)),
    );

  for (const ext of ['js', 'ts'] as const) {
    test(`an expect() library finds its caller's line from new Error().stack on both kinds of VU (.${ext}: ${ext === 'ts' ? 'positions through the source map' : 'plain'})`, async () => {
      // In the .ts script, types before each call on its line: an unmapped column would differ.
      const t = (type: string) => (ext === 'ts' ? `: ${type}` : '');
      for (const { kind, fn } of VU_KINDS) {
        const script = files.write(
          `stack-${kind}.${ext}`,
          `import { expect } from '${EXPECT_URL}';
import { group } from 'k6';
export const options = { vus: 1, iterations: 1 };
function nested(n${t('number')}) { [n].forEach((v${t('number')}) => { const w${t('number')} = v; expect(w).toBe(2); }); }
export default ${fn} () {
  const s${t('string')} = 'a'; expect(s).toBe('b');
  nested(1);
  try { group('g', 5); } catch (e${t('any')}) { console.log(JSON.stringify(e.stack)); }
  try { JSON.parse('{'); } catch (e${t('any')}) { console.log(JSON.stringify(e.stack)); }
}`,
        );
        const r = await run({ script, moduleCache: modules });
        assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
        const [first, second, fromModule, fromNative] = logged(r.stderr) as [
          { frames: Array<Record<string, unknown>>; at: Record<string, unknown> },
          { frames: Array<Record<string, unknown>>; at: Record<string, unknown> },
          string,
          string,
        ];
        const url = `file://${script}`;
        const col = (line: number, text: string) =>
          readFileSync(script, 'utf8').split('\n')[line - 1].indexOf(text) + 1;
        // The outermost frame is the script's line that called expect(), with its column.
        assert.deepEqual(first.at, { file: url, line: 6, column: col(6, 'toBe') }, `${kind}: ${r.stderr}`);
        assert.deepEqual(
          first.frames.map((f) => f.file),
          [EXPECT_URL, url],
          `${kind}: ${JSON.stringify(first.frames)}`,
        );
        // A callback run by a native function (Array.forEach): that frame is k6's `forEach (native)`.
        assert.deepEqual(
          second.frames,
          [
            { file: EXPECT_URL, ...NEW_ERROR_AT },
            { file: url, line: 4, column: col(4, 'toBe') },
            { other: 'at forEach (native)' },
            { file: url, line: 4, column: col(4, 'forEach') },
            { file: url, line: 7, column: col(7, 'nested') },
          ],
          kind,
        );
        // An error thrown by a k6 module, caught by the script: the script's frames only.
        assert.equal(
          fromModule,
          `Error: group() requires a callback as a second argument\n\tat default (${url}:8:${col(8, 'group')})\n`,
          kind,
        );
        assert.equal(
          fromNative,
          `SyntaxError: Expected property name or '}' in JSON at position 1\n\tat parse (native)\n\tat default (${url}:9:${col(9, 'parse')})\n`,
          kind,
        );
      }
    });
  }
});
