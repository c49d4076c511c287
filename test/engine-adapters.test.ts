// test-serial: signals a fake k6 and times how soon it stops
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { createEngine, findK6 } from '../engine/adapters/index.ts';
import type { Sample } from '../engine/metrics/types.ts';
import { tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

/** A stand-in for the k6 binary: records its argv, writes NDJSON and a legacy summary export, exits 99. */
function fakeK6(): string {
  const path = files.write(
    'k6',
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.writeFileSync(${JSON.stringify(`${files.dir}/argv.json`)}, JSON.stringify(args));
fs.writeFileSync(${JSON.stringify(`${files.dir}/env-key`)}, process.env.CONNECT_API_KEY ?? '');
if (args[0] === 'version') { console.log('k6 v9.9.9 (fake)'); process.exit(0); }
const outs = args.flatMap((a, i) => (args[i - 1] === '--out' ? [a] : []));
const json = outs.find((o) => o.startsWith('json=')).slice(5);
const exp = args[args.indexOf('--summary-export') + 1];
const lines = [
  { type: 'Metric', data: { name: 'http_reqs', type: 'counter', contains: 'default', thresholds: [], submetrics: null }, metric: 'http_reqs' },
  { metric: 'http_reqs', type: 'Point', data: { time: '2026-01-01T00:00:00.5Z', value: 1, tags: { status: '200' } } },
  { type: 'Metric', data: { name: 'checks', type: 'rate', contains: 'default', thresholds: [], submetrics: null }, metric: 'checks' },
  { metric: 'checks', type: 'Point', data: { time: '2026-01-01T00:00:00.6Z', value: 1, tags: { check: 'ok' } } },
];
fs.writeFileSync(json, lines.map((l) => JSON.stringify(l)).join('\\n') + '\\n');
fs.writeFileSync(exp, JSON.stringify({
  root_group: { name: '', path: '', id: 'x', groups: {}, checks: { ok: { name: 'ok', path: '::ok', id: 'y', passes: 1, fails: 0 } } },
  metrics: { http_reqs: { count: 1, rate: 2 }, checks: { value: 1, passes: 1, fails: 0, thresholds: { 'rate>0.9': false } } },
}));
console.log('fake k6 done');
process.exit(99);
`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe('engine adapters', () => {
  test('secrets reach the child through its environment, never its command line', async () => {
    const engine = createEngine('k6', { K6_BIN: fakeK6() });
    await engine.run({
      script: 'script.js',
      env: { CONNECT_SERVER: 'http://127.0.0.1:1' },
      secretEnv: { CONNECT_API_KEY: 'sekret-key-123' },
      stdout: new (await import('node:stream')).PassThrough(),
    });
    const argv = readFileSync(`${files.dir}/argv.json`, 'utf8');
    assert.doesNotMatch(argv, /sekret-key-123/);
    assert.match(argv, /CONNECT_SERVER=http/);
    assert.match(argv, /--include-system-env-vars=true/, 'k6 must read __ENV from its environment');
    assert.equal(readFileSync(`${files.dir}/env-key`, 'utf8'), 'sekret-key-123');
  });

  test('the embedded engine runs as a child process with the k6 command line when asked', () => {
    const engine = createEngine('node', {}, 'child');
    assert.equal(engine.name, 'node');
    assert.equal(engine.where, 'child');
    assert.equal(createEngine('node').where, 'in-process');
  });

  test('auto picks node when no k6 is around, k6 when K6_BIN is set', () => {
    assert.equal(createEngine('auto', { PATH: '/nonexistent' }).name, 'node');
    assert.throws(() => createEngine('k6', { PATH: '/nonexistent' }), /K6_BIN/);
    const bin = fakeK6();
    assert.equal(findK6({ K6_BIN: bin }), bin);
    assert.equal(createEngine('auto', { K6_BIN: bin }).name, 'k6');
  });

  test('k6 adapter passes the flags, streams the NDJSON samples and reads the summary export', async () => {
    const bin = fakeK6();
    const engine = createEngine('k6', { K6_BIN: bin });
    assert.equal(await engine.version(), 'k6 v9.9.9 (fake)');
    const samples: Sample[] = [];
    const chunks: string[] = [];
    const stdout = new (await import('node:stream')).Writable({
      write(c, _e, cb) {
        chunks.push(String(c));
        cb();
      },
    });
    const result = await engine.run({
      script: 'script.js',
      vus: 3,
      duration: '10s',
      env: { A: '1' },
      tags: { t: 'v' },
      onSamples: (b) => samples.push(...b),
      stdout,
    });
    const argv = JSON.parse(readFileSync(`${files.dir}/argv.json`, 'utf8')) as string[];
    assert.deepEqual(argv.slice(0, 9), [
      'run',
      '--vus',
      '3',
      '--duration',
      '10s',
      '-e',
      'A=1',
      '--tag',
      't=v',
    ]);
    assert.equal(argv.at(-1), 'script.js');
    assert.equal(result.exitCode, 99);
    assert.deepEqual(
      samples.map((s) => s.metric),
      ['http_reqs', 'checks'],
    );
    assert.equal(samples[0].time, Date.parse('2026-01-01T00:00:00.5Z'));
    assert.equal(result.summary?.metrics.checks.type, 'rate');
    assert.equal(result.summary?.metrics.checks.values.rate, 1);
    assert.deepEqual(result.summary?.metrics.checks.thresholds, { 'rate>0.9': { ok: true } });
    assert.equal(result.summary?.root_group.checks[0].name, 'ok');
    assert.deepEqual(result.thresholds, [
      { metric: 'checks', threshold: 'rate>0.9', ok: true, abortOnFail: false },
    ]);
    assert.match(chunks.join(''), /fake k6 done/);
  });
});

/** A k6 stand-in that runs until stopped: the first SIGINT starts a graceful stop, the second ends it (exit 105). */
function slowFakeK6(): string {
  const path = files.write(
    'k6-slow',
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
const json = args.flatMap((a, i) => (args[i - 1] === '--out' ? [a] : [])).find((o) => o.startsWith('json=')).slice(5);
fs.writeFileSync(json, '');
let sigints = 0;
process.on('SIGINT', () => {
  sigints++;
  fs.writeFileSync(${JSON.stringify(`${files.dir}/sigints.tmp`)}, String(sigints));
  fs.renameSync(${JSON.stringify(`${files.dir}/sigints.tmp`)}, ${JSON.stringify(`${files.dir}/sigints`)});
  if (sigints === 2) process.exit(105);
});
setTimeout(() => process.exit(0), 60000);
// Written whole (rename) and only once SIGINT is handled: the test signals as soon as it sees it.
fs.writeFileSync(${JSON.stringify(`${files.dir}/pgid.tmp`)}, String(require('node:child_process').execSync('ps -o pgid= -p ' + process.pid)).trim() + ' ' + process.pid);
fs.renameSync(${JSON.stringify(`${files.dir}/pgid.tmp`)}, ${JSON.stringify(`${files.dir}/pgid`)});
`,
  );
  chmodSync(path, 0o755);
  return path;
}

test('k6 adapter: k6 runs in its own process group; abort sends one SIGINT, the hard stop a second', async () => {
  const engine = createEngine('k6', { K6_BIN: slowFakeK6() });
  const graceful = new AbortController();
  const hard = new AbortController();
  const started = Date.now();
  const running = engine.run({
    script: '/dev/null',
    signal: graceful.signal,
    hardStopSignal: hard.signal,
    stdout: new (await import('node:stream')).PassThrough(),
  });
  const pgidFile = `${files.dir}/pgid`;
  const { existsSync } = await import('node:fs');
  while (!existsSync(pgidFile)) await new Promise((r) => setTimeout(r, 50));
  const [pgid, pid] = readFileSync(pgidFile, 'utf8').split(' ');
  assert.equal(pgid, pid, 'k6 leads its own process group, so a terminal Ctrl-C does not reach it twice');
  graceful.abort();
  // The fake writes the file when it handles the SIGINT.
  while (!existsSync(`${files.dir}/sigints`)) await new Promise((r) => setTimeout(r, 20));
  assert.equal(readFileSync(`${files.dir}/sigints`, 'utf8'), '1');
  hard.abort();
  const result = await running;
  assert.equal(result.exitCode, 105);
  assert.equal(readFileSync(`${files.dir}/sigints`, 'utf8'), '2');
  assert.ok(Date.now() - started < 40_000, 'stopped at once, not after its own 60 s');
});
