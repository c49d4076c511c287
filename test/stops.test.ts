// test-serial: signals harness process trees
// Every way a run is stopped from outside ends it cleanly: SIGTERM to the npm process alone (what
// `kill`, CI runners and systemd send), and a parent that dies. Nothing the run started is left,
// the record is marked interrupted with the reason, the report is written, and the exit code is
// 128 + the signal. Needs `npm run build`, gunicorn and R.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { RunMeta } from '../harness/record/types.ts';
import { stopRequest, watchStops } from '../harness/stops/index.ts';

const work = mkdtempSync(join(tmpdir(), 'stops-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Every process whose parent chain leads to `root` (read from /proc). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const found: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stops', () => {
  it('SIGTERM to the npm process of a load-soak mid-hold leaves nothing, an interrupted record and its report', async () => {
    const out = join(work, 'runs');
    const npm = spawn('npm', ['run', '--silent', 'load-soak', '--', '--profile', 'smoke', '--out', out], {
      env: { ...process.env, CONNECT_SERVER: '', CONNECT_API_KEY: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    npm.stderr!.on('data', (c) => {
      stderr += c;
    });
    const exit = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 90_000;
    // Mid-hold: the run folder exists and the engine has been running for a few seconds.
    while (!/run folder: /.test(stderr) && Date.now() < deadline) await sleep(200);
    assert.match(stderr, /run folder: /, 'the run never started');
    await sleep(6000);
    const started = descendants(npm.pid!);
    const commands = started.map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        return '';
      }
    });
    assert.ok(
      commands.some((c) => /engine\/bin\.mjs run /.test(c)),
      'the engine runs in a process of its own',
    );
    assert.ok(
      commands.some((c) => /standin\/cli\.ts/.test(c)),
      'the stand-in runs in a process of its own',
    );
    assert.ok(
      commands.some((c) => /gunicorn/.test(c)),
      'the Flask app runs',
    );
    assert.ok(!commands.some((c) => c.includes('CONNECT_API_KEY=')), 'no API key on a command line');

    process.kill(npm.pid!, 'SIGTERM');
    const signalledAt = Date.now();
    const code = await exit;
    // npm itself may end before its child; wait for the whole tree, at most 20 s after the signal.
    while (started.some(alive) && Date.now() - signalledAt < 20_000) await sleep(250);
    const left = started.filter(alive);
    assert.deepEqual(left, [], `still running 20 s after SIGTERM: ${left.join(', ')}`);
    assert.equal(code, 143, stderr);

    const [runDir] = readdirSync(out).map((name) => join(out, name));
    const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunMeta;
    assert.equal(meta.status, 'interrupted');
    assert.match(meta.message ?? '', /SIGTERM/);
    assert.ok(existsSync(join(runDir, 'report.html')), 'the report is written');
  });

  it('a command whose parent dies gets a stop request', async () => {
    const flag = join(work, 'orphan.txt');
    const child = join(work, 'child.ts');
    writeFileSync(
      child,
      `import { writeFileSync } from 'node:fs';
import { watchStops } from ${JSON.stringify(join(process.cwd(), 'harness/stops/index.ts'))};
const stops = watchStops(process, 100);
writeFileSync(${JSON.stringify(`${flag}.ready`)}, '');
stops.on('stop', (r) => { writeFileSync(${JSON.stringify(flag)}, r.cause + ' ' + r.exitCode); process.exit(0); });
setTimeout(() => process.exit(1), 20000);
`,
    );
    // The shell starts the watcher in the background and exits once it watches: it is orphaned.
    spawnSync(
      'sh',
      ['-c', `${process.execPath} --import tsx ${child} & while [ ! -e ${flag}.ready ]; do sleep 0.1; done`],
      { stdio: 'ignore', timeout: 30_000 },
    );
    const deadline = Date.now() + 15_000;
    while (!existsSync(flag) && Date.now() < deadline) await sleep(100);
    assert.equal(readFileSync(flag, 'utf8'), 'parent 143');
  });

  it('maps each signal to the exit code shells use', () => {
    assert.equal(stopRequest('SIGINT').exitCode, 130);
    assert.equal(stopRequest('SIGTERM').exitCode, 143);
    assert.equal(stopRequest('SIGHUP').exitCode, 129);
    const stops = watchStops();
    let seen = '';
    stops.on('stop', (r) => {
      seen = r.reason;
    });
    process.emit('SIGTERM', 'SIGTERM');
    stops.close();
    assert.match(seen, /SIGTERM/);
    assert.equal(stops.first?.cause, 'SIGTERM');
  });
});
