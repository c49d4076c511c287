// test-serial: stops a running test and compares its end with timers the script set
// An interrupted iteration ends at once, whatever it awaits (a long timer, a Promise that never
// settles, sleep), as in k6: its timers are cleared and never fire, it is counted as interrupted
// (not in `iterations` nor `iteration_duration`), code of it that still runs (a catch around the
// interrupted call) logs and measures nothing, and the test ends at its planned time. On async
// VUs and on synchronous VUs. The scripts' timers are 30 s, six times the longest plan here: a run
// that ends before them ended because it interrupted them, however busy the machine is.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import type { Sample } from '../engine/metrics/types.ts';
import { runTest } from '../engine/run.ts';
import { count, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

const TIMER_MS = 30_000;

/** The script's own line when a timer of an interrupted iteration fires: it never must. */
const FIRED = 'TIMER FIRED';

interface Ended {
  exitCode: number;
  stderr: string;
  samples: Sample[];
  ms: number;
  /** The engine's end line: `running (…), 0/2 VUs, 0 complete and 2 interrupted iterations`. */
  end: { vus: number; max: number; complete: number; interrupted: number };
}

/** Runs `source` (not quiet, so that the end line is written); `onLine` sees every stderr chunk. */
async function runScript(
  name: string,
  source: string,
  extra: { syncVus?: boolean; onText?: (text: string, hard: () => void) => void } = {},
): Promise<Ended> {
  const script = files.write(name, source);
  const samples: Sample[] = [];
  let stderr = '';
  const hard = new AbortController();
  const sink = new Writable({
    write(chunk, _enc, cb) {
      stderr += chunk.toString();
      extra.onText?.(stderr, () => hard.abort());
      cb();
    },
  });
  const started = performance.now();
  const result = await runTest({
    script,
    syncVus: extra.syncVus,
    stdout: new Writable({ write: (_c, _e, cb) => cb() }),
    stderr: sink,
    hardStopSignal: hard.signal,
    onSamples: (batch) => samples.push(...batch),
  });
  const ms = performance.now() - started;
  const m = /running \([^)]*\), (\d+)\/(\d+) VUs, (\d+) complete and (\d+) interrupted iterations/.exec(
    stderr,
  );
  assert.ok(m, `no end line in:\n${stderr}`);
  return {
    exitCode: result.exitCode,
    stderr,
    samples,
    ms,
    end: { vus: Number(m[1]), max: Number(m[2]), complete: Number(m[3]), interrupted: Number(m[4]) },
  };
}

