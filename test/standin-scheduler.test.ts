// The stand-in's process scheduler against real gunicorn processes: how many processes a burst
// starts, which process serves each request, what a full house answers, min_processes and
// idle_timeout, settings changes on running content, and environment changes recycling processes.
// The app holds each /hold request until the test opens a gate (a file), so the test waits for
// events (a request has reached a process, an answer came) and never for an amount of time.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Standin, startStandin } from '../standin/index.ts';
import { after as later } from '../standin/scheduler.ts';
import { alive, assertError, clientOf, environOf, eventually, key } from './helpers/standin-client.ts';
import { bundleOf, manifestEntry } from './hostile-archives.ts';

let standin: Standin;
let gates: string;
const { call, api, deployed } = clientOf(() => standin);

/**
 * A Flask app under gunicorn: /pid answers its process's pid (gunicorn's master, the process the
 * stand-in started and its jobs list) and MARK; /hold/<name> writes gate/<name>.<pid> when it
 * arrives, then waits (at most 120 s) for gate/open-<name> or gate/open-all before answering its pid.
 */
function holdingApp(gate: string): Buffer {
  const source = `import os, time
from flask import Flask
app = Flask(__name__)
GATE = ${JSON.stringify(gate)}

@app.get("/pid")
def pid():
    return {"pid": os.getppid(), "mark": os.environ.get("MARK")}

@app.get("/hold/<name>")
def hold(name):
    open(os.path.join(GATE, "%s.%d" % (name, os.getppid())), "w").close()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if os.path.exists(os.path.join(GATE, "open-" + name)) or os.path.exists(os.path.join(GATE, "open-all")):
            break
        time.sleep(0.02)
    return {"pid": os.getppid()}
`;
  return bundleOf([
    manifestEntry({ appmode: 'python-api', entrypoint: 'app' }),
    { path: 'app.py', body: source },
  ]);
}

/** A content item running the holding app, with its own gate folder. */
async function holding(fields: Record<string, unknown>) {
  const gate = await mkdtemp(join(gates, 'gate-'));
  const { guid } = await deployed(holdingApp(gate), { access_type: 'all', ...fields }, 'sched');
  /** Sends /hold/<name>; resolves with the answer once the gate opens (or a refusal at once). */
  const hold = (name: string) => call('GET', `/content/${guid}/hold/${name}`);
  /** The pids of the processes that received /hold/<name> requests, once `count` of them arrived. */
  const arrived = async (name: string, count: number) => {
    const seen = () => readdirSync(gate).filter((f) => f.startsWith(`${name}.`));
    assert.ok(await eventually(() => seen().length >= count, 60_000), `${count} ${name} request(s) arrived`);
    return seen().map((f) => Number(f.split('.')[1]));
  };
  const open = (name = 'all') => writeFile(join(gate, `open-${name}`), '');
  return { guid, gate, hold, arrived, open };
}

// biome-ignore lint/suspicious/noExplicitAny: job records are JSON
const jobsOf = async (guid: string): Promise<any[]> => {
  const res = await api('GET', `v1/content/${guid}/jobs`);
  assert.equal(res.status, 200, res.text);
  return res.body;
};
const activeRuns = async (guid: string) =>
  (await jobsOf(guid)).filter((j) => j.status === 0 && j.tag.startsWith('run_')).map((j) => Number(j.pid));

/** Waits until the content's active app processes (by its jobs) satisfy `ok`, up to a minute. */
async function eventuallyRuns(guid: string, ok: (runs: number[]) => boolean): Promise<number[]> {
  let runs: number[] = [];
  for (let tries = 0; tries < 600; tries += 1) {
    runs = await activeRuns(guid);
    if (ok(runs)) return runs;
    await sleep(100);
  }
  assert.fail(`the active processes never became as expected; last seen: ${runs.join(', ') || 'none'}`);
}

/** Waits until the content has `count` active app processes (by its jobs), up to a minute. */
const runsBecome = (guid: string, count: number) => eventuallyRuns(guid, (runs) => runs.length === count);

