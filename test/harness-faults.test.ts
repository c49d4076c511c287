// Faults around a run, with real processes and a real misbehaving server on loopback: a target
// that stops answering (a black hole), the engine killed by SIGKILL, the harness killed by
// SIGKILL, K6_* variables in the user's shell, and command-line inputs that must be refused
// before anything starts. The target is a small fake Connect on 127.0.0.1 (server settings, the
// key's user, the Flask API); everything else the publisher asks for is a 404.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Analysis, PublishCycle, RunMeta } from '../harness/record/types.ts';
import { cliArgs } from './helpers/cli.ts';

const API_KEY = 'fault-key-0123456789abcdef';
let dir: string;
let server: Server;
let url: string;
/** Set by a test: the server stops answering the engine's Flask requests this many ms after its
 *  first one, once it has answered some of them after the ramp-up (an event, so that a slow start
 *  of the engine does not leave the steady window without a single answer). The harness's own
 *  preflight GET (not the engine's User-Agent) does not start the clock. */
let blackHoleAfterMs: number | null = null;
let firstFlaskAt: number | null = null;
/** Engine requests answered past the ramp-up (3 s in the smoke profile, plus a second's margin). */
let answeredAfterRamp = 0;
let blackHoleOpen = false;
const AFTER_RAMP_MS = 4_000;
const ANSWERS_BEFORE_HOLE = 20;
const authorizations = new Set<string>();

/** Set by a test: the fake also takes content, bundles and deploys (the publisher's never finish). */
let publishing = false;
/** The fake's content items by GUID. */
const contents = new Map<string, { guid: string; name: string; owner_guid: string; created_time: string }>();
/** Set by a test: DELETE of the publisher's content fails. */
let refuseDelete = false;
let onPublisherDeploy: (() => void) | null = null;
const FLASK_NAME = 'perf-flask-stock-api';

