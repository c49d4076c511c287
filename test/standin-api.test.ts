// test-serial: times task long-polls
// The v1 API calls real Connect clients make, reproduced request by request from their public source:
// rsconnect-python (deploy, --draft, search, describe, download-bundle, details) and posit-sdk
// (create, upload, deploy, task.wait_for); plus the task long-poll, drafts, bundle and
// environment-variable endpoints they rely on.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Standin, startStandin } from '../standin/index.ts';
import { assertError, clientOf, key, readFixture, uniqueName } from './helpers/standin-client.ts';
import { bundleOf, manifestEntry } from './hostile-archives.ts';

const flaskBundle = readFixture('flask-stock-api');

let standin: Standin;
const { call, api, createContent, upload, finish, deployed } = clientOf(() => standin);

/** A small Flask app that says which bundle it is, what SCRIPT_NAME it got, and an environment variable. */
function probeApp(label: string): Buffer {
  const source = [
    'import os',
    'from flask import Flask, request, url_for',
    'app = Flask(__name__)',
    '@app.get("/")',
    `def index(): return {"label": ${JSON.stringify(label)}, "script_root": request.script_root, "self": url_for("index")}`,
    '@app.get("/env/<name>")',
    'def env(name): return {"value": os.environ.get(name)}',
    '',
  ].join('\n');
  return bundleOf([
    manifestEntry({ appmode: 'python-api', entrypoint: 'app' }),
    { path: 'app.py', body: source },
    { path: 'requirements.txt', body: 'flask\n' },
  ]);
}

async function startTask(guid: string, archive: Buffer, extra: Record<string, unknown> = {}) {
  const uploaded = await upload(guid, archive);
  assert.equal(uploaded.status, 200, uploaded.text);
  const started = await api('POST', `v1/content/${guid}/deploy`, { bundle_id: uploaded.body.id, ...extra });
  assert.equal(started.status, 202, started.text);
  return { bundleId: uploaded.body.id as string, taskId: started.body.task_id as string };
}

