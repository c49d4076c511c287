// The real workload on the embedded engine: the built scenario bundles against the local Connect
// stand-in (Flask deployed through its API first), smoke profile.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createConnectClient } from '../harness/connect/client.ts';
import { startStandin } from '../standin/index.ts';
import { count, run } from './engine-fixtures.ts';

const SCRIPT = new URL('../dist/scenarios/load-soak.js', import.meta.url).pathname;
const FLASK = new URL('../dist/bundles/flask-stock-api.tar.gz', import.meta.url).pathname;

describe('engine runs the scenarios against the stand-in', () => {
  const apiKey = 'engine-scenarios-test-key';
  let standin: Awaited<ReturnType<typeof startStandin>>;
  let flaskGuid = '';
  before(async () => {
    if (!existsSync(SCRIPT) || !existsSync(FLASK)) {
      const build = spawnSync(process.execPath, ['esbuild.config.mjs'], { stdio: 'inherit' });
      assert.equal(build.status, 0, 'npm run build failed');
    }
    standin = await startStandin({ apiKey });
    const client = createConnectClient({ server: standin.url, apiKey });
    const content = await client.createContent({ name: 'flask-engine-test' });
    const bundle = await client.uploadBundle(content.guid, readFileSync(FLASK));
    const { task_id } = await client.deploy(content.guid, bundle.id);
    await client.waitForTask(task_id, 60_000);
    flaskGuid = content.guid;
  });
  after(async () => {
    await standin?.stop();
  });

  test('load-soak, smoke profile: no failed fetch, at least one successful publish cycle', async () => {
    const r = await run({
      script: SCRIPT,
      env: {
        CONNECT_SERVER: standin.url,
        CONNECT_API_KEY: apiKey,
        FLASK_CONTENT_GUID: flaskGuid,
        PROFILE: 'smoke',
      },
    });
    const fetchScenario = 'fetchers';
    const fetchFailures = r.samples.filter(
      (s) => s.metric === 'http_req_failed' && s.tags.scenario === fetchScenario && s.value === 1,
    );
    assert.ok(
      count(r.samples, 'http_reqs', (s) => s.tags.scenario === fetchScenario) > 0,
      `fetches happened: ${r.stderr}`,
    );
    assert.equal(fetchFailures.length, 0, r.stderr);
    assert.ok(count(r.samples, 'publish_cycle_success', (s) => s.value === 1) >= 1, r.stderr);
    assert.equal(r.exitCode, 0, `the smoke profile's thresholds pass: ${r.stderr}`);
  });

  test('FLASK_CONTENT_NAME: setup() finds the Flask API by its content name', async () => {
    const r = await run({
      script: SCRIPT,
      env: {
        CONNECT_SERVER: standin.url,
        CONNECT_API_KEY: apiKey,
        FLASK_CONTENT_NAME: 'flask-engine-test',
        PROFILE: 'smoke',
      },
    });
    assert.ok(
      count(r.samples, 'http_reqs', (s) => s.tags.scenario === 'fetchers' && s.tags.status === '200') > 0,
      r.stderr,
    );
    const missing = await run({
      script: SCRIPT,
      env: {
        CONNECT_SERVER: standin.url,
        CONNECT_API_KEY: apiKey,
        FLASK_CONTENT_NAME: 'no-such-content',
        PROFILE: 'smoke',
      },
    });
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.stderr, /No content named 'no-such-content'/);
  });
});
