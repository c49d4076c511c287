import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Standin, startStandin } from '../standin/index.ts';
import {
  bundleOf,
  flaskManifest,
  hostileCorpus,
  manifestEntry,
  snapshot,
  testLimits,
  undeployableCorpus,
} from './hostile-archives.ts';

const key = 'test-key-0123456789';
const flaskBundle = readFixture('flask-stock-api');
const plumberBundle = readFixture('plumber-stock-api');

function readFixture(name: string): Buffer {
  const path = `dist/bundles/${name}.tar.gz`;
  if (!existsSync(path))
    execFileSync(process.execPath, ['--import', 'tsx', 'fixtures/build.ts'], { stdio: 'inherit' });
  return readFileSync(path);
}

/** The stand-in the helpers below talk to. */
let standin: Standin;
let root: string;

interface Answer {
  status: number;
  body: any;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Key ${key}` },
): Promise<Answer> {
  const raw = body === undefined || Buffer.isBuffer(body) || typeof body === 'string';
  const res = await fetch(`${standin.url}${path}`, {
    method,
    headers,
    body: raw ? (body as RequestInit['body']) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

const api = (method: string, path: string, body?: unknown) => call(method, `/__api__/${path}`, body);

function assertError(answer: Answer, status: number, code: number): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.code, code, JSON.stringify(answer.body));
  assert.equal(typeof answer.body.error, 'string');
  assert.ok('payload' in answer.body);
}

async function createContent(name: string, fields: Record<string, unknown> = {}): Promise<string> {
  const created = await api('POST', 'v1/content', { name, title: `Title of ${name}`, ...fields });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return created.body.guid;
}

async function upload(guid: string, archive: Buffer): Promise<Answer> {
  const md5 = createHash('md5').update(archive).digest('hex');
  return call('POST', `/__api__/v1/content/${guid}/bundles`, archive, {
    authorization: `Key ${key}`,
    'x-content-checksum': md5,
  });
}

/** Polls the task the way rsconnect does (first = last, wait) until it finishes. */
async function finish(taskId: string): Promise<{ code: number; error: string; output: string[] }> {
  const output: string[] = [];
  for (let first = 0, polls = 0; polls < 100; polls++) {
    const { body } = await api('GET', `v1/tasks/${taskId}?first=${first}&wait=5`);
    output.push(...body.output);
    first = body.last;
    if (body.finished) return { code: body.code, error: body.error, output };
  }
  throw new Error('the task did not finish');
}

async function deploy(guid: string, archive: Buffer) {
  const uploaded = await upload(guid, archive);
  assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
  const started = await api('POST', `v1/content/${guid}/deploy`, { bundle_id: uploaded.body.id });
  assert.equal(started.status, 202);
  return { bundleId: uploaded.body.id as string, ...(await finish(started.body.task_id)) };
}

const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

/** PIDs of processes whose command line or working folder mentions `dir`. */
function processesUsing(dir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (cmdline.includes(dir) || cwd.startsWith(dir)) found.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

let names = 0;
/** A content name no other test uses, so tests share the server but never each other's content. */
const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++names}`;

async function deployed(archive: Buffer, fields: Record<string, unknown> = {}, prefix = 'app') {
  const guid = await createContent(uniqueName(prefix), fields);
  const result = await deploy(guid, archive);
  assert.equal(result.code, 0, result.error);
  return { guid, ...result };
}

const deployedFlask = (fields: Record<string, unknown> = { access_type: 'all' }) =>
  deployed(flaskBundle, fields, 'flask');

describe('Connect stand-in', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'standin-test-'));
    standin = await startStandin({ apiKey: key, dataDir: join(root, 'data'), limits: testLimits });
  });

  after(async () => {
    await standin.stop();
    await rm(root, { recursive: true, force: true });
  });

  test('publishes the Flask bundle and serves it through /content/{guid}/', async () => {
    const name = uniqueName('flask-stocks');
    const flask = await createContent(name, { access_type: 'all' });
    const result = await deploy(flask, flaskBundle);
    assert.equal(result.code, 0, result.error);
    assert.equal(result.error, '');
    assert.ok(result.output.some((l) => l.startsWith('Bundle requested Python version')));
    assert.ok(result.output.some((l) => l.startsWith('Launching Python API')));
    assert.equal(result.output.at(-1), 'Application successfully deployed');
    const content = await api('GET', `v1/content/${flask}`);
    assert.equal(content.body.bundle_id, result.bundleId);
    assert.equal(content.body.app_mode, 'python-api');
    assert.equal(content.body.content_url, `${standin.url}/content/${flask}/`);
    const bundles = await api('GET', `v1/content/${flask}/bundles`);
    assert.deepEqual(
      bundles.body.map((b: { id: string; active: boolean }) => [b.id, b.active]),
      [[result.bundleId, true]],
    );
    assert.match(bundles.body[0].metadata.archive_md5, /^[0-9a-f]{32}$/);
    const price = await call('GET', `/content/${flask}/stocks/AAPL`, undefined, {});
    assert.equal(price.status, 200);
    assert.equal(price.body.ticker, 'AAPL');
    assert.equal(typeof price.body.price, 'number');
    assert.equal(typeof price.body.volatility, 'number');
    const missing = await call('GET', `/content/${flask}/stocks/XYZ`, undefined, {});
    assert.equal(missing.status, 404);
    const kinds = standin.processes().filter((p) => p.contentGuid === flask);
    assert.deepEqual(
      kinds.map((p) => [p.kind, p.contentName]),
      [['gunicorn', name]],
    );
  });

  test('publishes the Plumber bundle with two R processes behind the proxy', async () => {
    const { guid: plumber, output } = await deployed(plumberBundle, { max_processes: 2 }, 'plumber');
    assert.ok(output.includes('Building Plumber API...'));
    const rs = standin.processes().filter((p) => p.contentGuid === plumber);
    assert.equal(rs.length, 2);
    assert.ok(rs.every((p) => p.kind === 'R'));
    assertError(await call('GET', `/content/${plumber}/volatility?ticker=AAPL`, undefined, {}), 401, 24);
    for (let i = 0; i < 4; i++) {
      const vol = await call('GET', `/content/${plumber}/volatility?ticker=AAPL`);
      assert.equal(vol.status, 200);
      assert.equal(String(vol.body.ticker), 'AAPL');
      assert.ok(Number(vol.body.volatility) > 0);
    }
    const bad = await call('GET', `/content/${plumber}/price?ticker=XYZ`);
    assert.equal(bad.status, 400);
  });

  test('answers API errors with Connect status codes and error codes', async () => {
    assertError(await call('GET', '/__api__/v1/user', undefined, {}), 401, 24);
    assertError(await call('GET', '/__api__/v1/user', undefined, { authorization: 'Key wrong' }), 401, 30);
    assertError(await api('GET', 'v1/nothing-here'), 404, 2);
    assertError(await api('PUT', 'v1/content'), 404, 2);
    assertError(await call('GET', '/elsewhere'), 404, 2);
    assertError(await api('GET', 'v1/content/00000000-0000-0000-0000-000000000000'), 404, 4);
    assertError(await api('POST', 'v1/content', { name: 'no' }), 400, 5);
    assertError(await api('POST', 'v1/content', { name: 'has space' }), 400, 5);
    assertError(await api('POST', 'v1/content', { name: 'x'.repeat(65) }), 400, 5);
    assertError(await api('POST', 'v1/content', { name: 'good-name', title: 'ab' }), 400, 122);
    const taken = uniqueName('taken');
    const holder = await createContent(taken);
    assertError(await api('POST', 'v1/content', { name: taken }), 409, 26);
    assertError(await api('POST', 'v1/content', '{"name": '), 400, 121);
    assertError(await api('POST', 'v1/content', '[1, 2]'), 400, 87);
    const found = await api('GET', `v1/content?name=${taken}`);
    assert.equal(found.status, 200);
    assert.deepEqual(
      found.body.map((c: { guid: string }) => c.guid),
      [holder],
    );
    assert.deepEqual((await api('GET', 'v1/content?name=nobody')).body, []);

    const empty = await createContent(uniqueName('empty.content_1'));
    assertError(await api('POST', `v1/content/${empty}/deploy`, {}), 404, 28);
    assertError(await call('GET', `/content/${empty}/`), 404, 28);
    assertError(await call('GET', '/content/00000000-0000-0000-0000-000000000000/x'), 404, 4);
    assertError(await call('POST', `/__api__/v1/content/${empty}/bundles`, ''), 400, 125);
    const wrongSum = await call('POST', `/__api__/v1/content/${empty}/bundles`, flaskBundle, {
      authorization: `Key ${key}`,
      'x-content-checksum': '0123456789abcdef0123456789abcdef',
    });
    assertError(wrongSum, 400, 104);
    const othersBundle = await upload(holder, flaskBundle);
    assert.equal(othersBundle.status, 200);
    assert.equal(othersBundle.body.active, false);
    assertError(
      await api('POST', `v1/content/${empty}/deploy`, { bundle_id: othersBundle.body.id }),
      400,
      82,
    );
    assertError(await api('POST', `v1/content/${empty}/deploy`, { bundle_id: '999999' }), 404, 28);
    assertError(await api('GET', 'v1/tasks/no-such-task'), 404, 4);

    const patched = await api('PATCH', `v1/content/${empty}`, { title: 'A new title' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.title, 'A new title');
    assertError(await api('PATCH', `v1/content/${empty}`, { name: taken }), 409, 26);
    const deleted = await api('DELETE', `v1/content/${empty}`);
    assert.equal(deleted.status, 204);
    assertError(await api('GET', `v1/content/${empty}`), 404, 4);

    const settings = await api('GET', 'server_settings');
    assert.match(settings.body.version, /^\d{4}\.\d{1,2}\.\d+-standin$/);
    const me = await api('GET', 'v1/user');
    assert.ok(['publisher', 'administrator'].includes(me.body.user_role));
  });

  test('refuses every hostile archive at upload and writes nothing outside the content folder', async () => {
    // Its own server and folder: other tests' apps write in theirs while this one watches every byte.
    const dir = await mkdtemp(join(tmpdir(), 'standin-hostile-'));
    const outside = join(dir, 'sentinel');
    await mkdir(outside);
    await writeFile(join(outside, 'keep.txt'), 'untouched');
    const own = await startStandin({ apiKey: key, dataDir: join(dir, 'data'), limits: testLimits });
    const shared = standin;
    standin = own;
    try {
      const guid = await createContent(uniqueName('hostile-target'));
      const contentDir = own.contentDir(guid);
      const before = await snapshot(dir, contentDir);
      const corpus = hostileCorpus(outside);
      assert.ok(corpus.length >= 15);
      for (const hostile of corpus) {
        const answer = await upload(guid, hostile.archive);
        assertError(answer, 400, hostile.code);
        assert.match(answer.body.error, hostile.says, hostile.name);
      }
      assert.deepEqual(await snapshot(dir, contentDir), before);
      assert.deepEqual(readdirSync(contentDir), [], 'refused uploads leave nothing behind');
      assert.deepEqual((await api('GET', `v1/content/${guid}/bundles`)).body, []);
    } finally {
      standin = shared;
      await own.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('fails deploys of bundles it cannot run, with a clear task error', async () => {
    const guid = await createContent(uniqueName('undeployable'));
    for (const bad of undeployableCorpus()) {
      const result = await deploy(guid, bad.archive);
      assert.notEqual(result.code, 0, bad.name);
      assert.match(result.error, bad.says, bad.name);
    }
    assert.deepEqual(
      readdirSync(standin.contentDir(guid)).filter((f) => !f.endsWith('.tar.gz')),
      [],
      'failed deploys remove their extracted files',
    );
  });

  test('a failed start ends the task with the app output and the previous version keeps serving', async () => {
    const { guid: flask } = await deployedFlask();
    const crashing = bundleOf([
      flaskManifest,
      { path: 'app.py', body: 'raise RuntimeError("boom at import")\napp = None\n' },
    ]);
    const before = standin.processes().find((p) => p.contentGuid === flask);
    const result = await deploy(flask, crashing);
    assert.notEqual(result.code, 0);
    assert.match(result.error, /exited while starting/);
    assert.match(result.error, /RuntimeError: boom at import/);
    assert.doesNotMatch(result.error, /HaltServer|Worker failed to boot/);
    assert.ok(result.output.some((l) => l.includes('RuntimeError: boom at import')));
    assert.ok(result.output.some((l) => l.startsWith('Traceback (most recent call last):')));
    const still = await call('GET', `/content/${flask}/stocks/AAPL`, undefined, {});
    assert.equal(still.status, 200);
    assert.equal(standin.processes().find((p) => p.contentGuid === flask)?.pid, before?.pid);
  });

  test("a failed R start names R's error", async () => {
    const guid = await createContent(uniqueName('r-error'), { max_processes: 1 });
    const result = await deploy(
      guid,
      bundleOf([manifestEntry({ appmode: 'api' }), { path: 'plumber.R', body: 'stop("boom in R")\n' }]),
    );
    assert.notEqual(result.code, 0);
    assert.match(result.error, /The app said: Error\b.*boom in R/);
  });

  test('long-polls tasks: waits while nothing happens, returns early when the task finishes', async () => {
    const guid = await createContent(uniqueName('slow-plumber'), { max_processes: 1 });
    const slow = bundleOf([
      manifestEntry({ appmode: 'api' }),
      { path: 'plumber.R', body: 'Sys.sleep(2.5)\n#* @get /ping\nfunction() list(ok = TRUE)\n' },
    ]);
    const uploaded = await upload(guid, slow);
    const { body } = await api('POST', `v1/content/${guid}/deploy`, { bundle_id: uploaded.body.id });
    let first = 0;
    let launched = false;
    for (let i = 0; i < 20 && !launched; i++) {
      const step = await api('GET', `v1/tasks/${body.task_id}?first=${first}&wait=1`);
      first = step.body.last;
      launched = step.body.output.some((l: string) => l.startsWith('Launching Plumber API'));
    }
    assert.ok(launched);
    let started = Date.now();
    const quiet = await api('GET', `v1/tasks/${body.task_id}?first=${first}&wait=1`);
    const waited = Date.now() - started;
    assert.deepEqual(quiet.body.output, []);
    assert.equal(quiet.body.finished, false);
    assert.ok(waited >= 900, `a wait=1 poll with no news returned after ${waited} ms`);
    const instant = Date.now();
    await api('GET', `v1/tasks/${body.task_id}?first=${first}&wait=0`);
    assert.ok(Date.now() - instant < 500);
    started = Date.now();
    const done = await api('GET', `v1/tasks/${body.task_id}?first=${first}&wait=20`);
    const tookMs = Date.now() - started;
    assert.ok(done.body.output.length > 0 || done.body.finished);
    assert.ok(tookMs < 15_000, `the long poll held on for ${tookMs} ms after news`);
    const final = await finish(body.task_id);
    assert.equal(final.code, 0, final.error);
    assert.equal((await call('GET', `/content/${guid}/ping`)).status, 200);
  });

  test('a start that does not answer within init_timeout fails the task', async () => {
    const guid = await createContent(uniqueName('never-ready'), { max_processes: 1, init_timeout: 1 });
    const result = await deploy(
      guid,
      bundleOf([manifestEntry({ appmode: 'api' }), { path: 'plumber.R', body: 'Sys.sleep(30)\n' }]),
    );
    assert.notEqual(result.code, 0);
    assert.match(result.error, /init_timeout/);
    assert.equal(standin.processes().filter((p) => p.contentGuid === guid).length, 0);
  });

  test('redeploying switches versions without one failed request', async () => {
    const { guid: flask } = await deployedFlask();
    const old = standin.processes().find((p) => p.contentGuid === flask)!;
    let ok = 0;
    const failures: string[] = [];
    const until = Date.now() + 2500;
    const worker = async () => {
      while (Date.now() < until) {
        try {
          const res = await fetch(`${standin.url}/content/${flask}/stocks/MSFT`);
          await res.arrayBuffer();
          if (res.status === 200) ok++;
          else failures.push(`HTTP ${res.status}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    await sleep(200);
    const result = await deploy(flask, flaskBundle);
    await load;
    assert.equal(result.code, 0, result.error);
    assert.deepEqual(failures, []);
    assert.ok(ok > 20, `only ${ok} requests went through`);
    for (let i = 0; i < 50 && alive(old.pid); i++) await sleep(100);
    assert.equal(alive(old.pid), false, 'the replaced gunicorn was stopped after draining');
    const now = standin.processes().filter((p) => p.contentGuid === flask);
    assert.equal(now.length, 1);
    assert.notEqual(now[0].pid, old.pid);
  });

  test('an app process that crashed is started again on the next request', async () => {
    const { guid: flask } = await deployedFlask();
    const before = standin.processes().find((p) => p.contentGuid === flask)!;
    process.kill(before.pid, 'SIGKILL');
    const right = await call('GET', `/content/${flask}/stocks/GOOG`, undefined, {});
    assert.equal(right.status, 200, 'the request right after the kill');
    for (let i = 0; i < 50 && alive(before.pid); i++) await sleep(50);
    assert.equal(alive(before.pid), false);
    const res = await call('GET', `/content/${flask}/stocks/GOOG`, undefined, {});
    assert.equal(res.status, 200);
    assert.equal(res.body.ticker, 'GOOG');
    const after = standin.processes().find((p) => p.contentGuid === flask)!;
    assert.notEqual(after.pid, before.pid);
    assert.ok(alive(after.pid));
  });

  test('DELETE stops the content processes and removes its files', async () => {
    const { guid: plumber } = await deployed(plumberBundle, { max_processes: 2 }, 'plumber');
    const pids = standin
      .processes()
      .filter((p) => p.contentGuid === plumber)
      .map((p) => p.pid);
    assert.equal(pids.length, 2);
    const dir = standin.contentDir(plumber);
    assert.ok(existsSync(dir));
    assert.equal((await api('DELETE', `v1/content/${plumber}`)).status, 204);
    assert.equal(existsSync(dir), false);
    assert.deepEqual(pids.filter(alive), []);
    assertError(await call('GET', `/content/${plumber}/volatility`), 404, 4);
    assert.equal(standin.processes().filter((p) => p.contentGuid === plumber).length, 0);
  });
});

test('stop() leaves no app process behind', async () => {
  const own = await startStandin({ apiKey: key });
  const shared = standin;
  standin = own;
  try {
    await deployed(flaskBundle, { access_type: 'all' }, 'flask');
    await deployed(plumberBundle, { max_processes: 1 }, 'plumber');
  } finally {
    standin = shared;
  }
  const everyPid = own.processes().map((p) => p.pid);
  assert.equal(everyPid.length, 2);
  const dataDir = own.dataDir;
  await own.stop();
  assert.deepEqual(everyPid.filter(alive), []);
  assert.deepEqual(processesUsing(dataDir), []);
  assert.equal(existsSync(dataDir), false, 'a data folder the stand-in made itself is removed');
  await assert.rejects(fetch(`${own.url}/__api__/v1/user`));
});
