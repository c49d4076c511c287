// test-tier: unit
// The lines k6 prints about the scenarios before a run (grafana/k6 internal/cmd/ui.go and each
// executor's GetDescription): the docs' scenarios page shows them for its two-scenario example.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { describeScenario, executionPlan } from '../engine/executors/plan.ts';
import { deriveScenarios, mergeOptions } from '../engine/options.ts';
import { run, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

const scenarios = (s: Record<string, unknown>) => deriveScenarios(mergeOptions({ scenarios: s }, {}));

describe('the scenarios k6 describes before the run', () => {
  test('each executor in k6 words, with exec only when the scenario names it', () => {
    const [shared, perVu, constant, ramping, car, rar] = scenarios({
      a: { executor: 'shared-iterations', vus: 10, iterations: 100 },
      b: { executor: 'per-vu-iterations', vus: 10, iterations: 10, startTime: '10s', exec: 'default' },
      c: { executor: 'constant-vus', vus: 5, duration: '5s', gracefulStop: '0s' },
      d: {
        executor: 'ramping-vus',
        startVUs: 0,
        stages: [
          { duration: '20s', target: 10 },
          { duration: '10s', target: 0 },
        ],
        gracefulRampDown: '0s',
      },
      e: { executor: 'constant-arrival-rate', rate: 90, timeUnit: '1m', duration: '5m', preAllocatedVUs: 10 },
      f: {
        executor: 'ramping-arrival-rate',
        startRate: 50,
        stages: [{ target: 200, duration: '30s' }],
        preAllocatedVUs: 50,
        maxVUs: 100,
      },
    });
    assert.equal(
      describeScenario(shared, false),
      '100 iterations shared among 10 VUs (maxDuration: 10m0s, gracefulStop: 30s)',
    );
    assert.equal(
      describeScenario(perVu, true),
      '10 iterations for each of 10 VUs (maxDuration: 10m0s, exec: default, startTime: 10s, gracefulStop: 30s)',
    );
    assert.equal(describeScenario(constant, false), '5 looping VUs for 5s');
    assert.equal(
      describeScenario(ramping, false),
      'Up to 10 looping VUs for 30s over 2 stages (gracefulRampDown: 0s, gracefulStop: 30s)',
    );
    assert.equal(describeScenario(car, false), '1.50 iterations/s for 5m0s (maxVUs: 10, gracefulStop: 30s)');
    assert.equal(
      describeScenario(rar, false),
      'Up to 200.00 iterations/s for 30s over 1 stages (maxVUs: 50-100, gracefulStop: 30s)',
    );
  });

  test('max VUs: scenarios that may overlap (gracefulStop included) add up, later ones reuse VUs', () => {
    // The docs' example: shared-iterations may last 10m30s, so the per-VU scenario at 10s overlaps.
    assert.deepEqual(
      executionPlan(
        scenarios({
          shared: { executor: 'shared-iterations', vus: 10, iterations: 100 },
          later: { executor: 'per-vu-iterations', vus: 10, iterations: 10, startTime: '10s' },
        }),
      ),
      { maxVUs: 20, endMs: 640_000 },
    );
    // Without gracefulStop the first is over before the second starts.
    assert.deepEqual(
      executionPlan(
        scenarios({
          first: { executor: 'constant-vus', vus: 7, duration: '10s', gracefulStop: '0s' },
          second: { executor: 'constant-vus', vus: 3, duration: '10s', startTime: '10s' },
        }),
      ),
      { maxVUs: 7, endMs: 50_000 },
    );
    // A ramp down keeps its VUs for gracefulRampDown: 4 VUs until 1s after the drop at 10s,
    // which a scenario starting at 10.5s overlaps.
    const ramp = {
      executor: 'ramping-vus',
      startVUs: 4,
      stages: [
        { duration: '10s', target: 4 },
        { duration: '0s', target: 0 },
        { duration: '10s', target: 0 },
      ],
      gracefulStop: '0s',
    };
    const other = {
      executor: 'constant-vus',
      vus: 1,
      duration: '1s',
      startTime: '10500ms',
      gracefulStop: '0s',
    };
    assert.equal(executionPlan(scenarios({ ramp: { ...ramp, gracefulRampDown: '1s' }, other })).maxVUs, 5);
    assert.equal(executionPlan(scenarios({ ramp: { ...ramp, gracefulRampDown: '0s' }, other })).maxVUs, 4);
  });

  test('a run prints the header and lines, sorted by start time then name', async () => {
    const r = await run({
      quiet: false,
      script: files.write(
        'two.js',
        `export const options = { scenarios: {
  zeta: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '5s', gracefulStop: '0s' },
  alpha: { executor: 'per-vu-iterations', vus: 2, iterations: 1, maxDuration: '5s', startTime: '100ms', exec: 'other' },
  beta: { executor: 'shared-iterations', vus: 1, iterations: 1, maxDuration: '5s' },
} };
export default function () {}
export function other() {}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const at = r.stderr.indexOf('     scenarios:');
    assert.ok(at >= 0, r.stderr);
    assert.deepEqual(r.stderr.slice(at).split('\n').slice(0, 4), [
      '     scenarios: (100.00%) 3 scenarios, 4 max VUs, 35.1s max duration (incl. graceful stop):',
      '              * beta: 1 iterations shared among 1 VUs (maxDuration: 5s, gracefulStop: 30s)',
      '              * zeta: 1 iterations shared among 1 VUs (maxDuration: 5s)',
      '              * alpha: 1 iterations for each of 2 VUs (maxDuration: 5s, exec: other, startTime: 100ms, gracefulStop: 30s)',
    ]);
  });
});
