// Connect's processes as a measured series: the poller against a loopback server that serves job
// lists changing over time (the shape of GET /v1/content/{guid}/jobs), a server without the
// endpoint (404), a poll that fails, the bounded buckets, and processes.json in the run record.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processFigures } from '../harness/analysis/processes.ts';
import { createConnectClient } from '../harness/connect/client.ts';
import { ProcessBuckets, startProcessPoller } from '../harness/connect/process-poller.ts';
import { runPath } from '../harness/record/paths.ts';
import { writeProcesses } from '../harness/record/processes.ts';
import { readRun } from '../harness/record/read.ts';
import type { ProcessSeries } from '../harness/record/types.ts';
import { startServer } from './engine-fixtures.ts';
import { soakRun, writeRun } from './helpers/run-fixtures.ts';

const apiKey = 'process-series-key-0123456789';
const GUID = '6f1c1c3e-0000-4000-8000-000000000001';

function job(pid: number, host: string, extra: Record<string, unknown> = {}) {
  return {
    id: String(pid * 10),
    ppid: '1',
    pid: String(pid),
    key: `k${pid}`,
    remote_id: null,
    app_id: '7',
    variant_id: '0',
    bundle_id: '3',
    start_time: '2026-12-07T06:00:00Z',
    end_time: null,
    last_heartbeat_time: '2026-12-07T06:00:05Z',
    queued_time: null,
    queue_name: null,
    tag: 'run_python_api',
    exit_code: null,
    status: 0,
    hostname: host,
    cluster: null,
    image: null,
    run_as: 'rstudio-connect',
    ...extra,
  };
}

