import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliArgs } from './helpers/cli.ts';

test('npm run target runs the stand-in in the foreground and stops cleanly on SIGTERM', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'standin-cli-'));
  const child = spawn(process.execPath, [...cliArgs('standin'), '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      CONNECT_API_KEY: 'cli-key',
      CONNECT_STANDIN_USERS: JSON.stringify([
        { username: 'pat', role: 'publisher', apiKey: 'pat-secret-key' },
      ]),
    },
  });
  try {
    let output = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (text: string) => {
        output += text;
        const match = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`the stand-in exited with ${code}: ${output}`)));
    });
    const res = await fetch(`${url}/__api__/server_settings`, { headers: { authorization: 'Key cli-key' } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { standin: boolean }).standin, true);
    const me = await fetch(`${url}/__api__/v1/user`, { headers: { authorization: 'Key pat-secret-key' } });
    assert.equal(
      ((await me.json()) as { username: string }).username,
      'pat',
      'a user from CONNECT_STANDIN_USERS',
    );
    assert.doesNotMatch(output, /cli-key|pat-secret-key/, 'no API key is ever printed');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
    assert.ok(existsSync(dataDir), 'a data dir given by the user is kept');
  } finally {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('the CLI explains a missing API key', async () => {
  const child = spawn(process.execPath, [...cliArgs('standin'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CONNECT_API_KEY: '' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const [code] = await once(child, 'close');
  assert.equal(code, 2);
  assert.match(stderr, /Set CONNECT_API_KEY/);
});

test('the CLI refuses a key on its command line, where ps would show it', async () => {
  const child = spawn(process.execPath, [...cliArgs('standin'), '--api-key', 'visible-key'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CONNECT_API_KEY: 'env-key' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /--api-key is not taken/);
  assert.doesNotMatch(stderr, /visible-key/);
});

test('the CLI explains bad CONNECT_STANDIN_USERS without echoing it', async () => {
  const child = spawn(process.execPath, [...cliArgs('standin'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CONNECT_API_KEY: 'env-key', CONNECT_STANDIN_USERS: '[{"apiKey": "leak-me-not"' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /CONNECT_STANDIN_USERS is not valid JSON/);
  assert.doesNotMatch(stderr, /leak-me-not/);
});

test('an address it cannot listen on: exit 2 with the reason, and no data folder left behind', async () => {
  // TMPDIR of its own: the stand-in makes its data folder there, and it must be gone after.
  const tmp = await mkdtemp(join(tmpdir(), 'standin-cli-tmp-'));
  try {
    const child = spawn(
      process.execPath,
      // 192.0.2.1 (TEST-NET-1) is on no interface of this machine: listen fails with EADDRNOTAVAIL.
      [...cliArgs('standin'), '--port', '0', '--host', '192.0.2.1'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, TMPDIR: tmp, CONNECT_API_KEY: 'cli-key' },
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => {
      stderr += t;
    });
    const [code] = await once(child, 'close');
    assert.equal(code, 2, stderr);
    assert.match(stderr, /The stand-in could not start: listen EADDRNOTAVAIL/);
    assert.deepEqual(
      readdirSync(tmp).filter((n) => n.startsWith('connect-standin-')),
      [],
      'its data folder is removed',
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
