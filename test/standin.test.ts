// test-serial: signals app processes and times idle stops
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Standin, startStandin } from '../standin/index.ts';
import {
  alive,
  assertError,
  clientOf,
  environOf,
  eventually,
  key,
  processesUsing,
  readFixture,
  uniqueName,
} from './helpers/standin-client.ts';
import {
  bundleOf,
  flaskManifest,
  hostileCorpus,
  manifestEntry,
  snapshot,
  testLimits,
  undeployableCorpus,
} from './hostile-archives.ts';

const flaskBundle = readFixture('flask-stock-api');
const plumberBundle = readFixture('plumber-stock-api');

/** The stand-in the client talks to; a test may point it at its own server for a while. */
let standin: Standin;
const { call, api, createContent, upload, deploy, deployed } = clientOf(() => standin);
const processesOf = (guid: string) => standin.processes().filter((p) => p.contentGuid === guid);

/** Processes outlive the pauses of a busy test machine (Connect's default idle_timeout is 5 s). */
const steady = { idle_timeout: 600 };

const deployedFlask = (fields: Record<string, unknown> = {}) =>
  deployed(flaskBundle, { access_type: 'all', ...steady, ...fields }, 'flask');

/** Starts the app with one request and returns its (only) process. */
async function warm(guid: string, path = 'stocks/AAPL') {
  const res = await call('GET', `/content/${guid}/${path}`);
  assert.equal(res.status, 200, res.text);
  const procs = processesOf(guid);
  assert.equal(procs.length, 1);
  return procs[0];
}

