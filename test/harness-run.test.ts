// test-tier: unit
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verdictLines } from '../harness/pipeline/finish-run.ts';
import { phaseAt, progressText } from '../harness/pipeline/progress.ts';
import { autoVus } from '../harness/pipeline/workload.ts';
import type { Analysis, RunMeta } from '../harness/record/types.ts';
import { writeJsonAtomic } from '../harness/record/write.ts';
import { loadSoakPlan, scalabilityPlan } from '../scenarios/lib/profiles.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harness-run-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('progress', () => {
  it('names the phase of the stepped ramp and of the load-soak', () => {
    const steps = scalabilityPlan({ PROFILE: 'smoke' });
    assert.equal(phaseAt(steps, 0.5), 'level 1/3: ramp to 1 VUs');
    assert.equal(phaseAt(steps, 8), 'level 2/3: hold 2 VUs');
    assert.equal(phaseAt(steps, 99), 'finishing (publish cycle in flight)');
    const soak = loadSoakPlan({ PROFILE: 'smoke' });
    assert.equal(phaseAt(soak, 1), 'ramp to 4 VUs');
    assert.equal(phaseAt(soak, 5), 'hold 4 VUs');
  });

  it('shows phase, elapsed/planned, VUs, req/s and errors on one line', () => {
    const line = progressText(loadSoakPlan({ PROFILE: 'smoke' }), {
      elapsedS: 10,
      plannedS: 15,
      vus: 5,
      reqPerSec: 812.34,
      errors: 2,
    });
    assert.equal(line, 'load-soak hold 4 VUs | 0m10s/0m15s | 5 VUs | 812.3 req/s | 2 errors');
  });
});

describe('end-of-run lines', () => {
  it('prints the steady window and the verdict with the not-comparable note', () => {
    const analysis: Analysis = {
      kind: 'load-soak',
      steady: {
        from: 0,
        to: 10,
        excludedRampSeconds: 3,
        rps: 1620.04,
        avgMs: 221.5,
        p95Ms: 400,
        p99Ms: 500,
        errorRate: 0.0005,
        publishCycles: { completed: 9, failed: 1, avgMs: 20, p95Ms: 30 },
      },
      verdict: {
        ok: false,
        comparable: false,
        note: 'Not comparable.',
        checks: [
          {
            name: 'throughput',
            measured: 1,
            baseline: 1,
            limit: 1,
            comparison: '>=',
            ok: true,
            description: '',
          },
          {
            name: 'latency_avg',
            measured: 1,
            baseline: 1,
            limit: 1,
            comparison: '<=',
            ok: false,
            description: '',
          },
        ],
      },
      thresholds: [],
      checks: [],
    };
    assert.deepEqual(verdictLines(analysis), [
      'steady window: 1620.0 req/s, avg 221.5 ms, p95 400.0 ms, errors 0.05 %, publish cycles 9 ok / 1 failed',
      'verdict: NOT COMPARABLE with the published baseline (checks for orientation only: throughput within the limit, latency_avg outside the limit)',
      'Not comparable.',
    ]);
    assert.deepEqual(verdictLines({ kind: 'load-soak', verdict: null, thresholds: [], checks: [] }), [
      'verdict: none (nothing was measured to compare)',
    ]);
  });
});

describe('--vus auto', () => {
  async function scalabilityRun(id: string, targetKind: 'standin' | 'connect', saturationVus: number | null) {
    const run = join(dir, id);
    await mkdir(run, { recursive: true });
    const meta = {
      id,
      kind: 'scalability',
      profile: 'local',
      command: '',
      target: { url: 'http://x', kind: targetKind, comparableToBaseline: targetKind === 'connect' },
      engine: { name: 'node', version: '1' },
      gitRevision: null,
      options: {},
      startedAt: '2026-11-27T08:00:00Z',
      endedAt: '2026-11-27T08:10:00Z',
      status: 'completed',
      engineExitCode: 0,
    } satisfies RunMeta;
    await writeJsonAtomic(join(run, 'run.json'), meta);
    const saturation = { method: '', levels: [], peakRps: 1, saturationVus, thresholdFraction: 0.95 };
    await writeJsonAtomic(join(run, 'analysis.json'), {
      kind: 'scalability',
      saturation,
      verdict: null,
      thresholds: [],
      checks: [],
    });
  }

  it('takes the latest scalability run against the same kind of target, else the profile VUs', async () => {
    assert.deepEqual((await autoVus(dir, 'connect', 400)).vus, 400);
    await scalabilityRun('2026-11-27T08-00-00Z-scalability', 'connect', 350);
    await scalabilityRun('2026-11-27T09-00-00Z-scalability', 'standin', 8);
    const connect = await autoVus(dir, 'connect', 400);
    assert.equal(connect.vus, 350);
    assert.match(connect.why, /2026-11-27T08-00-00Z-scalability/);
    assert.equal((await autoVus(dir, 'standin', 16)).vus, 8);
    const none = await autoVus(join(dir, 'empty'), 'standin', 16);
    assert.equal(none.vus, 16);
    assert.match(none.why, /no completed scalability run against the stand-in .* so the profile's 16/);
  });
});
