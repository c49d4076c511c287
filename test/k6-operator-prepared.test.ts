// PREPARED_RUN: how the scripts run under k6-operator, where every runner executes setup() and
// teardown(). The harness's one-time lookups reach the script as environment; setup() returns
// them without a request and teardown() deletes nothing, even with PUBLISH_CLEANUP=true.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnectClient } from '../harness/connect/client.ts';
import { scripts } from '../harness/pipeline/workload.ts';
import { readInputs } from '../scenarios/lib/inputs.ts';
import type { Standin } from '../standin/index.ts';
import { run } from './engine-fixtures.ts';
import { standinWithFlask } from './helpers/flask-on-standin.ts';

const apiKey = 'prepared-run-test-key-0123456789';

describe('PREPARED_RUN inputs', () => {
  const base = { CONNECT_SERVER: 'https://c.example.com', CONNECT_API_KEY: 'k' };

  it('carries the harness lookups', () => {
    const inputs = readInputs({
      ...base,
      PREPARED_RUN: 'true',
      FLASK_CONTENT_URL: 'https://c.example.com/content/abc/',
      PREPARED_USER_GUID: 'u-1',
      PREPARED_CONNECT_VERSION: '2026.11.0',
    });
    assert.deepEqual(inputs.prepared, { userGuid: 'u-1', connectVersion: '2026.11.0' });
    assert.equal(readInputs({ ...base, FLASK_CONTENT_GUID: 'abcdef12' }).prepared, null);
  });

  it('needs the Flask URL and the user it was prepared for', () => {
    assert.throws(
      () =>
        readInputs({
          ...base,
          PREPARED_RUN: 'true',
          FLASK_CONTENT_GUID: 'abcdef12',
          PREPARED_USER_GUID: 'u',
        }),
      /PREPARED_RUN=true needs FLASK_CONTENT_URL/,
    );
    assert.throws(
      () =>
        readInputs({ ...base, PREPARED_RUN: 'true', FLASK_CONTENT_URL: 'https://c.example.com/content/a/' }),
      /PREPARED_USER_GUID is not set/,
    );
  });
});

describe('the load-soak bundle in PREPARED_RUN mode', () => {
  let standin: Standin;
  let flaskUrl: string;
  before(async () => {
    ({ standin, flaskUrl } = await standinWithFlask(apiKey));
  });
  after(async () => {
    await standin?.stop();
  });

  it('uses the prepared data and leaves the content for the harness to delete', async () => {
    const client = createConnectClient({ server: standin.url, apiKey });
    const user = await client.currentUser();
    const r = await run({
      script: scripts['load-soak'],
      env: {
        CONNECT_SERVER: standin.url,
        CONNECT_API_KEY: apiKey,
        FLASK_CONTENT_URL: flaskUrl,
        PROFILE: 'smoke',
        PUBLISH_CLEANUP: 'true',
        PREPARED_RUN: 'true',
        PREPARED_USER_GUID: user.guid,
        PREPARED_CONNECT_VERSION: 'version-from-the-harness',
      },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const setup = r.summary?.setup_data as { connectVersion: string; userGuid: string; flaskUrl: string };
    assert.equal(setup.connectVersion, 'version-from-the-harness', 'setup() did not ask the server');
    assert.equal(setup.userGuid, user.guid);
    assert.equal(setup.flaskUrl, flaskUrl);
    assert.ok(await client.findContentByName('perf-plumber-stock-api'), 'teardown() deleted nothing');
  });
});