describe('Connect stand-in', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'standin-test-'));
    // Environments of this file only: its first Flask deploy builds one (pip's lines show), the rest reuse it.
    process.env.CONNECT_STANDIN_PYTHON_ENVS = join(root, 'python-envs');
    standin = await startStandin({ apiKey: key, dataDir: join(root, 'data'), limits: testLimits });
  });

  after(async () => {
    await standin.stop();
    delete process.env.CONNECT_STANDIN_PYTHON_ENVS;
    await rm(root, { recursive: true, force: true });
  });

  test('deploys Flask like Connect: builds a virtualenv, starts nothing, the first request starts the app', async () => {
    const name = uniqueName('flask-stocks');
    const flask = await createContent(name, { access_type: 'all', ...steady });
    const result = await deploy(flask, flaskBundle);
    assert.equal(result.code, 0, result.error);
    assert.equal(result.error, '');
    assert.ok(result.output.includes('Building Python API...'));
    assert.ok(result.output.some((l) => l.startsWith('Bundle requested Python version 3.11.2')));
    assert.ok(
      result.output.some((l) => /^Requirement already satisfied: flask\b/i.test(l)),
      result.output.join('\n'),
    );
    assert.equal(result.output.at(-1), 'Application successfully deployed');
    const versions = join(standin.contentDir(flask), 'versions');
    const [version] = readdirSync(versions);
    assert.ok(existsSync(join(versions, version, 'python-env', 'pyvenv.cfg')), 'a virtualenv per bundle');
    assert.deepEqual(processesOf(flask), [], 'no app process right after the deploy');

    const content = await api('GET', `v1/content/${flask}`);
    assert.equal(content.body.bundle_id, result.bundleId);
    assert.equal(content.body.app_mode, 'python-api');
    assert.equal(content.body.content_url, `${standin.url}/content/${flask}/`);
    const bundles = await api('GET', `v1/content/${flask}/bundles`);
    assert.deepEqual(
      bundles.body.map((b: { id: string; active: boolean }) => [b.id, b.active]),
      [[result.bundleId, true]],
    );
    assert.equal(bundles.body[0].py_environment_management, true);
    assert.equal(bundles.body[0].r_environment_management, null);

    const price = await call('GET', `/content/${flask}/stocks/AAPL`, undefined, {});
    assert.equal(price.status, 200, 'the cold-start request waits and is served');
    assert.equal(price.body.ticker, 'AAPL');
    assert.equal(typeof price.body.volatility, 'number');
    assert.equal((await call('GET', `/content/${flask}/stocks/XYZ`, undefined, {})).status, 404);
    const procs = processesOf(flask);
    assert.deepEqual(
      procs.map((p) => [p.kind, p.contentName]),
      [['gunicorn', name]],
    );
    const tmp = environOf(procs[0].pid, 'TMPDIR') ?? '';
    assert.ok(tmp.startsWith(standin.contentDir(flask)), `TMPDIR ${tmp} is inside the content folder`);
    assert.ok(existsSync(tmp));

    const redirect = await call('GET', `/content/${flask}/stocks`, undefined, {});
    assert.ok([301, 308].includes(redirect.status), redirect.text);
    assert.equal(
      new URL(redirect.headers.get('location') ?? '', standin.url).pathname,
      `/content/${flask}/stocks/`,
      "the app's own redirect stays under its content path",
    );
  });

  test('Plumber: restores from the R library, starts on demand, grows to max_processes under load', async () => {
    const fields = { max_processes: 2, max_conns_per_process: 1, load_factor: 1, ...steady };
    const { guid, output } = await deployed(plumberBundle, fields, 'plumber');
    assert.ok(output.includes('Building Plumber API...'));
    assert.ok(
      output.some((l) => /^Using plumber \d/.test(l)),
      output.join('\n'),
    );
    assert.deepEqual(processesOf(guid), []);
    assertError(await call('GET', `/content/${guid}/volatility?ticker=AAPL`, undefined, {}), 401, 24);
    const first = await call('GET', `/content/${guid}/volatility?ticker=AAPL`);
    assert.equal(first.status, 200);
    assert.equal(String(first.body.ticker), 'AAPL');
    assert.ok(Number(first.body.volatility) > 0);
    assert.equal(processesOf(guid).length, 1);
    const burst = await Promise.all(
      Array.from({ length: 6 }, () => call('GET', `/content/${guid}/volatility?ticker=MSFT`)),
    );
    // Two processes of one connection each hold two requests at once; Connect refuses the others.
    const statuses = burst.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 200 || s === 503) && statuses.filter((s) => s === 200).length >= 2);
    assert.ok(await eventually(() => processesOf(guid).length === 2, 15_000), 'a second process started');
    await Promise.all(Array.from({ length: 6 }, () => call('GET', `/content/${guid}/volatility`)));
    assert.equal(processesOf(guid).length, 2, 'never more than max_processes');
    const r = processesOf(guid)[0];
    assert.ok((environOf(r.pid, 'TMPDIR') ?? '').startsWith(standin.contentDir(guid)), "R's tempdir is ours");
    assert.equal((await call('GET', `/content/${guid}/price?ticker=XYZ`)).status, 400);
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
    assertError(await api('POST', 'v1/content', { name: 'good-name', access_type: 'everyone' }), 400, 117);
    assertError(await api('POST', 'v1/content', { name: 'good-name', max_processes: -1 }), 400, 192);
    const taken = uniqueName('taken');
    const holder = await createContent(taken);
    assertError(await api('POST', 'v1/content', { name: taken }), 409, 26);
    assertError(await api('POST', 'v1/content', '{"name": '), 400, 121);
    assertError(await api('POST', 'v1/content', '[1, 2]'), 400, 87);
    const found = await api('GET', `v1/content?name=${taken}`);
    assert.deepEqual(
      found.body.map((c: { guid: string }) => c.guid),
      [holder],
    );
    assert.deepEqual((await api('GET', 'v1/content?name=nobody')).body, []);

    const empty = await createContent(uniqueName('empty_content-1'));
    assertError(await api('POST', `v1/content/${empty}/deploy`, {}), 404, 28);
    assertError(await api('POST', `v1/content/${empty}/deploy`, { bundle_id: ['1'] }), 400, 25);
    assertError(await call('GET', `/content/${empty}/`), 404, 28);
    assertError(await call('GET', '/content/00000000-0000-0000-0000-000000000000/x'), 404, 4);
    assertError(await call('POST', `/__api__/v1/content/${empty}/bundles`, ''), 400, 125);
    const wrongSum = await call('POST', `/__api__/v1/content/${empty}/bundles`, flaskBundle, {
      authorization: `Key ${key}`,
      // Hex is not the Base64 MD5 the reference defines: refused like a wrong sum.
      'x-content-checksum': '0123456789abcdef0123456789abcdef',
    });
    assertError(wrongSum, 400, 104);
    const othersBundle = await upload(holder, flaskBundle);
    assert.equal(othersBundle.body.active, false);
    assertError(
      await api('POST', `v1/content/${empty}/deploy`, { bundle_id: othersBundle.body.id }),
      400,
      82,
    );
    assertError(await api('POST', `v1/content/${empty}/deploy`, { bundle_id: '999999' }), 404, 28);
    assertError(await api('GET', 'v1/tasks/no-such-task'), 404, 141);

    for (const malformed of ['%E0%A4%A', '%', '%zz', '%C3%28', 'a%ED%A0%80', '%FF%FE']) {
      for (const path of [
        `v1/content/${malformed}`,
        `v1/content/${malformed}/bundles`,
        `v1/tasks/${malformed}`,
      ]) {
        const answer = await api('GET', path);
        assert.ok(answer.status >= 400 && answer.status < 500, `${path}: ${answer.status} ${answer.text}`);
        assert.equal(typeof answer.body?.code, 'number', answer.text);
      }
    }

    const patched = await api('PATCH', `v1/content/${empty}`, { title: 'A new title' });
    assert.equal(patched.body.title, 'A new title');
    assertError(await api('PATCH', `v1/content/${empty}`, { name: taken }), 409, 26);
    assert.equal((await api('DELETE', `v1/content/${empty}`)).status, 204);
    assertError(await api('GET', `v1/content/${empty}`), 404, 4);

    const settings = await api('GET', 'server_settings');
    assert.match(settings.body.version, /^\d{4}\.\d{1,2}\.\d+$/);
    assert.equal(settings.body.standin, true, 'the stand-in says what it is in a field of its own');
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
      readdirSync(join(standin.contentDir(guid), 'versions')),
      [],
      'failed deploys remove their extracted files',
    );
  });

  test('a package the machine lacks fails the restore as pip or renv would', async () => {
    const guid = await createContent(uniqueName('missing-packages'));
    const python = await deploy(
      guid,
      bundleOf([
        manifestEntry({ appmode: 'python-api', entrypoint: 'app' }),
        { path: 'app.py', body: 'app = None\n' },
        { path: 'requirements.txt', body: 'flask\nno-such-package-standin==1.0\n' },
      ]),
    );
    assert.equal(python.code, 1);
    assert.match(python.error, /python-package-install-failed/);
    assert.match(python.error, /no-such-package-standin/);
    assert.ok(
      python.output.some((l) =>
        l.startsWith('ERROR: No matching distribution found for no-such-package-standin'),
      ),
    );
    const manifest = {
      version: 1,
      platform: '4.2.2',
      metadata: { appmode: 'api' },
      packages: {
        plumber: { Source: 'CRAN', description: { Package: 'plumber', Version: '1.2.1' } },
        nosuchpkgstandin: { Source: 'CRAN', description: { Package: 'nosuchpkgstandin', Version: '0.1' } },
      },
    };
    const r = await deploy(
      guid,
      bundleOf([
        { path: 'manifest.json', body: JSON.stringify(manifest) },
        { path: 'plumber.R', body: '#* @get /x\nfunction() 1\n' },
      ]),
    );
    assert.equal(r.code, 1);
    assert.match(r.error, /r-package-install-failed.*nosuchpkgstandin/);
    assert.ok(r.output.some((l) => l.startsWith('Using plumber')));
    assert.equal((await api('GET', `v1/content/${guid}`)).body.bundle_id, null, 'nothing was activated');
  });

  test("an app that fails to start answers 502 naming the app's own error", async () => {
    const { guid } = await deployed(
      bundleOf([
        flaskManifest,
        { path: 'app.py', body: 'raise RuntimeError("boom at import")\napp = None\n' },
      ]),
      { access_type: 'all' },
      'crashing',
    );
    const answer = await call('GET', `/content/${guid}/`, undefined, {});
    assert.equal(answer.status, 502);
    assert.match(answer.text, /exited while starting/);
    assert.match(answer.text, /The app said: RuntimeError: boom at import/);
    assert.doesNotMatch(answer.text, /HaltServer|Worker failed to boot/);
    assert.deepEqual(processesOf(guid), []);

    const r = await deployed(
      bundleOf([manifestEntry({ appmode: 'api' }), { path: 'plumber.R', body: 'stop("boom in R")\n' }]),
      { access_type: 'all' },
      'r-error',
    );
    const rAnswer = await call('GET', `/content/${r.guid}/x`, undefined, {});
    assert.equal(rAnswer.status, 502);
    assert.match(rAnswer.text, /The app said: Error\b.*boom in R/);
  });

  test('a start that does not answer within init_timeout fails the request and leaves no process', async () => {
    const { guid } = await deployed(
      bundleOf([manifestEntry({ appmode: 'api' }), { path: 'plumber.R', body: 'Sys.sleep(30)\n' }]),
      { init_timeout: 1, access_type: 'all' },
      'never-ready',
    );
    const started = Date.now();
    const answer = await call('GET', `/content/${guid}/x`, undefined, {});
    assert.equal(answer.status, 502);
    assert.match(answer.text, /init_timeout/);
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(processesOf(guid), []);
  });

  test('idle_timeout stops an idle process and removes its TMPDIR; min_processes keeps one (both PATCH-able)', async () => {
    const { guid } = await deployedFlask();
    const proc = await warm(guid);
    const tmp = environOf(proc.pid, 'TMPDIR') ?? '';
    assert.equal((await api('PATCH', `v1/content/${guid}`, { idle_timeout: 1 })).body.idle_timeout, 1);
    await warm(guid);
    assert.ok(await eventually(() => processesOf(guid).length === 0, 10_000), 'the idle process stopped');
    assert.ok(await eventually(() => !alive(proc.pid), 5000));
    assert.ok(await eventually(() => !existsSync(tmp), 5000), 'its TMPDIR is gone');
    await api('PATCH', `v1/content/${guid}`, { min_processes: 1 });
    const kept = await warm(guid);
    await sleep(2500);
    assert.deepEqual(
      processesOf(guid).map((p) => p.pid),
      [kept.pid],
      'min_processes: 1 keeps the process past idle_timeout',
    );
  });

  test('redeploying switches versions without one failed request and stops the old process', async () => {
    const { guid: flask } = await deployedFlask();
    const old = await warm(flask);
    let ok = 0;
    const failures: string[] = [];
    // Load from before the deploy until a moment after it (bounded, should the deploy hang).
    let until = Date.now() + 30_000;
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
    until = Date.now() + 1000;
    await load;
    assert.equal(result.code, 0, result.error);
    assert.deepEqual(failures, []);
    assert.ok(ok > 20, `only ${ok} requests went through`);
    assert.ok(
      await eventually(() => !alive(old.pid), 5000),
      'the replaced gunicorn was stopped after draining',
    );
    const now = processesOf(flask);
    assert.ok(now.length >= 1, 'the new version serves');
    assert.ok(now.every((p) => p.pid !== old.pid));
    const versions = join(standin.contentDir(flask), 'versions');
    assert.ok(await eventually(() => readdirSync(versions).length === 1, 5000), 'the old version is removed');
  });

  test('an app process that crashed is started again on the next request', async () => {
    const { guid: flask } = await deployedFlask();
    const before = await warm(flask);
    process.kill(before.pid, 'SIGKILL');
    const right = await call('GET', `/content/${flask}/stocks/GOOG`, undefined, {});
    assert.equal(right.status, 200, 'the request right after the kill');
    assert.ok(await eventually(() => !alive(before.pid), 3000));
    const res = await call('GET', `/content/${flask}/stocks/GOOG`, undefined, {});
    assert.equal(res.body.ticker, 'GOOG');
    const after = processesOf(flask);
    assert.equal(after.length, 1);
    assert.notEqual(after[0].pid, before.pid);
  });

  test('DELETE stops the content processes and removes its files', async () => {
    const { guid: plumber } = await deployed(plumberBundle, { max_processes: 1, ...steady }, 'plumber');
    const { pid } = await warm(plumber, 'volatility');
    const dir = standin.contentDir(plumber);
    assert.equal((await api('DELETE', `v1/content/${plumber}`)).status, 204);
    assert.equal(existsSync(dir), false);
    assert.equal(alive(pid), false);
    assertError(await call('GET', `/content/${plumber}/volatility`), 404, 4);
    assert.deepEqual(processesOf(plumber), []);
  });
});

test('stop() leaves no app process and no temporary folder behind', async () => {
  const own = await startStandin({ apiKey: key });
  standin = own;
  const flask = await deployedFlask();
  const plumber = await deployed(plumberBundle, { max_processes: 1, ...steady }, 'plumber');
  await warm(flask.guid);
  await warm(plumber.guid, 'volatility');
  const everyPid = own.processes().map((p) => p.pid);
  assert.equal(everyPid.length, 2);
  const dataDir = own.dataDir;
  const temps = everyPid.map((pid) => environOf(pid, 'TMPDIR') ?? '');
  assert.ok(
    temps.every((t) => t.startsWith(dataDir)),
    'R and Python write temporary files inside the data folder',
  );
  await own.stop();
  assert.deepEqual(everyPid.filter(alive), []);
  assert.deepEqual(processesUsing(dataDir), []);
  assert.equal(existsSync(dataDir), false, 'a data folder the stand-in made itself is removed');
  await assert.rejects(fetch(`${own.url}/__api__/v1/user`));
});
