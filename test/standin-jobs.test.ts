// GET /__api__/v1/content/{guid}/jobs and .../jobs/{key}: the records have posit-sdk-py's Job
// fields (src/posit/connect/jobs.py, tests/posit/connect/__api__/v1/content/*/jobs*.json) with
// ids as strings and RFC 3339 times; errors are Connect's {code, error, payload}.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Standin, startStandin } from '../standin/index.ts';
import { assertError, clientOf, key, readFixture } from './helpers/standin-client.ts';
import { bundleOf, manifestEntry } from './hostile-archives.ts';

const flaskBundle = readFixture('flask-stock-api');
const plumberBundle = readFixture('plumber-stock-api');

let standin: Standin;
let root: string;
const { call, api, createContent, deploy, deployed } = clientOf(() => standin);

const fields = [
  'id',
  'ppid',
  'pid',
  'key',
  'remote_id',
  'app_id',
  'variant_id',
  'bundle_id',
  'start_time',
  'end_time',
  'last_heartbeat_time',
  'queued_time',
  'queue_name',
  'tag',
  'exit_code',
  'status',
  'hostname',
  'cluster',
  'image',
  'run_as',
].sort();
const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/;

// biome-ignore lint/suspicious/noExplicitAny: job records are JSON
function assertJobShape(job: any): void {
  assert.deepEqual(Object.keys(job).sort(), fields);
  for (const name of ['id', 'pid', 'key', 'app_id', 'variant_id', 'bundle_id', 'hostname', 'run_as']) {
    assert.equal(typeof job[name], 'string', `${name} is a string`);
  }
  assert.match(job.id, /^\d+$/);
  assert.match(job.pid, /^\d+$/);
  assert.match(job.key, /^[A-Za-z0-9]{16}$/);
  for (const name of ['start_time', 'last_heartbeat_time']) assert.match(job[name], rfc3339);
  assert.ok([0, 1, 2].includes(job.status));
  if (job.status === 0) {
    assert.equal(job.end_time, null);
    assert.equal(job.exit_code, null);
  } else {
    assert.match(job.end_time, rfc3339);
    assert.equal(typeof job.exit_code, 'number');
  }
}

describe('stand-in jobs API', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'standin-jobs-'));
    standin = await startStandin({ apiKey: key, dataDir: join(root, 'data') });
  });

  after(async () => {
    await standin.stop();
    await rm(root, { recursive: true, force: true });
  });

  test('a Flask deploy is a python_restore job; its running process a run_python_api job', async () => {
    const { guid, bundleId } = await deployed(flaskBundle, { access_type: 'all', idle_timeout: 600 }, 'jobs');
    const content = (await api('GET', `v1/content/${guid}`)).body;
    const afterDeploy = (await api('GET', `v1/content/${guid}/jobs`)).body;
    assert.equal(afterDeploy.length, 1, 'the deploy started no app process');
    const [restore] = afterDeploy;
    assertJobShape(restore);
    assert.equal(restore.tag, 'python_restore');
    assert.equal(restore.status, 2, 'finished and finalized');
    assert.equal(restore.exit_code, 0);
    assert.equal(restore.app_id, content.id);
    assert.equal(restore.bundle_id, bundleId);

    assert.equal((await call('GET', `/content/${guid}/stocks/AAPL`)).status, 200);
    const list = (await api('GET', `v1/content/${guid}/jobs`)).body;
    const run = list.find((j: { tag: string }) => j.tag === 'run_python_api');
    assertJobShape(run);
    assert.equal(run.status, 0);
    assert.deepEqual(
      standin
        .processes()
        .filter((p) => p.contentGuid === guid)
        .map((p) => String(p.pid)),
      [run.pid],
      'the job is the running gunicorn',
    );
    const one = await api('GET', `v1/content/${guid}/jobs/${run.key}`);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual({ ...one.body, last_heartbeat_time: null }, { ...run, last_heartbeat_time: null });
  });

  test('a Plumber deploy is a packrat_restore job; its process a run_api job', async () => {
    const { guid } = await deployed(plumberBundle, { access_type: 'all', idle_timeout: 600 }, 'jobs-r');
    assert.equal((await call('GET', `/content/${guid}/volatility?ticker=AAPL`)).status, 200);
    const list = (await api('GET', `v1/content/${guid}/jobs`)).body;
    list.forEach(assertJobShape);
    assert.deepEqual(list.map((j: { tag: string }) => j.tag).sort(), ['packrat_restore', 'run_api']);
  });

  test('a failed restore is a finished job with a non-zero exit code', async () => {
    const guid = await createContent(`jobs-fail-${process.pid}`);
    const result = await deploy(
      guid,
      bundleOf([
        manifestEntry({ appmode: 'python-api', entrypoint: 'app' }),
        { path: 'app.py', body: 'from flask import Flask\napp = Flask(__name__)\n' },
        { path: 'requirements.txt', body: 'surely-not-installed-package-xyz\n' },
      ]),
    );
    assert.notEqual(result.code, 0);
    const [job] = (await api('GET', `v1/content/${guid}/jobs`)).body;
    assertJobShape(job);
    assert.equal(job.tag, 'python_restore');
    assert.notEqual(job.exit_code, 0);
  });

  test("errors: unknown content or key is 404 code 4; no key is 401; deleted content's jobs are gone", async () => {
    const { guid } = await deployed(flaskBundle, { access_type: 'all' }, 'jobs-err');
    assertError(await api('GET', 'v1/content/00000000-0000-0000-0000-000000000000/jobs'), 404, 4);
    assertError(await api('GET', `v1/content/${guid}/jobs/NoSuchJobKey0000`), 404, 4);
    assertError(await call('GET', `/__api__/v1/content/${guid}/jobs`, undefined, {}), 401, 24);
    assertError(await api('POST', `v1/content/${guid}/jobs`), 404, 2);
    assert.equal((await api('DELETE', `v1/content/${guid}`)).status, 204);
    assertError(await api('GET', `v1/content/${guid}/jobs`), 404, 4);
  });
});
