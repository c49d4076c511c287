// The corpus benchmark's judge (bench/lib/corpus-classify.ts), its reading of scripts
// (bench/lib/corpus-scripts.ts) and its network jail (bench/lib/corpus-preload.mjs).
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { blockerKey, classify, type RunFacts } from '../bench/lib/corpus-classify.ts';
import { startMock } from '../bench/lib/corpus-mock.ts';
import { durationSeconds, findScripts } from '../bench/lib/corpus-scripts.ts';

const PRELOAD = new URL('../bench/lib/corpus-preload.mjs', import.meta.url).pathname;
const plain = { sleeps: false, abortCall: false, failCall: false };
const facts = (over: Partial<RunFacts>): RunFacts => ({
  exitCode: 0,
  timedOut: false,
  output: '',
  script: plain,
  ...over,
});

describe('corpus classifier', () => {
  it('a clean exit 0 passes; a timeout is a hang whatever the exit', () => {
    assert.deepEqual(classify(facts({ httpReqs: 10, httpReqFailedRate: 0 })), { cls: 'PASS', reason: '' });
    const thrown = classify(
      facts({ output: 'level=error msg="Error: boom at default (file:///s.js:3:9)" source=console\n' }),
    );
    assert.deepEqual(thrown, {
      cls: 'PASS',
      reason: '1 error line(s) logged, first: Error: boom at default (file:///s.js:3:9)',
    });
    assert.equal(classify(facts({ timedOut: true, exitCode: 0 })).cls, 'HANG');
  });

  it('an exit k6 never gives, or a stack frame inside the engine, is unclear', () => {
    assert.equal(classify(facts({ exitCode: 1, output: 'boom' })).cls, 'FAIL-UNCLEAR');
    const trace = 'TypeError: x is undefined\n    at run (/repo/engine/worker/runtime.ts:10:3)\n';
    assert.equal(classify(facts({ exitCode: 107, output: trace })).cls, 'FAIL-UNCLEAR');
  });

  it('a refusal keeps the engine message as the reason', () => {
    const out =
      'time="t" level=error msg="the module \\"k6/ws\\" is not supported; run it with --engine k6"\n';
    const v = classify(facts({ exitCode: 107, output: out }));
    assert.equal(v.cls, 'REFUSED-CLEAR');
    assert.equal(v.reason, 'the module "k6/ws" is not supported; run it with --engine k6');
    assert.equal(blockerKey(v.reason), 'k6/ws');
    const both = `level=error msg="TypeError: x" source=console\n${out}level=error msg="thresholds on metrics have been crossed"\n`;
    assert.equal(classify(facts({ exitCode: 107, output: both })).reason, v.reason);
    // An iteration's exception is logged as k6 logs it (source=stacktrace): the script's, not the reason.
    const thrownAfter = `${out}level=error msg="TypeError: y\\n\\tat default (file:///s.js:2:3)\\n" executor=shared-iterations hint="script exception" scenario=default source=stacktrace\n`;
    assert.equal(classify(facts({ exitCode: 107, output: thrownAfter })).reason, v.reason);
    const missing = 'level=error msg="init: open(\\"./users.json\\"): cannot read /x/users.json: ENOENT"';
    assert.equal(classify(facts({ exitCode: 107, output: missing })).cls, 'PASS');
    // k6/experimental/fs (and csv through it): k6's NotFoundError for the same missing file.
    const fsMissing =
      'level=error msg="The script threw an exception in its init code (top level): NotFoundError: no such file or directory \\"/x/data.csv\\" at file:///x/s.js:9:20"';
    assert.equal(classify(facts({ exitCode: 107, output: fsMissing })).cls, 'PASS');
  });

  it('signs of a silently wrong result make an exit 0 suspect', () => {
    assert.equal(classify(facts({ output: 'error: The client is destroyed' })).cls, 'SUSPECT-WRONG');
    assert.equal(classify(facts({ httpReqs: 50, httpReqFailedRate: 0.98 })).cls, 'SUSPECT-WRONG');
    const spin = facts({ script: { ...plain, sleeps: true }, iterationsPerSecond: 90_000, vusMax: 2 });
    assert.equal(classify(spin).cls, 'SUSPECT-WRONG');
    assert.equal(classify({ ...spin, iterationsPerSecond: 3 }).cls, 'PASS');
  });

  it('exit 99 passes and names the crossed thresholds; 108 only when the script aborts itself', () => {
    const v = classify(facts({ exitCode: 99, crossedThresholds: ['http_req_duration: p(95)<200'] }));
    assert.deepEqual(v, {
      cls: 'PASS',
      reason: 'thresholds crossed (exit 99): http_req_duration: p(95)<200',
    });
    assert.equal(classify(facts({ exitCode: 108 })).cls, 'SUSPECT-WRONG');
    assert.equal(classify(facts({ exitCode: 108, script: { ...plain, abortCall: true } })).cls, 'PASS');
  });

  it('blocker keys drop URLs, paths and numbers so that like reasons group', () => {
    assert.equal(
      blockerKey('http.get() was called without await. On this engine ...'),
      blockerKey('http.get() was called without await. Something else'),
    );
    assert.equal(
      blockerKey('open /a/b/c.csv: no such file (line 12)'),
      blockerKey('open /x/y.csv: no such file (line 3)'),
    );
  });
});