/** Job lists in phases; `waitFor(n)` resolves once the server has answered n polls. */
async function jobsServer(phases: Array<{ polls: number; answer: () => [number, unknown] }>) {
  let polls = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = await startServer((req, res) => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Key ${apiKey}`) return send(401, { code: 30, error: 'bad key' });
    if (req.url === `/__api__/v1/content/${GUID}`) {
      return send(200, { guid: GUID, name: 'flask', max_processes: 3, min_processes: null });
    }
    if (req.url !== `/__api__/v1/content/${GUID}/jobs`) return send(404, { code: 4, error: 'no route' });
    polls += 1;
    let seen = 0;
    const phase =
      phases.find((p) => {
        seen += p.polls;
        return seen >= polls;
      }) ?? phases[phases.length - 1];
    const [status, body] = phase.answer();
    send(status, body);
    for (const w of waiters.filter((w) => polls >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  return {
    ...server,
    polls: () => polls,
    waitFor: (n: number) =>
      new Promise<void>((resolve) => (polls >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

describe('the process poller', () => {
  it('counts the active app jobs as they change, with max_processes and the distinct pids and hosts', async () => {
    const server = await jobsServer([
      {
        polls: 3,
        // One Flask process; an ended one, a finished one and an environment build do not count.
        answer: () => [
          200,
          [
            job(101, 'node-a'),
            job(90, 'node-a', { end_time: '2026-12-07T06:00:03Z', status: 1, exit_code: 0 }),
            job(91, 'node-a', { status: 2 }),
            job(92, 'node-a', { tag: 'python_restore' }),
          ],
        ],
      },
      { polls: 1_000_000, answer: () => [200, [job(101, 'node-a'), job(102, 'node-a'), job(201, 'node-b')]] },
    ]);
    try {
      const client = createConnectClient({ server: server.url, apiKey });
      const poller = startProcessPoller({ client, guid: GUID, intervalMs: 20 });
      await server.waitFor(6);
      const series = await poller.stop();
      assert.equal(series.stopped, null);
      assert.ok(series.polls >= 6, `${series.polls} polls`);
      assert.deepEqual(series.limits, { maxProcesses: 3, minProcesses: null });
      assert.equal(series.stepSeconds, 1);
      const maxima = series.points.map((p) => p.max);
      assert.equal(Math.max(...maxima), 3);
      assert.ok(series.points.every((p) => p.active >= 1 && p.active <= 3));
      assert.equal(series.points[0].active <= series.points.at(-1)!.active, true);
      assert.deepEqual([...series.processes].sort(), ['node-a:101', 'node-a:102', 'node-b:201']);
      assert.deepEqual([...series.hosts].sort(), ['node-a', 'node-b']);
      // Stopped means stopped: no poll after stop() returned.
      const after = server.polls();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(server.polls(), after);
      assert.equal(await poller.stop(), await poller.stop(), 'stop() twice is the same result');
    } finally {
      await server.close();
    }
  });

  it('a server without the jobs endpoint (404) gives one sentence and no failure', async () => {
    const server = await jobsServer([{ polls: 1, answer: () => [404, { code: 4, error: 'Not found' }] }]);
    try {
      const poller = startProcessPoller({
        client: createConnectClient({ server: server.url, apiKey }),
        guid: GUID,
        intervalMs: 20,
      });
      await server.waitFor(1);
      const series = await poller.stop();
      assert.equal(series.polls, 0);
      assert.deepEqual(series.points, []);
      assert.match(
        series.stopped ?? '',
        /^This server does not expose GET \/v1\/content\/.+\/jobs \(HTTP 404\), so Connect's process count was not measured\.$/,
      );
      assert.equal(server.polls(), 1, 'no poll after the 404');
    } finally {
      await server.close();
    }
  });

  it('a failing poll stops the polling with a sentence and keeps what was measured', async () => {
    const server = await jobsServer([
      { polls: 2, answer: () => [200, [job(101, 'node-a')]] },
      { polls: 1, answer: () => [500, { code: 0, error: 'database locked' }] },
    ]);
    try {
      const poller = startProcessPoller({
        client: createConnectClient({ server: server.url, apiKey }),
        guid: GUID,
        intervalMs: 20,
      });
      await server.waitFor(3);
      const series = await poller.stop();
      assert.equal(series.polls, 2);
      assert.equal(series.points.at(-1)?.max, 1);
      assert.match(
        series.stopped ?? '',
        /stopped after 2 answered polls: .*HTTP 500.*database locked.*The series covers the time before\./,
      );
      const bad = await jobsServer([{ polls: 1, answer: () => [200, { not: 'a list' }] }]);
      try {
        const p = startProcessPoller({
          client: createConnectClient({ server: bad.url, apiKey }),
          guid: GUID,
        });
        await bad.waitFor(1);
        assert.match((await p.stop()).stopped ?? '', /the jobs answer is not a list/);
      } finally {
        await bad.close();
      }
    } finally {
      await server.close();
    }
  });

  it('keeps memory bounded: buckets double, means stay exact and the max is kept', () => {
    const buckets = new ProcessBuckets(4);
    for (let t = 0; t < 10; t++) buckets.add(1000 + t, t === 5 ? 9 : 1);
    assert.ok(buckets.points.length <= 4, `${buckets.points.length} points`);
    assert.equal(buckets.step, 4);
    const t1004 = buckets.points.find((p) => p.t === 1004);
    assert.deepEqual(t1004, { t: 1004, active: 3, max: 9 });
    const all = buckets.points.reduce((n, p) => n + p.active * Math.min(buckets.step, 1010 - p.t), 0);
    assert.equal(all, 18, 'the sum of the counts survives the merges');
  });
});

describe('processes.json in the run record and the analysis', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'processes-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is written atomically, read back with its shape checked, and a damaged file is named', async () => {
    const parts = soakRun(3);
    const dir = await writeRun(join(root, 'ok'), { ...parts, processes: undefined });
    await writeProcesses(dir, parts.processes!);
    assert.deepEqual((await readRun(dir)).processes, parts.processes);
    await assert.rejects(
      writeProcesses(dir, { ...parts.processes!, points: [{ t: 1 }] } as unknown as ProcessSeries),
      /Refusing to write a malformed processes\.json: points must be/,
    );
    await writeFile(runPath(dir, 'processes'), JSON.stringify({ ...parts.processes, stepSeconds: 0 }));
    const damaged = await readRun(dir);
    assert.equal(damaged.processes, undefined);
    assert.ok(damaged.missing.some((l) => /processes\.json is not a process series \(stepSeconds/.test(l)));
  });

  it('gives the figures over the measured window and says when the process limit was reached', () => {
    const series: ProcessSeries = {
      contentGuid: GUID,
      limits: { maxProcesses: 3, minProcesses: null },
      stepSeconds: 1,
      points: [0, 1, 2, 3, 4, 5].map((s) => ({ t: 100 + s, active: s < 2 ? 1 : 3, max: s < 2 ? 1 : 3 })),
      processes: [],
      hosts: [],
      polls: 6,
      stopped: null,
    };
    const busy = processFigures(series, 102, 105, 'the steady window');
    assert.deepEqual([busy?.meanActive, busy?.maxActive, busy?.maxProcesses], [3, 3, 3]);
    assert.match(busy?.note ?? '', /3 of 3 allowed processes \(max_processes 3\) were running/);
    const room = processFigures(series, 100, 101, 'the 2 VUs level');
    assert.match(
      room?.note ?? '',
      /Connect ran 1 Flask process on average \(at most 1\) over the 2 VUs level, of 3 allowed .*could still have started more/,
    );
    const unset = processFigures(
      { ...series, limits: { maxProcesses: null, minProcesses: null } },
      100,
      105,
      'w',
    );
    assert.match(
      unset?.note ?? '',
      /sets no max_processes, so the server default \(Scheduler\.MaxProcesses\) applies/,
    );
    assert.equal(processFigures(series, 200, 300, 'w'), null, 'no poll in the window');
    assert.equal(processFigures(null, 100, 105, 'w'), null);
  });
});
