// test-serial: kills processes with SIGKILL and watches what outlives them
// Nothing outlives its parent: a stand-in killed with SIGKILL takes its app processes with it (they
// carry a parent-death signal), and a stand-in whose parent (the harness) was killed with SIGKILL
// stops its apps and removes its data folder by itself. Real processes, real SIGKILLs.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import type { Standin } from '../standin/index.ts';
import { alive, clientOf, environOf, eventually, key, readFixture } from './helpers/standin-client.ts';

const flaskBundle = readFixture('flask-stock-api');
const started: ChildProcess[] = [];
const leftovers: string[] = [];
/** App processes seen, killed (with their process groups) after the tests should one outlive a failure. */
const apps: number[] = [];

after(async () => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of apps) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
  for (const dir of leftovers) await rm(dir, { recursive: true, force: true });
});

/** Starts `args` under node with tsx and resolves with the first stdout line matching `ready`. */
async function startNode(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const lines: string[] = [];
  const match = await new Promise<RegExpExecArray>((done, failed) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const m = ready.exec(line);
      if (m) done(m);
    });
    child.once('exit', (code) =>
      failed(new Error(`exited with ${code} before it was ready: ${lines.join(' | ')}`)),
    );
  });
  return { child, match, lines };
}

/** The children of `pid` (gunicorn's workers of its master), from /proc. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(name));
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

/** Deploys the Flask fixture, serves one request and returns the app process's pid (its job's pid). */
async function runningApp(url: string): Promise<number> {
  const { call, api, deployed } = clientOf(() => ({ url }) as Standin);
  const { guid } = await deployed(flaskBundle, { access_type: 'all', idle_timeout: 600 }, 'orphan');
  assert.equal((await call('GET', `/content/${guid}/stocks/AAPL`)).status, 200);
  const jobs = (await api('GET', `v1/content/${guid}/jobs`)).body as Array<{
    tag: string;
    status: number;
    pid: string;
  }>;
  const run = jobs.find((j) => j.tag === 'run_python_api' && j.status === 0);
  assert.ok(run, JSON.stringify(jobs));
  apps.push(Number(run.pid));
  return Number(run.pid);
}

test('SIGKILL of the stand-in: its gunicorn master and workers die with it', async () => {
  const { child, match, lines } = await startNode(
    [resolve('standin/cli.ts'), '--port', '0'],
    /Connect stand-in ready at (http:\/\/\S+)/,
    { CONNECT_API_KEY: key },
  );
  const app = await runningApp(match[1]);
  const workers = childrenOf(app);
  assert.ok(workers.length >= 1, 'gunicorn has a worker');
  const dataDir = lines.find((l) => l.startsWith('Data folder: '))?.slice('Data folder: '.length);
  if (dataDir) leftovers.push(dataDir);
  child.kill('SIGKILL');
  assert.ok(await eventually(() => !alive(app), 10_000), 'the gunicorn master died with the stand-in');
  assert.ok(await eventually(() => workers.every((w) => !alive(w)), 10_000), 'and its workers');
});

test('SIGKILL of the harness: the stand-in stops its apps and removes its data folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'standin-harness-'));
  leftovers.push(dir);
  const harness = join(dir, 'harness.mts');
  const standinProcess = resolve('harness/pipeline/standin-process.ts');
  await writeFile(
    harness,
    `import { spawnStandin } from ${JSON.stringify(standinProcess)};
const standin = await spawnStandin(process.env.KEY_FOR_TEST ?? '');
console.log('READY ' + standin.url + ' ' + standin.pid);
setInterval(() => {}, 60_000);
`,
  );
  const { child, match } = await startNode([harness], /^READY (\S+) (\d+)$/, { KEY_FOR_TEST: key });
  const [url, standinPid] = [match[1], Number(match[2])];
  const app = await runningApp(url);
  const tmp = environOf(app, 'TMPDIR') ?? '';
  const dataDir = tmp.slice(0, tmp.indexOf('/content/'));
  assert.match(dataDir, /connect-standin-/);
  leftovers.push(dataDir);
  child.kill('SIGKILL');
  assert.ok(await eventually(() => !alive(standinPid), 20_000), 'the stand-in stopped when the harness died');
  assert.ok(!alive(app), 'its app stopped');
  assert.ok(await eventually(() => !existsSync(dataDir), 5000), 'its data folder is removed');
});
