// test-serial: signals harness runs mid-hold
// End to end: the harness CLI against the local stand-in with the embedded engine and the smoke
// profile, as `npm run scalability -- --profile smoke` runs it (about 20 s per run). Needs
// `npm run build` (dist/scenarios, dist/bundles), gunicorn and R.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConnectClient } from '../harness/connect/client.ts';
import type { Analysis, RunMeta, TimeSeries } from '../harness/record/types.ts';
import { startStandin } from '../standin/index.ts';

let out: string;
before(async () => {
  out = await mkdtemp(join(tmpdir(), 'harness-e2e-'));
});
after(async () => {
  await rm(out, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  stderr: string;
  runDir: string;
}

/** Starts the CLI as its own node process (so SIGINT reaches it, not an npm wrapper). */
function start(
  args: string[],
  env: Record<string, string> = { CONNECT_SERVER: '', CONNECT_API_KEY: '' },
): { child: ChildProcess; done: Promise<Finished>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness/commands/harness.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const done = new Promise<Finished>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      const runDir = /run folder: (.*)/.exec(stderr)?.[1] ?? '';
      resolve({ code, stderr, runDir });
    });
  });
  return { child, done, stderr: () => stderr };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function json<T>(dir: string, file: string): T {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
}

function assertReports(dir: string): void {
  for (const file of [
    'run.json',
    'summary.json',
    'samples.ndjson.gz',
    'timeseries.json',
    'publish.json',
    'node-metrics.json',
    'analysis.json',
    'report.html',
    'summary.md',
    'junit.xml',
  ]) {
    assert.ok(existsSync(join(dir, file)), `${file} is in the run folder`);
  }
}

/** Pids of gunicorn processes under `root` (the stand-in's Flask app), from /proc. */
function gunicornUnder(root: number): number[] {
  const parent = new Map<number, number>();
  const command = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      command.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8'));
    } catch {
      // The process ended while we looked.
    }
  }
  const under = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...command].filter(([pid, cmd]) => cmd.includes('gunicorn') && under(pid)).map(([pid]) => pid);
}

