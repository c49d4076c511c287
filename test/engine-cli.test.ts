// test-serial: signals engine processes and times how soon they stop
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { parseArgs, UsageError } from '../engine/cli-args.ts';
import { checkDuration } from '../engine/limits.ts';
import { InvalidOptionsError } from '../engine/metrics/errors.ts';
import { deriveScenarios, mergeOptions } from '../engine/options.ts';
import { tempDir } from './engine-fixtures.ts';
import { start } from './helpers/child.ts';

const files = tempDir();
after(() => files.cleanup());
const BIN = new URL('../engine/bin.mjs', import.meta.url).pathname;

describe('engine CLI', () => {
  test('parseArgs understands k6 flags and refuses unknown ones', () => {
    const c = parseArgs([
      'run',
      '-u',
      '5',
      '--duration=10s',
      '-e',
      'A=1',
      '--env',
      'B=x=y',
      '-o',
      'json=o.json',
      '--tag',
      't=v',
      '--summary-export',
      's.json',
      '--summary-trend-stats',
      'avg,p(99)',
      '-q',
      '--no-color',
      '--include-system-env-vars=false',
      'script.js',
    ]);
    assert.equal(c.kind, 'run');
    if (c.kind !== 'run') return;
    assert.deepEqual(c.options, {
      script: 'script.js',
      vus: 5,
      duration: '10s',
      env: { A: '1', B: 'x=y' },
      out: ['json=o.json'],
      tags: { t: 'v' },
      summaryExport: 's.json',
      summaryTrendStats: ['avg', 'p(99)'],
      quiet: true,
      noColor: true,
      includeSystemEnvVars: false,
    });
    const stages = parseArgs(['run', '--stages', '1s:2,2s:0', 'x.js']);
    assert.deepEqual(stages.kind === 'run' && stages.options.stages, [
      { duration: '1s', target: 2 },
      { duration: '2s', target: 0 },
    ]);
    assert.throws(() => parseArgs(['run', '--no-such-flag', 'x.js']), UsageError);
    assert.throws(() => parseArgs(['run']), /needs the script/);
    assert.deepEqual(parseArgs(['version']), { kind: 'version' });
  });

  test('CLI shortcut flags override the script options like k6', () => {
    const merged = mergeOptions(
      { scenarios: { a: { executor: 'constant-vus', duration: '1m' } }, vus: 3 },
      { duration: '5s' },
    );
    const [s] = deriveScenarios(merged);
    assert.equal(s.executor, 'constant-vus');
    assert.equal(s.name, 'default');
    assert.deepEqual(
      deriveScenarios({}).map((x) => x.executor),
      ['per-vu-iterations'],
    );
    assert.deepEqual(
      deriveScenarios({ vus: 4 }).map((x) => [x.executor, 'iterations' in x && x.iterations]),
      [['shared-iterations', 4]],
    );
    assert.equal(deriveScenarios({ stages: [{ duration: '1s', target: 1 }] })[0].executor, 'ramping-vus');
  });

  test("vus, an empty scenarios or an empty stages: k6's derivation and warnings", () => {
    const warned: string[] = [];
    const warn = (m: string) => warned.push(m);
    const shape = (options: Record<string, unknown>) =>
      deriveScenarios(options, warn).map((x) => [
        x.name,
        x.executor,
        'vus' in x && x.vus,
        'iterations' in x && x.iterations,
      ]);
    // k6 ≥ 2.1: `vus` alone overrides the scenarios (grafana/k6 execution_config_shortcuts.go).
    assert.deepEqual(shape({ vus: 3, scenarios: { a: { executor: 'constant-vus', duration: '1m' } } }), [
      ['default', 'shared-iterations', 3, 3],
    ]);
    assert.deepEqual(warned.splice(0), ['`vus=3` overrides scenarios configuration']);
    // …but not with an explicit `stages: []`, nor with duration or iterations.
    assert.deepEqual(shape({ vus: 3, stages: [], scenarios: { a: { executor: 'shared-iterations' } } }), [
      ['a', 'shared-iterations', 1, 1],
    ]);
    assert.deepEqual(warned.splice(0), []);
    assert.deepEqual(shape({ scenarios: {} }), [['default', 'per-vu-iterations', 1, 1]]);
    assert.deepEqual(warned.splice(0), [
      '`scenarios` was explicitly set to an empty value, running the script with 1 iteration in 1 VU',
    ]);
    assert.deepEqual(shape({ stages: [] }), [['default', 'per-vu-iterations', 1, 1]]);
    assert.deepEqual(warned.splice(0), [
      '`stages` was explicitly set to an empty value, running the script with 1 iteration in 1 VU',
    ]);
    assert.throws(
      () => deriveScenarios({ duration: '1s', scenarios: {} }),
      /using `duration` and `scenarios`/,
    );
  });

  test('durations and counts beyond what timers and one process hold are refused with a sentence', () => {
    assert.throws(
      () => parseArgs(['run', '-d', '600h', 'x.js']),
      (e: Error) => {
        return (
          e instanceof UsageError &&
          /longer than the engine can time: at most 596h31m23\.647s/.test(e.message)
        );
      },
    );
    assert.equal(checkDuration('596h', 'd'), 596 * 3_600_000);
    assert.throws(() => parseArgs(['run', '-s', '10s:5,25d:0', 'x.js']), /longer than the engine can time/);
    assert.throws(() => parseArgs(['run', '-u', '100001', 'x.js']), /at most 100000/);
    assert.throws(() => parseArgs(['run', '-i', '99999999999999999999', 'x.js']), /at most 9007199254740991/);
    const refused = (options: Record<string, unknown>, pattern: RegExp) =>
      assert.throws(
        () => deriveScenarios(options),
        (e: Error) => e instanceof InvalidOptionsError && pattern.test(e.message),
      );
    refused({ duration: '600h' }, /options\.duration "600h" is longer than the engine can time/);
    refused(
      {
        stages: [
          { duration: '300h', target: 5 },
          { duration: '300h', target: 0 },
        ],
      },
      /adds up to 600h0m30s .*longer than the engine can time/,
    );
    refused(
      {
        scenarios: {
          s: { executor: 'constant-arrival-rate', rate: 5e6, duration: '1m', preAllocatedVUs: 1 },
        },
      },
      /5000000 iterations per second; this engine starts at most 1000000/,
    );
    refused({ scenarios: { s: { executor: 'constant-vus', vus: 1e9, duration: '1m' } } }, /at most 100000/);
    refused(
      { scenarios: { s: { executor: 'constant-vus', vus: 1, duration: 2 ** 31 } } },
      /longer than the engine/,
    );
  });

  test('a script whose options go beyond the limits exits 104', () => {
    const script = files.write(
      'long-options.js',
      `export const options = { duration: '600h' };\nexport default async function () {}`,
    );
    const r = spawnSync(process.execPath, [BIN, 'run', '-q', script], { encoding: 'utf8' });
    assert.equal(r.status, 104, r.stderr);
    assert.match(r.stderr, /longer than the engine can time/);
  });

  test('usage errors exit 255; version and help work', () => {
    const bad = spawnSync(process.execPath, [BIN, 'run', '--nope', 'x.js'], { encoding: 'utf8' });
    assert.equal(bad.status, 255);
    assert.match(bad.stderr, /unknown or unsupported flag "--nope"/);
    const version = spawnSync(process.execPath, [BIN, 'version'], { encoding: 'utf8' });
    assert.equal(version.status, 0);
    assert.match(version.stdout, /connect-perf-engine v/);
    const help = spawnSync(process.execPath, [BIN, 'run', '--help'], { encoding: 'utf8' });
    assert.match(help.stdout, /--summary-export/);
  });

  test('SIGINT stops gracefully: teardown runs, summary export written, exit 105', async () => {
    const script = files.write(
      'long.js',
      `import { sleep } from 'k6';
       export const options = { vus: 2, duration: '30s' };
       export default async function () { if (__ITER === 3) console.log('fourth iteration'); await sleep(0.05); }
       export function teardown() { console.log('teardown ran'); }`,
    );
    const exported = `${files.dir}/sigint.json`;
    const run = start(process.execPath, [BIN, 'run', '--summary-export', exported, script]);
    // A VU in its fourth iteration: three iterations are complete.
    await run.waitFor('fourth iteration');
    run.child.kill('SIGINT');
    const { code } = await run.ended;
    assert.equal(code, 105, run.stderr());
    assert.match(run.stderr(), /teardown ran/);
    const summary = JSON.parse(readFileSync(exported, 'utf8'));
    assert.ok(summary.metrics.iterations.count >= 3);
    assert.match(run.stdout(), /iterations/);
  });

  test('VU code that never yields: the duration, SIGINT and SIGTERM each end it with a summary', async () => {
    const script = files.write(
      'spin.js',
      `import { Counter } from 'k6/metrics';
       const spins = new Counter('spins');
       export const options = { thresholds: { spins: ['count<100'] } };
       export default function () { spins.add(1); const t = Date.now(); while (Date.now() - t < 50); if (__ITER > 0) { console.log('spinning'); for (;;) {} } }`,
    );
    // The VU spins from its second iteration, however fast this machine runs the first ones.
    const runs = [
      engineRun('duration', ['-d', '2s', script]),
      engineRun('sigint', ['-d', '60s', script], (child) => child.kill('SIGINT')),
      engineRun('sigterm', ['-d', '60s', script], (child) => child.kill('SIGTERM')),
    ];
    const [byDuration, bySigint, bySigterm] = await Promise.all(runs);
    assert.equal(byDuration.code, 0, byDuration.stderr);
    assert.ok(byDuration.seconds < 30, `ended after ${byDuration.seconds} s`);
    assert.match(byDuration.stderr, /Stopping the (VU )?thread.*: the VU code has not yielded/);
    for (const r of [bySigint, bySigterm]) {
      assert.equal(r.code, 105, r.stderr);
      assert.ok(r.seconds < 15, `${r.name} ended ${r.seconds} s after the signal`);
    }
    for (const r of [byDuration, bySigint, bySigterm]) {
      // Samples travel in batches: the one added just before the spin may be lost.
      assert.ok(
        r.summary.metrics.spins.count >= 1,
        `${r.name}: the iterations before the spin were measured`,
      );
      assert.match(r.stdout, /spins/);
    }
  });

  test('empty iterations as fast as possible: SIGTERM still ends the run at once, with the summary', async () => {
    // The signal goes once the VU is in its loop of empty iterations (the line of its second one),
    // however many iterations per second this machine runs.
    const script = files.write(
      'empty.js',
      "export default function () { if (__ITER === 1) console.log('spinning'); }",
    );
    const r = await engineRun('empty', ['-d', '60s', script], (child) => child.kill('SIGTERM'));
    assert.equal(r.code, 105, r.stderr);
    assert.ok(r.seconds < 10, `ended ${r.seconds} s after SIGTERM`);
    assert.ok(r.summary.metrics.iterations.count >= 1);
  });

  test('a Ctrl-C while the engine is still starting ends with 105 and a summary export', async () => {
    const script = files.write(
      'early.js',
      `console.log('init started');
       await new Promise((r) => setTimeout(r, 1500));
       export const options = { vus: 1, duration: '1m' };
       export default async function () { await new Promise((r) => setTimeout(r, 20)); }`,
    );
    const exported = `${files.dir}/early.json`;
    const run = start(process.execPath, [BIN, 'run', '-q', '--summary-export', exported, script]);
    // The script's init has begun and waits 1.5 s: the signal lands while the engine is starting.
    await run.waitFor('init started');
    run.child.kill('SIGINT');
    const { code } = await run.ended;
    assert.equal(code, 105, run.stderr());
    assert.ok(JSON.parse(readFileSync(exported, 'utf8')).metrics);
  });

  test('the engine stops when the process that started it goes away', async () => {
    const script = files.write(
      'forever.js',
      `export const options = { vus: 1, duration: '10m' };
       export default async function () { await new Promise((r) => setTimeout(r, 20)); }`,
    );
    const exported = `${files.dir}/orphan.json`;
    // A shell starts the engine in the background and exits while it runs: the engine's parent is gone.
    const shell = spawnSync(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${BIN}" run -q --summary-export "${exported}" "${script}" >/dev/null 2>&1 & echo $!; sleep 3`,
      ],
      { encoding: 'utf8' },
    );
    const pid = Number(shell.stdout.trim());
    assert.ok(pid > 0, shell.stderr);
    // No handle on an orphan: watch its pid until it ends (on a busy machine the engine may still
    // be starting when its parent goes). The bound only keeps a broken engine from hanging the test.
    const deadline = Date.now() + 120_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const stillRunning = alive(pid);
    if (stillRunning) process.kill(pid, 'SIGKILL');
    assert.equal(stillRunning, false, 'the orphaned engine is still running');
    assert.ok(JSON.parse(readFileSync(exported, 'utf8')).metrics, 'the summary export was written');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface EngineRun {
  name: string;
  code: number | null;
  seconds: number;
  stdout: string;
  stderr: string;
  summary: { metrics: Record<string, Record<string, number>> };
}

/** Runs the engine CLI; `signal` is called once the script says it is spinning. */
async function engineRun(name: string, args: string[], signal?: (child: ChildProcess) => void) {
  const exported = `${files.dir}/${name}.json`;
  const run = start(process.execPath, [BIN, 'run', '--summary-export', exported, ...args]);
  let from = Date.now();
  if (signal) {
    await run.waitFor('spinning', `"spinning" (${name})`);
    from = Date.now();
    signal(run.child);
  }
  const { code } = await run.ended;
  const seconds = (Date.now() - from) / 1000;
  const summary = JSON.parse(readFileSync(exported, 'utf8'));
  return { name, code, seconds, stdout: run.stdout(), stderr: run.stderr(), summary } satisfies EngineRun;
}