describe('Connect clients against the stand-in', () => {
  before(async () => {
    standin = await startStandin({ apiKey: key });
  });
  after(() => standin.stop());

  test('task long-poll: held until the task finishes or wait passes, never cut short by new output', async () => {
    const guid = await createContent(uniqueName('long-poll'));
    const { taskId } = await startTask(guid, flaskBundle);
    const started = Date.now();
    const held = await api('GET', `v1/tasks/${taskId}?first=0&wait=5`);
    const elapsed = Date.now() - started;
    assert.equal(held.status, 200);
    assert.ok(held.body.finished || elapsed >= 4900, `returned unfinished after ${elapsed} ms`);
    assert.ok(elapsed < 8000, `held ${elapsed} ms for wait=5`);
    const done = await finish(taskId);
    assert.equal(done.code, 0, done.error);
    const instant = Date.now();
    const again = await api('GET', `v1/tasks/${taskId}?first=0&wait=20`);
    assert.ok(Date.now() - instant < 1000, 'a finished task answers at once');
    assert.equal(again.body.last, again.body.output.length);
    assertError(await api('GET', `v1/tasks/${taskId}?wait=21`), 400, 25);
    assertError(await api('GET', `v1/tasks/${taskId}?wait=-1`), 400, 25);
    assertError(await api('GET', `v1/tasks/${taskId}?first=99999`), 400, 25);
    assertError(await api('GET', 'v1/tasks/not-on-this-node?wait=1'), 404, 141);
  });

  test('rsconnect-python deploy, then search, describe, download-bundle and details', async () => {
    // `rsconnect deploy api`: verify server and key, create, set the title, upload, deploy, poll, validate.
    assert.equal((await api('GET', 'server_settings')).status, 200);
    assert.equal((await api('GET', 'v1/user')).status, 200);
    const python = await api('GET', 'v1/server_settings/python');
    assert.match(python.body.installations[0].version, /^3\.\d+\.\d+$/);
    const name = uniqueName('rsconnect-python');
    const created = await api('POST', 'v1/content', { name });
    assert.equal(created.status, 200);
    const guid = created.body.guid;
    const titled = await api('PATCH', `v1/content/${guid}`, { title: 'Stock API via rsconnect-python' });
    assert.equal(titled.body.title, 'Stock API via rsconnect-python');
    const bundle = await call('POST', `/__api__/v1/content/${guid}/bundles`, flaskBundle);
    assert.equal(bundle.status, 200);
    const deploy = await api('POST', `v1/content/${guid}/deploy`, { bundle_id: bundle.body.id });
    assert.equal(deploy.status, 202);
    let first: number | undefined;
    let task: { finished: boolean; code: number; last: number; output: string[] } | undefined;
    let polls = 0;
    while (!task?.finished && polls < 60) {
      const query = first === undefined ? 'wait=1' : `first=${first}&wait=1`;
      task = (await api('GET', `v1/tasks/${deploy.body.task_id}?${query}`)).body;
      first = task!.last;
      polls++;
    }
    assert.equal(task?.code, 0);
    const validated = await call('GET', `/content/${guid}/`, undefined, { authorization: `Key ${key}` });
    assert.ok(validated.status < 500, `validation GET answered ${validated.status}`);

    const search = await api('GET', 'v1/content');
    assert.ok(search.body.some((c: { guid: string }) => c.guid === guid));
    const described = await api('GET', `v1/content/${guid}`);
    assert.equal(described.body.bundle_id, bundle.body.id);
    assert.equal(described.body.py_environment_management, true);
    const download = await fetch(
      `${standin.url}/__api__/v1/content/${guid}/bundles/${bundle.body.id}/download`,
      {
        headers: { authorization: `Key ${key}` },
      },
    );
    assert.equal(download.status, 200);
    const bytes = Buffer.from(await download.arrayBuffer());
    assert.equal(
      createHash('md5').update(bytes).digest('hex'),
      createHash('md5').update(flaskBundle).digest('hex'),
    );
    const r = await api('GET', 'v1/server_settings/r');
    assert.match(r.body.installations[0].version, /^\d+\.\d+\.\d+$/);
  });

  test('rsconnect-python --draft: the active bundle stays, the draft is served at _bundle{id}', async () => {
    const { guid, bundleId: active } = await deployed(probeApp('active'), { access_type: 'all' }, 'draft');
    const draft = await startTask(guid, probeApp('draft'), { activate: false });
    const built = await finish(draft.taskId);
    assert.equal(built.code, 0, built.error);
    assert.equal(
      (await api('GET', `v1/content/${guid}`)).body.bundle_id,
      active,
      'the active bundle is unchanged',
    );
    const live = await call('GET', `/content/${guid}/`, undefined, {});
    assert.equal(live.body.label, 'active');
    assert.equal(live.body.script_root, `/content/${guid}`);
    const preview = await call('GET', `/content/${guid}/_bundle${draft.bundleId}/`, undefined, {});
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.body.label, 'draft');
    assert.equal(
      preview.body.self,
      `/content/${guid}/_bundle${draft.bundleId}/`,
      'draft URLs stay under the draft path',
    );
    assertError(await call('GET', `/content/${guid}/_bundle999999/`, undefined, {}), 404, 4);

    // "Activate draft": the same bundle deployed again without activate:false.
    const activation = await startTask(guid, probeApp('draft'));
    assert.equal((await finish(activation.taskId)).code, 0);
    assert.equal((await call('GET', `/content/${guid}/`, undefined, {})).body.label, 'draft');

    // POST /build with activate false (rsconnect-python's content_build(activate=False)) builds a draft;
    // the reference answers build with 200, not deploy's 202.
    const uploaded = await upload(guid, probeApp('built'));
    const build = await api('POST', `v1/content/${guid}/build`, {
      bundle_id: uploaded.body.id,
      activate: false,
    });
    assert.equal(build.status, 200);
    assert.equal((await finish(build.body.task_id)).code, 0);
    assert.equal((await api('GET', `v1/content/${guid}`)).body.bundle_id, activation.bundleId);
    assert.equal(
      (await call('GET', `/content/${guid}/_bundle${uploaded.body.id}/`, undefined, {})).body.label,
      'built',
    );

    // Bundles: the active one cannot be deleted, others can (and their draft stops serving).
    assertError(await api('DELETE', `v1/content/${guid}/bundles/${activation.bundleId}`), 400, 75);
    assert.equal((await api('DELETE', `v1/content/${guid}/bundles/${uploaded.body.id}`)).status, 204);
    assertError(await api('GET', `v1/content/${guid}/bundles/${uploaded.body.id}`), 404, 4);
    assertError(await call('GET', `/content/${guid}/_bundle${uploaded.body.id}/`, undefined, {}), 404, 4);
    assertError(await api('GET', `v1/content/${guid}/bundles/${uploaded.body.id}/download`), 404, 4);
  });

  test('environment variables: names listed, values never returned, the app sees them', async () => {
    const { guid } = await deployed(probeApp('env'), { access_type: 'all' }, 'env');
    const set = await api('PATCH', `v1/content/${guid}/environment`, [
      { name: 'GREETING', value: 'hello from the stand-in' },
      { name: 'OTHER', value: 'x' },
    ]);
    assert.equal(set.status, 200);
    assert.deepEqual(set.body, ['GREETING', 'OTHER']);
    const listed = await api('GET', `v1/content/${guid}/environment`);
    assert.deepEqual(listed.body, ['GREETING', 'OTHER']);
    assert.doesNotMatch(listed.text, /hello from the stand-in/);
    const seen = await call('GET', `/content/${guid}/env/GREETING`, undefined, {});
    assert.equal(seen.body.value, 'hello from the stand-in');
    assert.deepEqual(
      (await api('PATCH', `v1/content/${guid}/environment`, [{ name: 'OTHER', value: null }])).body,
      ['GREETING'],
    );
    assert.deepEqual(
      (await api('PUT', `v1/content/${guid}/environment`, [{ name: 'ONLY', value: '1' }])).body,
      ['ONLY'],
    );
    assertError(await api('PATCH', `v1/content/${guid}/environment`, { name: 'X' }), 400, 25);
    assertError(
      await api('PATCH', `v1/content/${guid}/environment`, [{ name: '1BAD', value: 'x' }]),
      400,
      25,
    );
  });

  test('posit-sdk create, upload, deploy and task.wait_for() within 60 task requests', async () => {
    const created = await api('POST', 'v1/content', { name: uniqueName('posit-sdk'), access_type: 'all' });
    assert.equal(created.status, 200);
    const bundle = await call('POST', `/__api__/v1/content/${created.body.guid}/bundles`, flaskBundle);
    const deploy = await api('POST', `v1/content/${created.body.guid}/deploy`, { bundle_id: bundle.body.id });
    assert.equal(deploy.status, 202);
    // tasks.get(id) without parameters, then update(wait=1) until finished.
    let task = (await api('GET', `v1/tasks/${deploy.body.task_id}`)).body;
    let requests = 1;
    while (!task.finished && requests < 200) {
      task = (await api('GET', `v1/tasks/${deploy.body.task_id}?wait=1`)).body;
      requests++;
    }
    assert.equal(task.finished, true);
    assert.equal(task.code, 0, task.error);
    assert.ok(requests <= 60, `wait_for made ${requests} task requests`);
    assert.equal((await call('GET', `/content/${created.body.guid}/stocks/AAPL`, undefined, {})).status, 200);
  });
});