describe('harness end to end (stand-in, node engine, smoke profile)', { concurrency: false }, () => {
  let scalabilityDir = '';

  it('scalability: completes with a saturation point, a verdict and the three reports', async () => {
    const run = await start(['scalability', '--profile', 'smoke', '--engine', 'node', '--out', out]).done;
    assert.equal(run.code, 0, run.stderr);
    assertReports(run.runDir);
    const meta = json<RunMeta>(run.runDir, 'run.json');
    assert.equal(meta.status, 'completed');
    assert.equal(meta.target.kind, 'standin');
    assert.equal(meta.engine.name, 'node');
    const analysis = json<Analysis>(run.runDir, 'analysis.json');
    assert.ok(analysis.saturation!.levels.length >= 2, 'levels of the stepped ramp were found');
    assert.ok(analysis.saturation!.saturationVus! >= 1);
    assert.equal(analysis.verdict!.comparable, false);
    assert.match(run.stderr, /profile: smoke \(--profile\)/);
    assert.match(run.stderr, /verdict: NOT COMPARABLE with the published baseline/);
    assert.doesNotMatch(run.stderr, /verdict: (PASS|FAIL)/);
    const record =
      readFileSync(join(run.runDir, 'run.json'), 'utf8') +
      readFileSync(join(run.runDir, 'summary.md'), 'utf8');
    assert.ok(!/Key [0-9a-f]{20,}/.test(record), 'no API key in the record');
    scalabilityDir = run.runDir;
  });

  it('load-soak --vus auto: takes the saturation point of that run and judges the steady window', async () => {
    const run = await start([
      'load-soak',
      '--profile',
      'smoke',
      '--engine',
      'node',
      '--vus',
      'auto',
      '--out',
      out,
    ]).done;
    assert.equal(run.code, 0, run.stderr);
    assertReports(run.runDir);
    const saturation = json<Analysis>(scalabilityDir, 'analysis.json').saturation!;
    // N* of a good USL fit, else the 95 % level (the smoke ramp has too few levels for a good fit).
    const expected = saturation.usl?.good
      ? `VUs: ${saturation.usl.boundedVus}, N\\* of the Universal Scalability Law fitted to the latest scalability run`
      : `VUs: ${saturation.saturationVus}, the saturation point of the latest scalability run`;
    assert.match(run.stderr, new RegExp(expected));
    const analysis = json<Analysis>(run.runDir, 'analysis.json');
    assert.ok(analysis.steady!.rps > 0);
    assert.ok(analysis.steady!.excludedRampSeconds >= 1);
    assert.ok(analysis.verdict);
    assert.equal(json<RunMeta>(run.runDir, 'run.json').status, 'completed');
  });

  it("ingest of the run's own samples file gives the same series as the live stream", async () => {
    const live = json<TimeSeries>(scalabilityDir, 'timeseries.json');
    const ingestOut = join(out, 'ingested');
    const run = await start([
      'ingest',
      join(scalabilityDir, 'samples.ndjson.gz'),
      '--kind',
      'scalability',
      '--out',
      ingestOut,
    ]).done;
    assert.equal(run.code, 0, run.stderr);
    const [folder] = readdirSync(ingestOut);
    const ingested = json<TimeSeries>(join(ingestOut, folder), 'timeseries.json');
    assert.deepEqual(ingested.total, live.total);
    assert.deepEqual(ingested.endpoints, live.endpoints);
    assert.equal(ingested.malformedLines, 0);
    assert.ok(existsSync(join(ingestOut, folder, 'report.html')));
  });

  it('report renders a run folder again and compare writes a comparison of two runs', async () => {
    const report = await start(['report', scalabilityDir]).done;
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stderr, /report: .*report\.html/);
    const [soak] = readdirSync(out).filter((n) => n.endsWith('-load-soak'));
    const outFile = join(out, 'compare.html');
    const compare = await start(['compare', scalabilityDir, join(out, soak), '--out', outFile]).done;
    assert.equal(compare.code, 0, compare.stderr);
    assert.match(readFileSync(outFile, 'utf8'), /<html/i);
  });

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
    await new Promise((resolve) => setTimeout(resolve, 5000));
    // Kill the Flask app for two seconds (the stand-in restarts crashed apps, as Connect does).
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

  it('against a Connect server: fails fast on a bad key or a missing Flask content, exit 2, before any load', async () => {
    const apiKey = 'e2e-remote-key-0123456789';
    const standin = await startStandin({ apiKey, port: 0, host: '127.0.0.1' });
    try {
      const badKey = await start(['load-soak', '--publish-fixtures', '--out', join(out, 'remote')], {
        CONNECT_SERVER: standin.url,
        CONNECT_API_KEY: 'not-the-key-at-all',
      }).done;
      assert.equal(badKey.code, 2, badKey.stderr);
      assert.match(badKey.stderr, /HTTP 401.*CONNECT_API_KEY/);
      assert.ok(!badKey.stderr.includes('not-the-key-at-all'));
      const noFlask = await start(['load-soak', '--out', join(out, 'remote')], {
        CONNECT_SERVER: standin.url,
        CONNECT_API_KEY: apiKey,
      }).done;
      assert.equal(noFlask.code, 2);
      assert.match(noFlask.stderr, /pass --flask-content <guid or URL> .* or --publish-fixtures/);
      const noKey = await start(['scalability'], { CONNECT_SERVER: standin.url, CONNECT_API_KEY: '' }).done;
      assert.equal(noKey.code, 2);
      assert.match(noKey.stderr, /CONNECT_API_KEY is not/);
      assert.ok(!existsSync(join(out, 'remote')), 'no run folder before the target passed its checks');
    } finally {
      await standin.stop();
    }
  });

  it('against a Connect server with --publish-fixtures: runs, keeps the key out of the record and cleans up', async () => {
    const apiKey = 'e2e-remote-key-abcdef0123';
    const standin = await startStandin({ apiKey, port: 0, host: '127.0.0.1' });
    try {
      const run = await start(
        ['load-soak', '--profile', 'smoke', '--publish-fixtures', '--out', join(out, 'remote')],
        {
          CONNECT_SERVER: `${standin.url}/`,
          CONNECT_API_KEY: apiKey,
        },
      ).done;
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /profile: smoke/);
      const meta = json<RunMeta>(run.runDir, 'run.json');
      assert.equal(meta.target.kind, 'connect');
      assert.equal(meta.target.comparableToBaseline, true);
      assert.equal(json<Analysis>(run.runDir, 'analysis.json').verdict!.comparable, true);
      for (const file of readdirSync(run.runDir).filter((f) => !f.endsWith('.gz'))) {
        assert.ok(
          !readFileSync(join(run.runDir, file), 'utf8').includes(apiKey),
          `${file} does not hold the API key`,
        );
      }
      const client = createConnectClient({ server: standin.url, apiKey });
      assert.equal(
        await client.findContentByName('perf-flask-stock-api'),
        null,
        'the published Flask fixture was deleted',
      );
    } finally {
      await standin.stop();
    }
  });
});