function publishingApi(
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
  path: string,
  json: (status: number, body: unknown) => void,
): void {
  const [route, query = ''] = path.slice('/__api__/v1'.length).split('?');
  const params = new URLSearchParams(query);
  const parts = route.split('/').filter(Boolean);
  let body = '';
  req.on('data', (c) => {
    if (req.headers['content-type']?.includes('json')) body += c;
  });
  req.on('end', () => {
    const item = parts[1] ? contents.get(parts[1]) : undefined;
    const full = (c: { guid: string; name: string }) => ({
      ...c,
      title: c.name,
      access_type: 'all',
      app_mode: 'python-api',
      bundle_id: 'b-1',
      content_url: c.name === FLASK_NAME ? `${url}/content/flask/` : `${url}/content/${c.guid}/`,
    });
    if (parts[0] === 'content' && parts.length === 1 && req.method === 'GET') {
      return json(200, [...contents.values()].filter((c) => c.name === params.get('name')).map(full));
    }
    if (parts[0] === 'content' && parts.length === 1 && req.method === 'POST') {
      const fields = JSON.parse(body || '{}') as { name: string };
      const guid = `c${contents.size}-${Date.now().toString(16)}`;
      const created = { guid, name: fields.name, owner_guid: 'u-1', created_time: new Date().toISOString() };
      contents.set(guid, created);
      return json(200, full(created));
    }
    if (parts[0] === 'content' && item && parts.length === 2) {
      if (req.method === 'DELETE') {
        if (refuseDelete && item.name !== FLASK_NAME) return json(500, { code: 1, error: 'refused' });
        contents.delete(item.guid);
        res.writeHead(204);
        return res.end();
      }
      return json(200, full(item));
    }
    if (parts[0] === 'content' && item && parts[2] === 'bundles')
      return json(200, { id: 'b-1', content_guid: item.guid });
    if (parts[0] === 'content' && item && parts[2] === 'deploy')
      return json(200, { task_id: `t-${item.guid}` });
    if (parts[0] === 'tasks' && parts[1]) {
      const guid = parts[1].slice(2);
      if (contents.get(guid)?.name === FLASK_NAME)
        return json(200, { id: parts[1], output: ['done'], finished: true, code: 0, error: '', last: 1 });
      // The publisher's deploys take longer than the run: it is inside one when the stop comes.
      onPublisherDeploy?.();
      return setTimeout(
        () => json(200, { id: parts[1], output: [], finished: false, code: 0, error: '', last: 0 }),
        500,
      );
    }
    json(404, { code: 4, error: 'not found' });
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harness-faults-'));
  server = createServer((req, res) => {
    const path = req.url ?? '';
    if (req.headers.authorization) authorizations.add(req.headers.authorization);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'set-cookie': 'session=cookie-secret-42' });
      res.end(JSON.stringify(body));
    };
    if (path === '/__api__/server_settings') return json(200, { version: '2026.01.0' });
    if (path === '/__api__/v1/user')
      return json(200, { guid: 'u-1', username: 'perf', user_role: 'publisher', locked: false });
    if (publishing && path.startsWith('/__api__/v1/')) return publishingApi(req, res, path, json);
    // No content of the publisher's name yet: Connect answers an empty list.
    if (path.startsWith('/__api__/v1/content?')) return json(200, []);
    if (path.startsWith('/content/flask/')) {
      const fromEngine = /k6/.test(req.headers['user-agent'] ?? '');
      if (fromEngine) firstFlaskAt ??= Date.now();
      if (blackHoleAfterMs !== null && firstFlaskAt !== null && fromEngine) {
        const since = Date.now() - firstFlaskAt;
        if (since > blackHoleAfterMs && answeredAfterRamp >= ANSWERS_BEFORE_HOLE) blackHoleOpen = true;
        if (blackHoleOpen) {
          // A black hole: the connection stays open and nothing is ever sent back.
          req.socket.on('error', () => {});
          return;
        }
        if (since > AFTER_RAMP_MS) answeredAfterRamp++;
      }
      return json(200, [{ ticker: 'AAPL', date: '2024-01-02', close: 1 }]);
    }
    json(404, { code: 4, error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

interface Harness {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the first match of `pattern` in stderr (now or later). */
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function harness(args: string[], env: Record<string, string | undefined> = {}): Harness {
  const child = spawn(process.execPath, [...cliArgs('harness'), ...args], {
    env: { ...process.env, CONNECT_SERVER: url, CONNECT_API_KEY: API_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.pattern.exec(text);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', (c) => {
    text += c;
    check();
  });
  child.stderr!.on('data', (c) => {
    text += c;
    check();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const done = () => {
      clearTimeout(killer);
      resolve({ code: child.exitCode, signal: child.signalCode });
    };
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('close', done);
  });
  return {
    child,
    stderr: () => text,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const m = pattern.exec(text);
        if (m) return resolve(m);
        waiters.push({ pattern, resolve });
        void exited.then(() => {
          const late = pattern.exec(text);
          if (late) resolve(late);
          else reject(new Error(`the harness ended before printing ${pattern}:\n${text}`));
        });
      }),
  };
}

const smoke = (out: string, ...more: string[]) => [
  'load-soak',
  '--profile',
  'smoke',
  '--engine',
  'node',
  '--flask-content',
  `${url}/content/flask/`,
  '--out',
  out,
  ...more,
];

function read<T>(folder: string, file: string): T {
  return JSON.parse(readFileSync(join(folder, file), 'utf8')) as T;
}

/** The process ids of `pid`'s children whose command line matches. */
function childrenOf(pid: number, command: RegExp): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      if (command.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')))
        out.push(Number(entry));
    } catch {}
  }
  return out;
}

/** What is in a TMPDIR besides tsx's compile cache (tsx-<uid>). */
function ours(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => !/^tsx-\d+$/.test(name));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once `check` holds, looking again every 100 ms (an event: a process appears or ends);
 *  fails rather than hangs when it never does. */
async function until(check: () => boolean, what = 'the awaited condition', limitMs = 120_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${limitMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The engine process the harness started, once it has written its first samples. */
async function engineOf(run: Harness): Promise<{ pid: number; folder: string }> {
  const folder = (await run.waitFor(/run folder: (.*)/))[1];
  let pid = 0;
  await until(() => {
    pid = childrenOf(run.child.pid!, /engine\/bin\.mjs run/)[0] ?? 0;
    return pid > 0;
  });
  await run.waitFor(/req\/s/);
  return { pid, folder };
}

describe('faults during a run', { concurrency: false }, () => {
  it('a target that stops answering fails the run, says when, and counts the unanswered requests', async () => {
    const out = join(dir, 'black-hole');
    blackHoleAfterMs = 7_000;
    firstFlaskAt = null;
    answeredAfterRamp = 0;
    blackHoleOpen = false;
    const run = harness(smoke(out, '--duration', '12s'));
    const { code } = await run.exited;
    blackHoleAfterMs = null;
    assert.ok(blackHoleOpen, 'the target stopped answering during the run');
    const stderr = run.stderr();
    assert.equal(code, 1, stderr);
    const folder = /run folder: (.*)/.exec(stderr)![1];
    const meta = read<RunMeta>(folder, 'run.json');
    assert.equal(meta.status, 'failed');
    assert.match(meta.message!, /The target stopped answering at \d\d:\d\d:\d\d UTC \(\d+ s into the run\)/);
    const analysis = read<Analysis>(folder, 'analysis.json');
    const stall = analysis.stalls?.find((s) => s.cause === 'target');
    assert.ok(stall, `a target stall is named: ${JSON.stringify(analysis.stalls)}`);
    assert.equal(stall.untilEnd, true);
    const steady = analysis.steady!;
    // The window runs to the end of the hold, not to the last second that was answered.
    assert.ok(steady.to >= stall.to, 'the stall is inside the window');
    assert.ok((steady.unanswered ?? 0) >= 1, 'the waiting requests count');
    assert.ok(steady.errorRate > 0, `errors are not 0 %: ${steady.errorRate}`);
    assert.equal(analysis.verdict?.ok, false);
    assert.ok(analysis.verdict?.checks.some((c) => c.name === 'answering' && !c.ok));
    assert.match(stderr, /stall: The target stopped answering/);
    assert.match(stderr, /never answered/);
    // The publisher fails every cycle against this fake; it backs off instead of spinning.
    const cycles = read<PublishCycle[]>(folder, 'publish.json');
    assert.ok(cycles.length > 0 && cycles.every((c) => !c.ok));
    const seconds = (Date.parse(meta.endedAt!) - Date.parse(meta.startedAt)) / 1000;
    // Waits of 1, 2, 4, 8, then 10 s between failed cycles: at most 4 + seconds / 10 + 1 of them.
    assert.ok(cycles.length <= 5 + seconds / 10, `${cycles.length} cycles in ${seconds} s`);
  });

  it('an engine killed by SIGKILL fails the run with the signal, not as a Ctrl-C', async () => {
    const out = join(dir, 'engine-kill');
    const run = harness(smoke(out, '--duration', '30s'));
    const { pid, folder } = await engineOf(run);
    process.kill(pid, 'SIGKILL');
    const { code } = await run.exited;
    const stderr = run.stderr();
    assert.equal(code, 1, stderr);
    const meta = read<RunMeta>(folder, 'run.json');
    assert.equal(meta.status, 'failed');
    assert.equal(meta.engineExitCode, null);
    assert.match(
      meta.message!,
      new RegExp(`The load generator \\(the embedded engine, pid ${pid}\\) was killed by SIGKILL`),
    );
    assert.doesNotMatch(stderr, /interrupted|Ctrl-C/);
  });

  it('a frozen generator (SIGSTOP) is named as a generator stall in the verdict', async () => {
    const out = join(dir, 'frozen');
    // The hold outlasts the 6 s freeze with room to spare; after it the engine runs at full speed.
    const run = harness(smoke(out, '--duration', '20s'));
    const { pid, folder } = await engineOf(run);
    // Frozen during the hold: a freeze in setup, before the first request, measures nothing.
    await run.waitFor(/load-soak hold 4 VUs/);
    process.kill(pid, 'SIGSTOP');
    // The fault lasts 6 s of wall time; nothing is asserted about how much work fits in it.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    process.kill(pid, 'SIGCONT');
    await run.exited;
    const analysis = read<Analysis>(folder, 'analysis.json');
    const stall = analysis.stalls?.find((s) => s.cause === 'generator');
    assert.ok(stall, `a generator stall is named: ${JSON.stringify(analysis.stalls)}`);
    assert.ok(stall.seconds >= 3);
    assert.equal(analysis.generator?.verdict, 'limited');
    assert.match(analysis.generator!.reasons[0], /The load generator stalled at/);
    assert.match(run.stderr(), /generator: LIMITED\. The load generator stalled/);
    assert.ok(!analysis.stalls!.some((s) => s.cause === 'target'), 'the target is not blamed');
  });

  it('a stand-in killed by SIGKILL fails the run naming it, and its apps are stopped', async () => {
    const out = join(dir, 'standin-kill');
    const tmp = join(dir, 'tmp-standin-kill');
    await mkdir(tmp, { recursive: true });
    const run = harness(
      ['load-soak', '--profile', 'smoke', '--engine', 'node', '--out', out, '--duration', '60s'],
      { CONNECT_SERVER: '', TMPDIR: tmp },
    );
    const folder = (await run.waitFor(/run folder: (.*)/))[1];
    await run.waitFor(/req\/s/);
    const [standin] = childrenOf(run.child.pid!, /standin\/cli\.ts|dist\/cli\/standin\.mjs/);
    assert.ok(standin, 'the stand-in runs as a child of the harness');
    // Its apps (gunicorn, R), each in a process group of its own.
    const apps = childrenOf(standin, /./);
    assert.ok(apps.length > 0, 'the stand-in runs app processes');
    process.kill(standin, 'SIGKILL');
    const { code } = await run.exited;
    const stderr = run.stderr();
    assert.equal(code, 1, stderr.slice(-3000));
    const meta = read<RunMeta>(folder, 'run.json');
    assert.equal(meta.status, 'failed');
    assert.match(
      meta.message!,
      new RegExp(`The Connect stand-in \\(pid ${standin}\\) was killed by SIGKILL during the run`),
    );
    // Its apps do not outlive it, and the data folder it could not remove is gone too.
    await until(() => apps.every((pid) => !alive(pid)));
    assert.deepEqual(
      ours(tmp).filter((name) => name.startsWith('connect-standin-') && !name.includes('python-envs')),
      [],
    );
  });

  it('a harness killed by SIGKILL leaves no temporary files, and the next report says it was left running', async () => {
    const out = join(dir, 'harness-kill');
    const tmp = join(dir, 'tmp-harness-kill');
    await mkdir(tmp, { recursive: true });
    const run = harness(smoke(out, '--duration', '60s'), { TMPDIR: tmp });
    const { pid, folder } = await engineOf(run);
    run.child.kill('SIGKILL');
    await run.exited;
    // The engine notices its parent's death and ends by itself.
    await until(() => !alive(pid));
    assert.deepEqual(ours(tmp), [], 'nothing is left in TMPDIR');
    assert.equal(read<RunMeta>(folder, 'run.json').status, 'running');
    const report = harness(['report', folder]);
    const { code } = await report.exited;
    assert.equal(code, 0, report.stderr());
    assert.match(
      report.stderr(),
      /was left "running": its harness \(pid \d+\) ended without writing a final status/,
    );
    const meta = read<RunMeta>(folder, 'run.json');
    assert.equal(meta.status, 'interrupted');
    assert.match(meta.message!, /^Left running/);
  });

  it('an engine that cannot write its samples (file size limit) ends the run failed with the reason', async () => {
    const out = join(dir, 'size-limit');
    // RLIMIT_FSIZE of 512 KiB (1024 blocks of 512 bytes): the samples outgrow it within seconds
    // (about 120 bytes a request), the run record and reports do not (report.html, the largest,
    // is about 270 KB). Writes past it fail with EFBIG (Node ignores SIGXFSZ). The engine goes on
    // without its output to the end of the hold, at full speed: the hold is no longer than the
    // samples need to outgrow the limit.
    const child = spawn(
      'sh',
      [
        '-c',
        'ulimit -f 1024 && exec "$0" "$@"',
        process.execPath,
        ...cliArgs('harness'),
        ...smoke(out, '--duration', '30s'),
      ],
      {
        env: { ...process.env, CONNECT_SERVER: url, CONNECT_API_KEY: API_KEY },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 1, stderr.slice(-3000));
    const folder = /run folder: (.*)/.exec(stderr)![1];
    const meta = read<RunMeta>(folder, 'run.json');
    assert.equal(meta.status, 'failed');
    assert.match(meta.message!, /The engine ended with exit code \d+ \(.*(EFBIG|too large)/i);
    assert.notEqual(meta.endedAt, null);
  });

  for (const deletable of [true, false]) {
    it(
      deletable
        ? 'two SIGTERMs while the publisher deploys: the harness still deletes the content the run created'
        : 'two SIGTERMs back to back, and the content cannot be deleted: the harness says exactly what is left and how to remove it',
      async () => {
        const out = join(dir, `hard-stop-${deletable}`);
        publishing = true;
        refuseDelete = !deletable;
        contents.clear();
        // Content the run did not create must stay.
        const old = { guid: 'old-1', name: 'other', owner_guid: 'u-1', created_time: '2020-01-01T00:00:00Z' };
        contents.set(old.guid, old);
        const deploying = new Promise<void>((resolve) => {
          onPublisherDeploy = resolve;
        });
        const run = harness([
          'load-soak',
          '--profile',
          'smoke',
          '--engine',
          'node',
          '--publish-fixtures',
          '--out',
          out,
          '--duration',
          '60s',
        ]);
        await run.waitFor(/run folder: /);
        await deploying;
        run.child.kill('SIGTERM');
        // Once, the engine has taken the first stop (it is stopping gracefully) when the second
        // comes; once, the two come back to back (an engine still busy with the first is killed
        // a few seconds after the second: the stop still ends).
        if (deletable) await run.waitFor(/Stopping the test gracefully/);
        else await run.waitFor(/stopping the load gracefully/);
        run.child.kill('SIGTERM');
        const { code } = await run.exited;
        publishing = false;
        onPublisherDeploy = null;
        const stderr = run.stderr();
        assert.equal(code, 143, stderr.slice(-3000));
        const left = [...contents.values()].filter((c) => c.guid !== old.guid);
        assert.ok(contents.has(old.guid), 'content the run did not create is untouched');
        if (deletable) {
          assert.deepEqual(left, [], 'nothing the run created is left');
          assert.match(
            stderr,
            /The publisher's content '.*' \(c\d+-[0-9a-f]+\) was still on Connect .*the harness deleted it/,
          );
        } else {
          assert.equal(left.length, 1, JSON.stringify(left));
          const guid = left[0].guid;
          assert.match(
            stderr,
            new RegExp(
              `Left on Connect: the publisher's content '.*' \\(${guid}\\), created by this run, could not be deleted .*remove it with: curl -X DELETE -H "Authorization: Key \\$CONNECT_API_KEY" ${url}/__api__/v1/content/${guid}`,
            ),
          );
          assert.ok(!stderr.includes(API_KEY));
        }
      },
    );
  }

  it('K6_* variables of the shell do not reach the engine; --k6-env passes one on, with secrets redacted', async () => {
    const out = join(dir, 'k6-env');
    const tmp = join(dir, 'tmp-k6-env');
    await mkdir(tmp, { recursive: true });
    const run = harness(smoke(out, '--duration', '4s', '--k6-env', 'K6_HTTP_DEBUG'), {
      TMPDIR: tmp,
      K6_HTTP_DEBUG: 'true',
      K6_NO_SUMMARY: 'true',
      K6_NO_THRESHOLDS: 'true',
      K6_VUS: '7',
      K6_DURATION: '1s',
    });
    const { code } = await run.exited;
    const stderr = run.stderr();
    const folder = /run folder: (.*)/.exec(stderr)![1];
    const meta = read<RunMeta>(folder, 'run.json');
    assert.notEqual(meta.status, 'failed', stderr.slice(-3000));
    assert.ok([0, 99].includes(code!), `exit ${code}`);
    // K6_NO_SUMMARY and K6_NO_THRESHOLDS did not apply: the summary and thresholds are there.
    assert.ok(existsSync(join(folder, 'summary.json')));
    assert.ok(read<Analysis>(folder, 'analysis.json').thresholds.length > 0);
    // K6_VUS did not apply: 4 fetchers and the publisher at most.
    const max = Math.max(
      ...read<{ vus: Array<{ vus: number }> }>(folder, 'timeseries.json').vus.map((v) => v.vus),
    );
    assert.ok(max <= 5, `at most 5 VUs, got ${max}`);
    // K6_HTTP_DEBUG was asked for: the requests are printed, their secrets are not.
    assert.match(stderr, /Authorization: \[redacted\]/);
    assert.match(stderr, /Set-Cookie: \[redacted\]/i);
    assert.ok(!stderr.includes(API_KEY), 'the API key is not printed');
    assert.ok(!stderr.includes('cookie-secret-42'), 'the cookie is not printed');
    assert.ok([...authorizations].includes(`Key ${API_KEY}`), 'the key was used');
    // No uncompressed copy of the samples anywhere: the run folder holds them compressed.
    assert.deepEqual(ours(tmp), []);
    assert.ok(existsSync(join(folder, 'samples.ndjson.gz')));
    assert.ok(!readdirSync(folder).some((f) => /\.json$/.test(f) && f.startsWith('samples')));
  });
});

describe('inputs refused before anything starts', () => {
  const refuse = async (args: string[], env: Record<string, string | undefined>, pattern: RegExp) => {
    const run = harness(args, env);
    const { code } = await run.exited;
    assert.equal(code, 2, run.stderr());
    assert.match(run.stderr(), pattern);
    assert.doesNotMatch(run.stderr(), /run folder:|target:|engine:/);
    return run.stderr();
  };

  it('refuses a device or a folder as --baseline', async () => {
    await refuse(
      [...smoke(join(dir, 'r1')), '--baseline', '/dev/zero'],
      {},
      /--baseline \/dev\/zero is a device/,
    );
    await refuse([...smoke(join(dir, 'r1')), '--baseline', dir], {}, /is a folder; give a regular file/);
  });

  it('refuses an --out that is a file, for a run and for ingest', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await refuse(smoke(file), {}, /--out .*a-file is a file, not a folder/);
    const ingest = harness(['ingest', '--out', file, file]);
    assert.equal((await ingest.exited).code, 2, ingest.stderr());
    assert.match(ingest.stderr(), /is a file, not a folder/);
  });

  it('refuses --flask-content against the stand-in instead of ignoring it', async () => {
    await refuse(
      smoke(join(dir, 'r2')),
      { CONNECT_SERVER: '' },
      /--flask-content names content on a real Connect/,
    );
  });

  it('refuses credentials in CONNECT_SERVER without printing them', async () => {
    const stderr = await refuse(
      smoke(join(dir, 'r3')),
      { CONNECT_SERVER: url.replace('http://', 'http://alice:hunter2-secret@') },
      /CONNECT_SERVER carries credentials/,
    );
    assert.ok(!stderr.includes('hunter2-secret'));
  });

  it('nightly checks --history before the load-soak', async () => {
    const child = spawn(
      process.execPath,
      [...cliArgs('nightly'), '--history', '/dev/zero', '--out', join(dir, 'n1')],
      {
        env: { ...process.env, CONNECT_SERVER: url, CONNECT_API_KEY: API_KEY },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let text = '';
    child.stdout.on('data', (c) => {
      text += c;
    });
    child.stderr.on('data', (c) => {
      text += c;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 2, text);
    assert.match(text, /the history store \/dev\/zero cannot be used: --history \/dev\/zero is a device/);
    assert.ok(!existsSync(join(dir, 'n1')), 'no run was started');
  });
});
