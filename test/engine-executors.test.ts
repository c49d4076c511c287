// test-tier: unit
// test-serial: checks run durations
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { arrivalOffsets } from '../engine/executors/arrival-rate.ts';
import { vuSteps } from '../engine/executors/ramping-vus.ts';
import type { Sample } from '../engine/metrics/types.ts';
import { count, run, sum, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

/** A script whose iterations last `ms` and record when they start (relative to the first). */
/**
 * How many iterations `vus` VUs fit in `windowMs` at the iterations' measured mean duration: a lower
 * bound that follows the machine's speed (a busy machine stretches each iteration), where a fixed
 * count would fail there.
 */
function fits(samples: Parameters<typeof count>[0], windowMs: number, vus: number): number {
  const durations = samples.filter((s) => s.metric === 'iteration_duration').map((s) => s.value);
  // None finished: no count can pass.
  if (durations.length === 0) return Number.POSITIVE_INFINITY;
  const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
  return Math.floor(windowMs / mean) * vus;
}

function script(name: string, options: object, ms = 50): string {
  return files.write(
    name,
    `import { sleep } from 'k6';
     import { Trend } from 'k6/metrics';
     const started = new Trend('started_at');
     export const options = ${JSON.stringify(options)};
     export default async function () {
       started.add(Date.now(), { vu: String(__VU) });
       await sleep(${ms / 1000});
     }
     export function other() {}`,
  );
}

function startOffsets(samples: Sample[]): number[] {
  const t = samples.filter((s) => s.metric === 'started_at').map((s) => s.value);
  const t0 = Math.min(...t);
  return t.map((x) => x - t0).sort((a, b) => a - b);
}

describe('engine executors', () => {
  test('vuSteps: whole-VU steps at evenly spaced times', () => {
    assert.deepEqual(vuSteps(0, [{ durationMs: 1000, target: 4 }]), [
      { atMs: 0, vus: 0 },
      { atMs: 250, vus: 1 },
      { atMs: 500, vus: 2 },
      { atMs: 750, vus: 3 },
      { atMs: 1000, vus: 4 },
    ]);
    assert.deepEqual(
      vuSteps(2, [
        { durationMs: 0, target: 5 },
        { durationMs: 100, target: 4 },
      ]),
      [
        { atMs: 0, vus: 2 },
        { atMs: 0, vus: 5 },
        { atMs: 100, vus: 4 },
      ],
    );
  });

  test('arrivalOffsets: evenly spaced for a constant rate, denser as the rate ramps up', () => {
    // One stage from `startRate` to `target` per second over `durationMs`.
    const offsets = (startRate: number, target: number, durationMs: number, firstAtStart: boolean) => [
      ...arrivalOffsets({
        startRate,
        timeUnitMs: 1000,
        stages: [{ durationMs, target }],
        preAllocatedVUs: 1,
        maxVUs: 1,
        firstAtStart,
      }),
    ];
    const constant = offsets(10, 10, 1000, true);
    assert.equal(constant.length, 10);
    assert.ok(constant.every((t, i) => Math.abs(t - i * 100) < 1e-6));
    // ramping-arrival-rate at a constant 10/s: k6 starts its first iteration after one period.
    const flat = offsets(10, 10, 1000, false);
    assert.equal(flat.length, 9, 'the one at 1 s ends the stage and is not started');
    assert.ok(flat.every((t, i) => Math.abs(t - (i + 1) * 100) < 1e-6));
    const ramp = offsets(0, 10, 2000, false);
    assert.equal(ramp.length, 10, 'integral of 0→10/s over 2 s is 10');
    assert.ok(ramp[1] - ramp[0] > ramp[9] - ramp[8], 'gaps shrink as the rate grows');
  });

  test('shared-iterations: exactly N iterations shared by the VUs', async () => {
    const r = await run({
      script: script(
        'si.js',
        { scenarios: { s: { executor: 'shared-iterations', vus: 3, iterations: 10 } } },
        10,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(count(r.samples, 'iterations'), 10);
  });

  test('shared-iterations: leftovers at maxDuration are dropped_iterations', async () => {
    const r = await run({
      script: script(
        'si-max.js',
        {
          scenarios: {
            s: {
              executor: 'shared-iterations',
              vus: 1,
              iterations: 100,
              maxDuration: '1s',
              gracefulStop: '0s',
            },
          },
        },
        50,
      ),
    });
    const done = count(r.samples, 'iterations');
    // At most what 1 s holds (k6's shortest maxDuration); at least what it holds at the speed the
    // iterations really ran.
    assert.ok(done >= fits(r.samples, 1000, 1) - 2 && done <= 21, `iterations ${done}`);
    assert.ok(sum(r.samples, 'dropped_iterations') >= 79);
  });

  test('shortcut options as k6 derives them: iterations with duration is shared-iterations with that maxDuration; stages: [] is not set', async () => {
    // 2 VUs, 100 iterations of 300 ms: a 1 s maxDuration ends them long before the pool is empty.
    const capped = await run({
      script: script('short-id.js', { vus: 2, iterations: 100, duration: '1s' }, 300),
    });
    assert.equal(capped.exitCode, 0, capped.stderr);
    const done = count(capped.samples, 'iterations');
    assert.ok(done > 0 && done < 100, `iterations ${done}`);
    assert.equal(done + sum(capped.samples, 'dropped_iterations'), 100);
    const constant = await run({
      script: script('short-empty-stages.js', { vus: 1, duration: '1s', stages: [] }, 300),
    });
    assert.equal(constant.exitCode, 0, constant.stderr);
    assert.ok(count(constant.samples, 'iterations') >= 1);
    assert.equal(count(constant.samples, 'dropped_iterations'), 0);
  });

  test('per-vu-iterations: what maxDuration leaves is dropped_iterations, one sample per VU, every VU counted', async () => {
    // 10 iterations of 300 ms cannot fit in 1 s: both VUs have leftovers, however fast the machine.
    const r = await run({
      script: script(
        'pvi-max.js',
        { scenarios: { p: { executor: 'per-vu-iterations', vus: 3, iterations: 10, maxDuration: '1s' } } },
        300,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const dropped = r.samples.filter((s) => s.metric === 'dropped_iterations');
    assert.equal(dropped.length, 3, 'one dropped_iterations sample for each VU');
    // Every iteration is either run or dropped: the VUs' leftovers all count.
    assert.equal(count(r.samples, 'iterations') + sum(r.samples, 'dropped_iterations'), 30);
  });

  test('per-vu-iterations: vus × iterations, each VU does its share', async () => {
    const r = await run({
      script: script(
        'pvi.js',
        { scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 4 } } },
        5,
      ),
    });
    assert.equal(count(r.samples, 'iterations'), 12);
    for (const vu of ['1', '2', '3'])
      assert.equal(
        count(r.samples, 'started_at', (s) => s.tags.vu === vu),
        4,
      );
  });

  test('constant-vus: N VUs loop for the duration; gracefulStop lets the last iterations finish', async () => {
    const r = await run({ script: script('cv.js', { vus: 4, duration: '1s' }, 100) });
    const it = count(r.samples, 'iterations');
    assert.ok(it >= fits(r.samples, 1000, 4) - 4 && it <= 44, `iterations ${it}`);
    assert.equal(new Set(r.samples.filter((s) => s.metric === 'started_at').map((s) => s.tags.vu)).size, 4);
  });

  test('constant-vus: iterations cut by gracefulStop are interrupted and emit no iteration samples', async () => {
    const r = await run({
      script: script(
        'cv-cut.js',
        { scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '50ms' } } },
        5000,
      ),
    });
    assert.equal(count(r.samples, 'started_at'), 2);
    assert.equal(count(r.samples, 'iterations'), 0);
    assert.equal(count(r.samples, 'iteration_duration'), 0);
    assert.ok(
      (r.summary?.state.testRunDurationMs ?? 0) < 4000,
      'interrupted, not waited for (5 s iterations)',
    );
  });

  test('ramping-vus: VU count follows the stages', async () => {
    const r = await run({
      script: script(
        'rv.js',
        {
          scenarios: {
            s: {
              executor: 'ramping-vus',
              startVUs: 0,
              stages: [
                { duration: '400ms', target: 4 },
                { duration: '400ms', target: 4 },
                { duration: '200ms', target: 0 },
              ],
              gracefulRampDown: '0s',
            },
          },
        },
        20,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const starts = r.samples.filter((s) => s.metric === 'started_at');
    const t0 = Math.min(...starts.map((s) => s.value));
    const firstStart = (vu: string) =>
      Math.min(...starts.filter((s) => s.tags.vu === vu).map((s) => s.value)) - t0;
    const vus = [...new Set(starts.map((s) => s.tags.vu))].sort();
    assert.equal(vus.length, 4);
    const firsts = vus.map(firstStart).sort((a, b) => a - b);
    // The ramp starts the VUs 100 ms apart, not all at once: the 2nd after the 1st, the 4th well
    // after the 1st. (Measured from the 1st VU's own start, which a busy machine may delay; a
    // late timer may then start two VUs in one tick, which is the ramp catching up, and how late
    // starts come is for the benchmarks, not for a test.)
    assert.ok(firsts[1] > firsts[0] && firsts[2] >= firsts[1] && firsts[3] >= firsts[2], `${firsts}`);
    assert.ok(firsts[3] >= 150, `the 4th VU starts well after the 1st: ${firsts}`);
    const lastStart = Math.max(...starts.map((s) => s.value)) - t0;
    assert.ok(lastStart < 950, `no starts after the ramp-down: ${lastStart}`);
  });

  test('constant-arrival-rate: starts at the rate; drops when VUs are insufficient', async () => {
    const ok = await run({
      script: script(
        'car.js',
        {
          scenarios: {
            s: {
              executor: 'constant-arrival-rate',
              rate: 20,
              timeUnit: '1s',
              duration: '1s',
              preAllocatedVUs: 3,
            },
          },
        },
        10,
      ),
    });
    // Every planned arrival either ran or was dropped (a busy machine may make 3 VUs too few);
    // the starts spread over the second (measured from the first start, which may come late).
    assert.equal(count(ok.samples, 'iterations') + sum(ok.samples, 'dropped_iterations'), 20);
    const gaps = startOffsets(ok.samples);
    if (gaps.length === 20) assert.ok(gaps[10] >= 400 && gaps[10] < 1000, `11th start at 500ms: ${gaps[10]}`);

    const short = await run({
      script: script(
        'car-drop.js',
        {
          scenarios: {
            s: {
              executor: 'constant-arrival-rate',
              rate: 20,
              timeUnit: '1s',
              duration: '1s',
              preAllocatedVUs: 1,
              maxVUs: 1,
            },
          },
        },
        120,
      ),
    });
    const done = count(short.samples, 'iterations');
    const dropped = sum(short.samples, 'dropped_iterations');
    assert.ok(done >= fits(short.samples, 1000, 1) - 1 && done <= 10, `iterations ${done}`);
    assert.equal(done + dropped, 20);
    // k6's line: the message, then its logger fields.
    assert.match(
      short.stderr,
      /level=warning msg="Insufficient VUs, reached 1 active VUs and cannot initialize more" executor=constant-arrival-rate scenario=s\n/,
    );
  });

  test('ramping-arrival-rate: follows the rate ramp and grows VUs up to maxVUs', async () => {
    const r = await run({
      script: script(
        'rar.js',
        {
          scenarios: {
            s: {
              executor: 'ramping-arrival-rate',
              startRate: 0,
              timeUnit: '1s',
              preAllocatedVUs: 1,
              maxVUs: 5,
              stages: [{ duration: '1s', target: 40 }],
            },
          },
        },
        60,
      ),
    });
    const done = count(r.samples, 'iterations');
    const dropped = sum(r.samples, 'dropped_iterations');
    assert.equal(done + dropped, 20);
    const maxVus = Math.max(...r.samples.filter((s) => s.metric === 'vus_max').map((s) => s.value));
    assert.ok(maxVus > 1 && maxVus <= 5, `vus_max grew: ${maxVus}`);
  });

  test('several scenarios at once, with startTime and exec', async () => {
    // setup() ends before the scenarios' clock starts, so the time it returns is a lower bound of
    // that start: a late machine can only make b's iterations start later, never earlier.
    const r = await run({
      script: files.write(
        'multi.js',
        `import { sleep } from 'k6';
         import { Trend } from 'k6/metrics';
         const since = new Trend('since_setup');
         export const options = {
           scenarios: {
             a: { executor: 'per-vu-iterations', vus: 1, iterations: 2 },
             b: { executor: 'per-vu-iterations', vus: 2, iterations: 1, startTime: '200ms', exec: 'other' },
           },
         };
         export function setup() { return Date.now(); }
         export default async function (t) { since.add(Date.now() - t); await sleep(0.01); }
         export async function other(t) { since.add(Date.now() - t); }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'iterations', (s) => s.tags.scenario === 'a'),
      2,
    );
    assert.equal(
      count(r.samples, 'iterations', (s) => s.tags.scenario === 'b'),
      2,
    );
    const starts = (scenario: string) =>
      r.samples.filter((s) => s.metric === 'since_setup' && s.tags.scenario === scenario).map((s) => s.value);
    assert.equal(starts('b').length, 2);
    assert.ok(
      Math.min(...starts('b')) >= 199,
      `b starts after its startTime: ${starts('b')} ms after setup()`,
    );
  });
});
