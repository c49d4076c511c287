// A run that measured nothing fails (status failed, exit 1, one sentence) and keeps its record:
// a k6 binary that exits 0 without writing anything, and a target whose Flask content stops
// answering after the checks. The target is a small fake Connect on 127.0.0.1 (server settings,
// the key's user, the Flask API) so that no stand-in is needed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Analysis, RunMeta } from '../harness/record/types.ts';
import { cliArgs } from './helpers/cli.ts';

let dir: string;
let server: Server;
let url: string;
/** Flask requests answered with 200 before the fake stops answering (the checks before the load). */
let flaskAnswers = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-failures-'));
  server = createServer((req, res) => {
    const path = req.url ?? '';
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/__api__/server_settings') return json(200, { version: '2026.01.0' });
    if (path === '/__api__/v1/user')
      return json(200, { guid: 'u-1', username: 'perf', user_role: 'publisher', locked: false });
    // No content of the publisher's name yet: Connect answers an empty list.
    if (path.startsWith('/__api__/v1/content?')) return json(200, []);
    if (path.startsWith('/content/flask/')) {
      if (flaskAnswers > 0) {
        flaskAnswers--;
        return json(200, [{ ticker: 'AAPL' }]);
      }
      // Answers nothing: the connection is dropped without a response.
      req.socket.destroy();
      return;
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

function harness(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...cliArgs('harness'), ...args], {
    env: { ...process.env, CONNECT_SERVER: url, CONNECT_API_KEY: 'fake-key-0123456789', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    }),
  );
}

function runFolder(stderr: string): string {
  const found = /run folder: (.*)/.exec(stderr)?.[1];
  assert.ok(found, `a run folder was made:\n${stderr}`);
  return found;
}

function read<T>(folder: string, file: string): T {
  return JSON.parse(readFileSync(join(folder, file), 'utf8')) as T;
}

describe('runs that measured nothing', { concurrency: false }, () => {
  it('fails when k6 exits 0 without writing any result', async () => {
    const k6 = join(dir, 'k6');
    writeFileSync(
      k6,
      `#!${process.execPath}\nif (process.argv[2] === 'version') console.log('k6 v1.4.0 (fake)');\nprocess.exit(0);\n`,
    );
    chmodSync(k6, 0o755);
    flaskAnswers = 1;
    const run = await harness(
      [
        'load-soak',
        '--profile',
        'smoke',
        '--engine',
        'k6',
        '--flask-content',
        `${url}/content/flask/`,
        '--out',
        dir,
      ],
      { K6_BIN: k6 },
    );
    assert.equal(run.code, 1, run.stderr);
    const folder = runFolder(run.stderr);
    const meta = read<RunMeta>(folder, 'run.json');
    assert.equal(meta.status, 'failed');
    assert.equal(meta.engineExitCode, 0);
    assert.match(meta.message!, /^The engine ended without writing any results/);
    assert.match(run.stderr, /The engine ended without writing any results/);
    assert.doesNotMatch(run.stderr, /verdict: (PASS|FAIL|NOT COMPARABLE)/);
    const analysis = read<Analysis>(folder, 'analysis.json');
    assert.equal(analysis.verdict, null);
    for (const file of ['timeseries.json', 'report.html', 'summary.md', 'junit.xml'])
      assert.ok(existsSync(join(folder, file)), `${file} is kept`);
    assert.match(readFileSync(join(folder, 'summary.md'), 'utf8'), /^## ⚠️ FAILED · ⚪ NO VERDICT/);
  });

  it('fails when the Flask content answers nothing during the load', async () => {
    // The harness's check and the script's setup probe get an answer; the fetchers never do.
    flaskAnswers = 2;
    const run = await harness(
      [
        'load-soak',
        '--profile',
        'smoke',
        '--engine',
        'node',
        '--flask-content',
        `${url}/content/flask/`,
        '--out',
        dir,
      ],
      {},
    );
    assert.equal(run.code, 1, run.stderr);
    const folder = runFolder(run.stderr);
    const meta = read<RunMeta>(folder, 'run.json');
    assert.equal(meta.status, 'failed');
    assert.match(meta.message!, /got an HTTP answer|holds no request/);
    const analysis = read<Analysis>(folder, 'analysis.json');
    assert.equal(analysis.verdict, null);
    assert.equal(analysis.steady!.answered, 0);
    assert.ok(analysis.steady!.requests! > 0, 'the fetchers did send requests');
    assert.ok(existsSync(join(folder, 'samples.ndjson.gz')), 'the samples are kept');
  });
});
