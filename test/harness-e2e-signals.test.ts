// test-serial: signals harness runs mid-hold
// End to end, stopped and hurt on purpose: Ctrl-C in the hold, while the stand-in is prepared, a
// second Ctrl-C, and the Flask app killed mid-run, with the harness CLI against the local stand-in
// (embedded engine, smoke profile). Needs `npm run build`, gunicorn and R.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NdjsonTail } from '../engine/adapters/ndjson-tail.ts';
import type { Analysis, RunMeta, TimeSeries } from '../harness/record/types.ts';
import { assertReports, gunicornUnder, json, start, until } from './helpers/harness-run.ts';

let out: string;
before(async () => {
  out = await mkdtemp(join(tmpdir(), 'harness-e2e-'));
});
after(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('harness end to end, stopped and hurt (stand-in, node engine, smoke profile)', {
  concurrency: false,
}, () => {
  it('Ctrl-C stops the run gracefully and still leaves a complete record marked interrupted', async () => {
    const run = start(['load-soak', '--profile', 'smoke', '--engine', 'node', '--out', join(out, 'sigint')]);
    await until(() => /run folder: /.test(run.stderr()), 60_000, 'the run to start');
    await new Promise((resolve) => setTimeout(resolve, 4000));
    run.child.kill('SIGINT');
    const finished = await run.done;
    assert.equal(finished.code, 130, finished.stderr);
    assert.match(finished.stderr, /Ctrl-C \(SIGINT\) received: stopping the load gracefully/);
    assertReports(finished.runDir);
    const meta = json<RunMeta>(finished.runDir, 'run.json');
    assert.equal(meta.status, 'interrupted');
    assert.ok(meta.endedAt);
    assert.match(
      readFileSync(join(finished.runDir, 'report.html'), 'utf8'),
      /stopped before its planned end/,
    );
    assert.ok(json<TimeSeries>(finished.runDir, 'timeseries.json').total.some((p) => p.reqs > 0));
  });

  it('Ctrl-C while the stand-in is being prepared stops and leaves no app running', async () => {
    const run = start(['load-soak', '--profile', 'smoke', '--engine', 'node', '--out', join(out, 'early')]);
    let apps: number[] = [];
    await until(
      () => {
        apps = gunicornUnder(run.child.pid!);
        return apps.length > 0;
      },
      30_000,
      'the Flask app to start',
    );
    run.child.kill('SIGINT');
    const finished = await run.done;
    assert.equal(finished.code, 130, finished.stderr);
    // Usually still preparing; on a fast machine the load may just have started.
    assert.match(finished.stderr, /stopping before the load starts|stopping the load gracefully/);
    const alive = apps.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, [], 'the stand-in stopped its Flask app');
  });

  it('a second Ctrl-C stops at once and the record is still written', async () => {
    const run = start(['load-soak', '--profile', 'smoke', '--engine', 'node', '--out', join(out, 'sigint2')]);
    await until(() => /run folder: /.test(run.stderr()), 60_000, 'the run to start');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    run.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    run.child.kill('SIGINT');
    const finished = await run.done;
    assert.equal(finished.code, 130, finished.stderr);
    assert.match(finished.stderr, /Ctrl-C \(SIGINT\) received: stopping at once/);
    assert.equal(json<RunMeta>(finished.runDir, 'run.json').status, 'interrupted');
    assert.ok(existsSync(join(finished.runDir, 'report.html')));
  });

  it('the Flask app dying mid-run shows as errors and the run still completes', async () => {
    const run = start(['load-soak', '--profile', 'smoke', '--engine', 'node', '--out', join(out, 'dying')]);
    await until(() => /run folder: /.test(run.stderr()), 60_000, 'the run to start');
    // Once the fetchers' first request is in the samples file (the load is under way), kill the
    // Flask app for two seconds (the stand-in restarts crashed apps, as Connect does).
    const runDir = /run folder: (.*)/.exec(run.stderr())![1];
    let fetching = false;
    const samples = new NdjsonTail(join(runDir, 'samples.ndjson.gz'), (batch) => {
      fetching ||= batch.some((x) => x.metric === 'http_reqs' && x.tags.scenario === 'fetchers');
    });
    const deadline = Date.now() + 120_000;
    while (!fetching && Date.now() < deadline) {
      await samples.poll();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(fetching, 'the fetchers started');
    const stopAt = Date.now() + 2000;
    let killed = 0;
    while (Date.now() < stopAt) {
      for (const pid of gunicornUnder(run.child.pid!)) {
        try {
          process.kill(pid, 'SIGKILL');
          killed++;
        } catch {
          // Already gone.
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(killed > 0, 'the Flask app was found and killed');
    const finished = await run.done;
    // The fetchers' error-rate threshold is expected to fail (99); the run itself completes.
    assert.ok(finished.code === 0 || finished.code === 99, finished.stderr);
    assertReports(finished.runDir);
    assert.equal(json<RunMeta>(finished.runDir, 'run.json').status, 'completed');
    const series = json<TimeSeries>(finished.runDir, 'timeseries.json');
    const failed = series.byScenario.fetchers.reduce((sum, p) => sum + p.failed, 0);
    assert.ok(failed > 0, 'failed requests are in the time series');
    assert.ok(Object.keys(series.errorsByStatus).length > 0, 'errors by status are in the time series');
    const analysis = json<Analysis>(finished.runDir, 'analysis.json');
    assert.ok(analysis.steady!.errorRate > 0);
  });
});
