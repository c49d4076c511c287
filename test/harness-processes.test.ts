// End to end against a Connect on loopback that exposes its jobs: the harness CLI (embedded
// engine, smoke load-soak) polls GET /v1/content/{guid}/jobs during the load and the run folder
// holds the series (processes.json), its figures (analysis.json), the chart (report.html) and one
// line in summary.md; the publisher's bundle passes the Base64 checksum check, and another user's
// item of the publisher's name is never written to.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Analysis, ProcessSeries, RunMeta } from '../harness/record/types.ts';
import { cliArgs } from './helpers/cli.ts';
import { fakeConnect } from './helpers/fake-connect.ts';

const apiKey = 'harness-processes-key-0123456789';
const ME = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const FLASK = '33333333-3333-4333-8333-333333333333';

function job(pid: number, status = 0) {
  return {
    id: String(pid),
    pid: String(pid),
    key: `k${pid}`,
    app_id: '1',
    bundle_id: '1',
    tag: 'run_python_api',
    status,
    end_time: status === 0 ? null : '2026-12-07T06:00:00Z',
    hostname: 'connect-node-1',
  };
}

let out: string;
before(async () => {
  out = await mkdtemp(join(tmpdir(), 'harness-processes-'));
});
after(async () => {
  await rm(out, { recursive: true, force: true });
});

function harness(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...cliArgs('harness'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    }),
  );
}

describe("the harness measures Connect's processes during the load", () => {
  it('writes processes.json, the figures over the steady window, the chart and one summary line', async () => {
    const connect = await fakeConnect({
      apiKey,
      me: ME,
      items: [
        { guid: FLASK, name: 'stocks', owner_guid: ME, access_type: 'all', max_processes: 2 },
        { guid: 'other-plumber', name: 'perf-plumber-stock-api', owner_guid: OTHER, access_type: 'acl' },
      ],
      // One process for the first three polls, then two (and an ended one that does not count).
      jobs: (poll) => (poll <= 3 ? [job(1001), job(900, 1)] : [job(1001), job(1002), job(900, 1)]),
    });
    try {
      const run = await harness(
        ['load-soak', '--profile', 'smoke', '--engine', 'node', '--flask-content', FLASK, '--out', out],
        { CONNECT_SERVER: connect.url, CONNECT_API_KEY: apiKey },
      );
      assert.equal(run.code, 0, run.stderr);
      const dir = /run folder: (.*)/.exec(run.stderr)?.[1] ?? '';
      const read = <T>(file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;

      const series = read<ProcessSeries>('processes.json');
      assert.equal(series.stopped, null);
      assert.equal(series.contentGuid, FLASK);
      assert.deepEqual(series.limits, { maxProcesses: 2, minProcesses: null });
      assert.ok(series.polls >= 4 && series.polls === connect.jobPolls(), `${series.polls} polls`);
      assert.equal(series.points[0].max, 1);
      assert.equal(series.points.at(-1)?.max, 2);
      assert.deepEqual(series.processes, ['connect-node-1:1001', 'connect-node-1:1002']);
      assert.deepEqual(series.hosts, ['connect-node-1']);

      const analysis = read<Analysis>('analysis.json');
      assert.equal(analysis.processes?.maxActive, 2);
      assert.equal(analysis.processes?.maxProcesses, 2);
      assert.ok(analysis.processes!.meanActive > 1 && analysis.processes!.meanActive <= 2);
      assert.equal(analysis.processes?.from, analysis.steady?.from);
      assert.ok(analysis.generator?.reasons.some((r) => r.startsWith('On the target: Connect ran')));

      const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
      assert.equal(summary.split('\n').filter((l) => l.startsWith('Connect processes: ')).length, 1);
      assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /data-chart="processes"/);
      assert.deepEqual(read<RunMeta>('run.json').options.createdContent, []);

      // The publisher made its own item; the other user's item of that name was never touched.
      const uploads = connect.seen.filter((s) => s.path.endsWith('/bundles'));
      assert.ok(uploads.length >= 1);
      assert.ok(uploads.every((u) => u.checksum === u.bodyMd5Base64));
      assert.deepEqual(connect.writesTo('other-plumber'), []);
    } finally {
      await connect.close();
    }
  });
});
