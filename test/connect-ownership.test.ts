// Requests as Connect documents them, checked on the wire against a small Connect on loopback:
// the bundle checksum is the Base64 of the archive's MD5, content is looked up by name AND owner,
// and another user's item of the same name is never uploaded to, PATCHed or DELETEd; the run
// deletes only what it created. Both clients: the harness's (Node) and the workload's (k6 code
// on the embedded engine).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { bundleChecksum, createConnectClient } from '../harness/connect/client.ts';
import { deletePublisherContent } from '../harness/pipeline/k6-operator.ts';
import { bundlePaths, openTarget, publishFlask } from '../harness/pipeline/target.ts';
import { contentNameProblem } from '../scenarios/lib/inputs.ts';
import { run, tempDir } from './engine-fixtures.ts';
import { type FakeItem, fakeConnect } from './helpers/fake-connect.ts';

const ROOT = join(import.meta.dirname, '..');
const apiKey = 'ownership-test-key-0123456789';
const ME = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

const fake = (items: FakeItem[]) => fakeConnect({ apiKey, me: ME, items });

describe('the harness client (Node)', () => {
  it('sends X-Content-Checksum as the Base64 of the MD5 of the archive bytes', async () => {
    const connect = await fake([]);
    try {
      const bytes = Buffer.from('tar.gz bytes \u0000\u00ff');
      const expected = createHash('md5').update(bytes).digest('base64');
      assert.equal(bundleChecksum(bytes), expected);
      await createConnectClient({ server: connect.url, apiKey }).uploadBundle('g', bytes);
      const upload = connect.seen.find((s) => s.path.endsWith('/bundles'));
      assert.equal(upload?.checksum, expected);
      assert.equal(upload?.bodyMd5Base64, expected);
      assert.doesNotMatch(upload?.checksum ?? '', /^[0-9a-f]{32}$/, 'not hex');
    } finally {
      await connect.close();
    }
  });

  it('looks content up by name and owner, and never takes another owner of the same name', async () => {
    const connect = await fake([
      { guid: 'other-flask', name: 'perf-flask-stock-api', owner_guid: OTHER, access_type: 'acl' },
    ]);
    try {
      const client = createConnectClient({ server: connect.url, apiKey });
      assert.equal(await client.findContentByName('perf-flask-stock-api'), null);
      const lookup = connect.seen.find((s) => s.path === '/__api__/v1/content');
      assert.equal(lookup?.query.get('owner_guid'), ME, 'the key user from GET /v1/user is sent');
      connect.items.push({
        guid: 'my-flask',
        name: 'perf-flask-stock-api',
        owner_guid: ME,
        access_type: 'acl',
      });
      assert.equal((await client.findContentByName('perf-flask-stock-api'))?.guid, 'my-flask');
      assert.equal(
        await client.findContentByName('perf-flask-stock-api', OTHER).then((c) => c?.guid),
        'other-flask',
      );
    } finally {
      await connect.close();
    }
  });

  it('--publish-fixtures reuses only the key user own item and deletes only what the run created', async () => {
    const connect = await fake([
      { guid: 'other-flask', name: 'perf-flask-stock-api', owner_guid: OTHER, access_type: 'acl' },
      { guid: 'my-flask', name: 'perf-flask-stock-api', owner_guid: ME, access_type: 'acl' },
    ]);
    try {
      const reused = await publishFlask(createConnectClient({ server: connect.url, apiKey }), () => {});
      assert.deepEqual([reused.guid, reused.created], ['my-flask', false]);
      const upload = connect.seen.find((s) => s.path.endsWith('/bundles'));
      const flaskBytes = readFileSync(bundlePaths.flask);
      assert.equal(upload?.checksum, createHash('md5').update(flaskBytes).digest('base64'));

      // Through the target: content that existed before the run stays after it.
      const target = await openTarget({
        env: { CONNECT_SERVER: connect.url, CONNECT_API_KEY: apiKey },
        publishFixtures: true,
        log: () => {},
      });
      assert.equal(target.flaskGuid, 'my-flask');
      assert.deepEqual(target.createdContent, []);
      await target.close();
      assert.deepEqual(
        connect.items.map((i) => i.guid),
        ['other-flask', 'my-flask'],
      );

      // Only the other user's item exists: the run creates its own and deletes just that one.
      connect.items.splice(1, 1);
      const fresh = await openTarget({
        env: { CONNECT_SERVER: connect.url, CONNECT_API_KEY: apiKey },
        publishFixtures: true,
        log: () => {},
      });
      assert.notEqual(fresh.flaskGuid, 'other-flask');
      assert.deepEqual(fresh.createdContent, [fresh.flaskGuid]);
      assert.equal(connect.items.length, 2);
      await fresh.close();
      assert.deepEqual(
        connect.items.map((i) => i.guid),
        ['other-flask'],
      );
      assert.deepEqual(connect.writesTo('other-flask'), [], 'the other owner item was never written to');
    } finally {
      await connect.close();
    }
  });

  it('k6-operator cleanup deletes the publisher content only when this run created it', async () => {
    const env = {
      CONNECT_SERVER: '',
      CONNECT_API_KEY: apiKey,
      PUBLISH_CONTENT_NAME: 'perf-plumber-stock-api',
    };
    const connect = await fake([
      { guid: 'other-plumber', name: 'perf-plumber-stock-api', owner_guid: OTHER, access_type: 'all' },
      { guid: 'my-plumber', name: 'perf-plumber-stock-api', owner_guid: ME, access_type: 'all' },
    ]);
    try {
      env.CONNECT_SERVER = connect.url;
      const lines: string[] = [];
      await deletePublisherContent(env, { userGuid: ME, existingPublisherGuid: 'my-plumber' }, (l) =>
        lines.push(l),
      );
      assert.equal(connect.items.length, 2);
      assert.match(lines.join('\n'), /kept the publisher's content .*existed before the run/);
      await deletePublisherContent(env, { userGuid: ME, existingPublisherGuid: null }, (l) => lines.push(l));
      assert.deepEqual(
        connect.items.map((i) => i.guid),
        ['other-plumber'],
      );
      await deletePublisherContent(env, { userGuid: ME, existingPublisherGuid: null }, (l) => lines.push(l));
      assert.deepEqual(connect.writesTo('other-plumber'), []);
    } finally {
      await connect.close();
    }
  });
});

describe('the workload client (k6 code on the embedded engine)', () => {
  const dir = tempDir();
  let script = '';
  const plumberBytes = readFileSync(bundlePaths.plumber);
  before(async () => {
    // One publish cycle and the teardown cleanup, with the suite's own setup(): the real modules.
    const entry = `
      import { publish } from './scenarios/lib/publisher.ts';
      import { prepareRun, cleanUp } from './scenarios/lib/run-setup.ts';
      import { inputs } from './scenarios/lib/env.ts';
      export const options = { scenarios: { publisher: { executor: 'shared-iterations', vus: 1, iterations: 1 } } };
      export function setup() { return prepareRun(inputs, { kind: 'load-soak' }); }
      export default async function (data) { await publish(data); }
      export async function teardown(data) { await cleanUp(inputs, data); }
    `;
    const out = await build({
      stdin: { contents: entry, resolveDir: ROOT, loader: 'ts', sourcefile: 'ownership-entry.ts' },
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2020',
      external: ['k6', 'k6/*'],
      write: false,
      logLevel: 'silent',
    });
    script = dir.write('publish-once.js', out.outputFiles[0].text);
  });
  after(() => dir.cleanup());

  const runOnce = (server: string) =>
    run({
      script,
      env: {
        CONNECT_SERVER: server,
        CONNECT_API_KEY: apiKey,
        FLASK_CONTENT_URL: `${server}/content/flask-guid/`,
        PLUMBER_BUNDLE: bundlePaths.plumber,
        PUBLISH_CLEANUP: 'true',
      },
    });

  it('publishes with the Base64 MD5, creates its own item beside another owner and deletes only it', async () => {
    const connect = await fake([
      { guid: 'other-plumber', name: 'perf-plumber-stock-api', owner_guid: OTHER, access_type: 'acl' },
    ]);
    try {
      const r = await runOnce(connect.url);
      assert.equal(r.exitCode, 0, r.stderr);
      const upload = connect.seen.find((s) => s.path.endsWith('/bundles'));
      assert.equal(upload?.checksum, createHash('md5').update(plumberBytes).digest('base64'));
      assert.equal(upload?.bodyMd5Base64, upload?.checksum);
      assert.ok(
        connect.seen
          .filter((s) => s.path === '/__api__/v1/content' && s.method === 'GET')
          .every((s) => s.query.get('owner_guid') === ME),
        'every lookup by name names the owner',
      );
      assert.match(r.stdout + r.stderr, /PUBLISH_CLEANUP: deleted the publisher's content/);
      assert.deepEqual(
        connect.items.map((i) => i.guid),
        ['other-plumber'],
      );
      assert.deepEqual(connect.writesTo('other-plumber'), [], 'never uploaded to, PATCHed or DELETEd');
    } finally {
      await connect.close();
    }
  });

  it('reuses the key user own item after a 409 and keeps it, as it existed before the run', async () => {
    const connect = await fake([
      { guid: 'other-plumber', name: 'perf-plumber-stock-api', owner_guid: OTHER, access_type: 'acl' },
      { guid: 'my-plumber', name: 'perf-plumber-stock-api', owner_guid: ME, access_type: 'acl' },
    ]);
    try {
      const r = await runOnce(connect.url);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.ok(
        connect.seen.some((s) => s.method === 'POST' && s.path === '/__api__/v1/content/my-plumber/bundles'),
      );
      assert.match(r.stdout + r.stderr, /kept the publisher's content .*existed before the run/);
      assert.deepEqual(
        connect.items.map((i) => i.guid),
        ['other-plumber', 'my-plumber'],
      );
      assert.deepEqual(connect.writesTo('other-plumber'), []);
    } finally {
      await connect.close();
    }
  });
});

describe("Connect's content name rule", () => {
  it('takes 3 to 64 letters, digits, -, _ and . and refuses the rest with a sentence', () => {
    for (const ok of ['abc', 'perf-plumber_stock.api', 'a'.repeat(64)])
      assert.equal(contentNameProblem('N', ok), null);
    for (const bad of ['ab', 'a'.repeat(65), 'a b', 'a/b', 'ünï', 'a$b']) {
      assert.match(
        contentNameProblem('PUBLISH_CONTENT_NAME', bad) ?? '',
        /PUBLISH_CONTENT_NAME must be 3 to 64/,
      );
    }
  });
});