describe('stand-in scheduler', () => {
  before(async () => {
    gates = await mkdtemp(join(tmpdir(), 'standin-sched-'));
    standin = await startStandin({ apiKey: key, dataDir: join(gates, 'data') });
  });

  after(async () => {
    await standin.stop();
    await rm(gates, { recursive: true, force: true });
  });

  test('max_processes=2, max_conns_per_process=1: a burst of six is served by both processes, the rest refused', async () => {
    const app = await holding({ max_processes: 2, max_conns_per_process: 1, idle_timeout: 600 });
    const burst = Array.from({ length: 6 }, () => app.hold('burst'));
    const pids = await app.arrived('burst', 2);
    assert.equal(new Set(pids).size, 2, 'each process got one request');
    await app.open();
    const answers = await Promise.all(burst);
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    assert.equal(served.length, 2, answers.map((a) => a.status).join(' '));
    assert.equal(refused.length, 4, 'max_processes x max_conns_per_process = 2 requests at most in flight');
    assert.match(refused[0].text, /at capacity/);
    assert.deepEqual(served.map((a) => a.body.pid).sort(), [...pids].sort());
    assert.deepEqual((await activeRuns(app.guid)).sort(), [...pids].sort(), 'the jobs list both processes');
  });

  test('cold content with max_processes=3: a burst starts three processes; a fourth request is refused', async () => {
    const app = await holding({ max_processes: 3, max_conns_per_process: 1, idle_timeout: 600 });
    const burst = Array.from({ length: 3 }, () => app.hold('cold'));
    const pids = await app.arrived('cold', 3);
    assert.equal(new Set(pids).size, 3, 'three processes, one request each');
    const full = await app.hold('extra');
    assert.equal(full.status, 503, full.text);
    await app.open();
    assert.deepEqual(
      (await Promise.all(burst)).map((a) => a.status),
      [200, 200, 200],
    );
    assert.equal((await activeRuns(app.guid)).length, 3);
  });

  test('load_factor: at 1.0 a second request shares the process; at 0.0 it starts a second one', async () => {
    const lazy = await holding({
      max_processes: 2,
      max_conns_per_process: 2,
      load_factor: 1,
      idle_timeout: 600,
    });
    const lazyHolds = [lazy.hold('a')];
    await lazy.arrived('a', 1);
    lazyHolds.push(lazy.hold('b'));
    const [lazyB] = await lazy.arrived('b', 1);
    const [lazyA] = await lazy.arrived('a', 1);
    assert.equal(lazyB, lazyA, 'the second request went to the process that had room');
    await lazy.open();
    await Promise.all(lazyHolds);
    assert.equal((await call('GET', `/content/${lazy.guid}/pid`)).status, 200);
    assert.equal((await jobsOf(lazy.guid)).filter((j) => j.tag === 'run_python_api').length, 1);

    const eager = await holding({
      max_processes: 2,
      max_conns_per_process: 2,
      load_factor: 0,
      idle_timeout: 600,
    });
    const eagerHolds = [eager.hold('a')];
    await eager.arrived('a', 1);
    eagerHolds.push(eager.hold('b'));
    await eager.arrived('b', 1);
    assert.equal((await runsBecome(eager.guid, 2)).length, 2, 'load_factor 0 starts a process per request');
    await eager.open();
    await Promise.all(eagerHolds);
  });

  test('min_processes 2 keeps two warm (a crashed one is replaced); back to 0 they stop after idle_timeout', async () => {
    const app = await holding({ min_processes: 2, idle_timeout: 1 });
    const warm = await runsBecome(app.guid, 2);
    // Both have started (a job is listed from its spawn; the stand-in serves from a process once it answers).
    const serving = () => standin.processes().filter((p) => p.contentGuid === app.guid).length;
    assert.ok(await eventually(() => serving() === 2, 60_000), 'both warm processes answer');
    assert.equal((await call('GET', `/content/${app.guid}/pid`)).status, 200);
    assert.deepEqual((await activeRuns(app.guid)).sort(), [...warm].sort(), 'min_processes kept both');
    process.kill(warm[0], 'SIGKILL');
    const replaced = await eventuallyRuns(app.guid, (runs) => runs.length === 2 && !runs.includes(warm[0]));
    assert.ok(replaced.includes(warm[1]), 'a crashed process is replaced, the other kept');
    warm.splice(0, 2, ...replaced);
    const patched = await api('PATCH', `v1/content/${app.guid}`, { min_processes: 0 });
    assert.equal(patched.status, 200, patched.text);
    await runsBecome(app.guid, 0);
    assert.ok(await eventually(() => warm.every((pid) => !alive(pid)), 10_000), 'the processes exited');
    const finished = (await jobsOf(app.guid)).filter((j) => j.tag === 'run_python_api');
    assert.ok(finished.every((j) => j.status !== 0 && j.end_time !== null));
    assert.equal((await api('PATCH', `v1/content/${app.guid}`, { min_processes: 1 })).status, 200);
    await runsBecome(app.guid, 1);
  });

  test('changed environment variables: new requests get a new process, the old one finishes and stops', async () => {
    const app = await holding({ idle_timeout: 600 });
    const first = await call('GET', `/content/${app.guid}/pid`);
    const old = first.body.pid as number;
    const held = app.hold('inflight');
    await app.arrived('inflight', 1);
    const patched = await api('PATCH', `v1/content/${app.guid}/environment`, [
      { name: 'MARK', value: 'two' },
    ]);
    assert.equal(patched.status, 200, patched.text);
    const next = await call('GET', `/content/${app.guid}/pid`);
    assert.notEqual(next.body.pid, old, 'a new process serves new requests');
    assert.equal(next.body.mark, 'two');
    assert.equal(environOf(next.body.pid, 'MARK'), 'two');
    assert.ok(alive(old), 'the old process still serves its request');
    await app.open();
    const answer = await held;
    assert.equal(answer.status, 200);
    assert.equal(answer.body.pid, old, 'the request in flight finished on the old process');
    assert.ok(await eventually(() => !alive(old), 15_000), 'then the old process stopped');
    assert.deepEqual(await runsBecome(app.guid, 1), [next.body.pid]);
  });

  test("restart: Connect's API has no restart endpoint; clients restart by setting and removing a variable", async () => {
    const app = await holding({ idle_timeout: 600 });
    const before = (await call('GET', `/content/${app.guid}/pid`)).body.pid;
    assertError(await api('POST', `v1/content/${app.guid}/restart`), 404, 2);
    // What posit-sdk-py's Content.restart() and connectapi's content_restart() send.
    const name = `_CONNECT_RESTART_TMP_${Math.floor(Date.now() / 1000)}`;
    assert.equal(
      (await api('PATCH', `v1/content/${app.guid}/environment`, [{ name, value: '1' }])).status,
      200,
    );
    assert.equal(
      (await api('PATCH', `v1/content/${app.guid}/environment`, [{ name, value: null }])).status,
      200,
    );
    const after = await call('GET', `/content/${app.guid}/pid`);
    assert.equal(after.status, 200);
    assert.notEqual(after.body.pid, before, 'the restart gave a new process');
    assert.ok(await eventually(() => !alive(before), 15_000));
  });

  test('idle_timeout and init_timeout at Connect’s maximum (30 days) neither fire at once nor fail', async () => {
    const app = await holding({ idle_timeout: 2_592_000, init_timeout: 2_592_000 });
    const first = await call('GET', `/content/${app.guid}/pid`);
    assert.equal(first.status, 200, first.text);
    // An overflowing Node timer fires after 1 ms; the process must outlive a second of idleness.
    await sleep(1000);
    const second = await call('GET', `/content/${app.guid}/pid`);
    assert.equal(second.body.pid, first.body.pid);
    assert.ok(alive(first.body.pid));
  });

  test('a chained timer waits past Node’s 2^31-1 ms limit instead of firing at once', async () => {
    let fired = false;
    const timer = later(2 ** 31 + 1000, () => {
      fired = true;
    });
    await sleep(200);
    timer.cancel();
    assert.equal(fired, false);
    let soon = false;
    await new Promise<void>((resolve) =>
      later(5, () => {
        soon = true;
        resolve();
      }),
    );
    assert.equal(soon, true);
  });

  test('an idle process stops after idle_timeout; its job is finished, then finalized once its TMPDIR is gone', async () => {
    const app = await holding({ idle_timeout: 1 });
    const held = app.hold('one');
    const [pid] = await app.arrived('one', 1);
    const tmp = environOf(pid, 'TMPDIR') ?? '';
    assert.ok(tmp !== '' && existsSync(tmp));
    await app.open();
    assert.equal((await held).status, 200);
    await runsBecome(app.guid, 0);
    assert.ok(await eventually(() => !existsSync(tmp), 10_000), 'its TMPDIR was removed');
    let job: { status: number; exit_code: number | null; end_time: string | null } | undefined;
    for (let tries = 0; tries < 100 && job?.status !== 2; tries += 1) {
      job = (await jobsOf(app.guid)).find((j) => j.pid === String(pid));
      if (job?.status !== 2) await sleep(100);
    }
    assert.equal(job?.status, 2, 'finalized');
    assert.equal(typeof job?.exit_code, 'number');
    assert.match(job?.end_time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