/** What every interrupted run here must show: nothing of the iterations after their interruption. */
function assertCutShort(r: Ended, interrupted: number, label: string): void {
  assert.ok(r.ms < TIMER_MS, `${label}: the run took ${r.ms} ms, as long as its timers`);
  assert.ok(!r.stderr.includes(FIRED), `${label}: a timer of an interrupted iteration fired:\n${r.stderr}`);
  assert.ok(!r.stderr.includes('AFTER'), `${label}: code after the interrupted await ran:\n${r.stderr}`);
  assert.equal(r.end.vus, 0, `${label}: VUs still active at the end:\n${r.stderr}`);
  assert.equal(r.end.interrupted, interrupted, `${label}:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /did not stop after being interrupted|Stopping the VU thread/, label);
}

const awaitTimer = `await new Promise((resolve) => setTimeout(() => { console.log('${FIRED}'); resolve(); }, ${TIMER_MS}));`;

describe('interrupted iterations end at once, as in k6', () => {
  test('ramping-vus with gracefulRampDown 0s: iterations awaiting a 30 s timer end at each ramp-down step', async () => {
    const r = await runScript(
      'ramp.js',
      `export const options = { scenarios: { ramp: { executor: 'ramping-vus', startVUs: 0,
         gracefulRampDown: '0s', stages: [{ duration: '1s', target: 2 }, { duration: '1s', target: 0 }] } } };
       export default async function () {
         console.log('awaiting ' + __VU);
         ${awaitTimer}
         console.log('AFTER');
       }`,
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assertCutShort(r, 2, 'ramp');
    assert.equal(r.end.complete, 0);
    // k6 emits neither iterations nor iteration_duration for an interrupted iteration
    // (grafana/k6, internal/js/runner.go, runFn), and it is not a dropped iteration either.
    assert.equal(count(r.samples, 'iterations'), 0);
    assert.equal(count(r.samples, 'iteration_duration'), 0);
    assert.equal(count(r.samples, 'dropped_iterations'), 0);
    assert.match(r.stderr, /setTimeout \d+ was stopped because the VU iteration was interrupted/);
  });

  test('constant-vus with gracefulStop 0s: a long timer, a Promise that never settles and sleep() all end at the planned time', async () => {
    const r = await runScript(
      'constant.js',
      `import { check, sleep } from 'k6';
       import { Counter } from 'k6/metrics';
       const stale = new Counter('stale');
       export const options = { scenarios: { c: { executor: 'constant-vus', vus: 3, duration: '1s', gracefulStop: '0s' } } };
       export default async function () {
         if (__VU === 1) { ${awaitTimer} }
         else if (__VU === 2) await new Promise(() => {});
         else {
           // The interrupted sleep throws into the iteration; k6 would run none of this.
           try { await sleep(${TIMER_MS / 1000}); }
           catch (e) { stale.add(1); check(1, { stale: () => true }); console.log('AFTER caught'); }
         }
         console.log('AFTER');
       }`,
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assertCutShort(r, 3, 'constant');
    assert.equal(count(r.samples, 'iterations'), 0);
    assert.equal(count(r.samples, 'stale'), 0);
    assert.equal(count(r.samples, 'checks'), 0);
  });

  test("an interrupted iteration's timers never fire later, while the test goes on", async () => {
    // 'cut' is interrupted at 1 s with its timer due at 1.5 s; 'keep' runs until 3 s.
    const r = await runScript(
      'later.js',
      `import { sleep } from 'k6';
       export const options = { scenarios: {
         cut: { executor: 'ramping-vus', exec: 'cut', startVUs: 1, gracefulRampDown: '0s',
                stages: [{ duration: '1s', target: 1 }, { duration: '0s', target: 0 }] },
         keep: { executor: 'constant-vus', exec: 'keep', vus: 1, duration: '3s' } } };
       export async function cut() {
         setInterval(() => console.log('${FIRED}'), 1500);
         await new Promise((resolve) => setTimeout(() => { console.log('${FIRED}'); resolve(); }, 1500));
       }
       export async function keep() { await sleep(0.25); }`,
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assertCutShort(r, 1, 'later');
    // The test ran past the timers' time: 'keep' completed iterations of 0.25 s for 3 s.
    assert.ok(r.end.complete >= 6, r.stderr);
    assert.equal(
      count(r.samples, 'iterations', (s) => s.tags.scenario === 'cut'),
      0,
    );
    assert.equal(
      r.stderr.match(/was stopped because the VU iteration was interrupted/g)?.length,
      2,
      r.stderr,
    );
  });

  test('constant-arrival-rate: the iteration holding the only VU is interrupted, the ones that found no VU are dropped', async () => {
    // Rate 2/s for 1 s with one VU: the first iteration takes the VU and awaits its timer, the
    // second finds no free VU. k6: the first is interrupted at the end (gracefulStop 0s), the second
    // is a dropped_iterations sample (an iteration never started), neither is in `iterations`.
    const r = await runScript(
      'arrival.js',
      `export const options = { scenarios: { a: { executor: 'constant-arrival-rate', rate: 2, timeUnit: '1s',
         duration: '1s', preAllocatedVUs: 1, maxVUs: 1, gracefulStop: '0s' } } };
       export default async function () {
         ${awaitTimer}
         console.log('AFTER');
       }`,
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assertCutShort(r, 1, 'arrival');
    assert.equal(r.end.complete, 0);
    assert.equal(count(r.samples, 'iterations'), 0);
    assert.equal(
      r.samples.filter((s) => s.metric === 'dropped_iterations').reduce((a, s) => a + s.value, 0),
      1,
    );
  });

  test('a hard stop ends an iteration that awaits a timer at once', async () => {
    const r = await runScript(
      'hard.js',
      `export const options = { scenarios: { c: { executor: 'constant-vus', vus: 1, duration: '60s', gracefulStop: '30s' } } };
       export default async function () {
         console.log('awaiting');
         ${awaitTimer}
       }`,
      { onText: (text, hard) => text.includes('awaiting') && hard() },
    );
    assert.equal(r.exitCode, 105, r.stderr);
    assertCutShort(r, 1, 'hard');
  });

  for (const [kind, fn, syncVus] of [
    ['plain functions', 'function', undefined],
    ['async functions', 'async function', true],
  ] as const) {
    test(`synchronous VUs (${kind}): ramp-down and gracefulStop 0s end iterations that wait for timers or sleep`, async () => {
      const body =
        fn === 'function'
          ? `setTimeout(() => console.log('${FIRED}'), ${TIMER_MS});`
          : `${awaitTimer} console.log('AFTER');`;
      const r = await runScript(
        `sync-${syncVus ?? 'auto'}.js`,
        `import { sleep } from 'k6';
         import { Counter } from 'k6/metrics';
         const stale = new Counter('stale');
         export const options = { scenarios: {
           ramp: { executor: 'ramping-vus', exec: 'timer', startVUs: 2, gracefulRampDown: '0s',
                   stages: [{ duration: '1s', target: 2 }, { duration: '1s', target: 0 }] },
           c: { executor: 'constant-vus', exec: 'slept', vus: 1, duration: '1s', gracefulStop: '0s' } } };
         export ${fn} timer() { console.log('awaiting ' + __VU); ${body} }
         export ${fn} slept() {
           try { sleep(${TIMER_MS / 1000}); } catch (e) { stale.add(1); console.log('AFTER caught'); }
         }`,
        { syncVus },
      );
      assert.equal(r.exitCode, 0, r.stderr);
      assertCutShort(r, 3, `sync ${kind}`);
      assert.equal(count(r.samples, 'iterations'), 0);
      assert.equal(count(r.samples, 'stale'), 0);
    });
  }
});