describe('corpus scripts', () => {
  it('sums duration literals as a rough plan length', () => {
    assert.equal(durationSeconds(`stages: [{ duration: '1m30s' }, { duration: "30s" }], t: '500ms'`), 120.5);
  });

  it('finds entry scripts, skips their imported helpers and tells the out-of-scope ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corpus-find-'));
    try {
      mkdirSync(join(dir, 'lib'));
      writeFileSync(join(dir, 'lib', 'opts.js'), "export const options = { duration: '40s' };\n");
      writeFileSync(
        join(dir, 'a.js'),
        "import { options } from './lib/opts.js';\nexport { options };\nexport default function () { sleep(1) }\n",
      );
      writeFileSync(
        join(dir, 'b.js'),
        "import { browser } from 'k6/browser';\nexport default async function () {}\n",
      );
      writeFileSync(join(dir, 'c.js'), "import faker from 'faker';\nexport default function () {}\n");
      const found = findScripts(dir);
      assert.deepEqual(
        found.map((s) => s.name),
        ['a.js', 'b.js', 'c.js'],
      );
      assert.equal(found[0].plannedSeconds, 40);
      assert.equal(found[0].sleeps, true);
      assert.equal(found[1].outOfScope, 'browser');
      assert.match(found[2].notRunnable ?? '', /npm package 'faker'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('corpus network jail and mock', () => {
  it('sends host names over HTTP and HTTPS to the mock and refuses non-loopback addresses', async () => {
    const mock = await startMock();
    const probe = `
      const get = (u) => fetch(u).then((r) => r.text(), (e) => 'refused: ' + (e.cause?.message ?? e.message))
        .then((text) => JSON.stringify(text));
      console.log(await get('http://example.com:8080/my_messages.php'));
      console.log(await get('https://quickpizza.grafana.com/api/pizza'));
      console.log(await get('http://10.1.2.3/'));
      console.log(await get('http://nowhere.invalid/'));`;
    const env = {
      ...process.env,
      CORPUS_MOCK_PORT: String(mock.port),
      CORPUS_MOCK_TLS_PORT: String(mock.tlsPort),
      NODE_EXTRA_CA_CERTS: mock.caFile,
    };
    try {
      // Async: the mock answers on this thread's event loop.
      const out = await new Promise<string>((resolve) => {
        execFile(
          process.execPath,
          ['--import', PRELOAD, '--input-type=module', '-e', probe],
          { env, timeout: 10_000 },
          (_err, stdout, stderr) => resolve(stdout + stderr),
        );
      });
      const [page, pizza, ip, invalid] = out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as string);
      assert.match(page, /Unauthorized/);
      assert.equal(JSON.parse(pizza).pizza.ingredients.length, 3);
      assert.match(
        ip,
        /^refused: corpus preload: refused a connection to the non-loopback address 10\.1\.2\.3/,
      );
      assert.match(invalid, /ENOTFOUND nowhere\.invalid/);
    } finally {
      await mock.close();
    }
  });

  it('will not start without the mock ports', () => {
    const res = spawnSync(process.execPath, ['--import', PRELOAD, '-e', '1'], {
      env: { ...process.env, CORPUS_MOCK_PORT: '' },
      encoding: 'utf8',
    });
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /CORPUS_MOCK_PORT is not set/);
  });
});
