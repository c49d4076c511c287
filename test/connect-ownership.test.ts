// Requests as Connect documents them, checked on the wire against a small Connect on loopback:
// the bundle checksum is the Base64 of the archive's MD5, content is looked up by name AND owner,
// and another user's item of the same name is never uploaded to, PATCHed or DELETEd; the run
// deletes only what it created. Both clients: the harness's (Node) and the workload's (k6 code
// on the embedded engine).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { bundleChecksum, createConnectClient } from '../connect/client.ts';
import { deletePublisherContent } from '../pipeline/k6-operator.ts';
import { bundlePaths, openTarget, publishFlask } from '../pipeline/target.ts';
import { contentNameProblem } from '../scenarios/lib/inputs.ts';
import { run, startServer, tempDir } from './engine-fixtures.ts';

const ROOT = join(import.meta.dirname, '..');
const apiKey = 'ownership-test-key-0123456789';
const ME = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

interface Item {
  guid: string;
  name: string;
  owner_guid: string;
  access_type: string;
}

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  checksum?: string;
  bodyMd5Base64?: string;
}

/** A Connect that answers what the suite asks. It ignores owner_guid in the list on purpose (the
 *  worst a server can do), so the clients' own owner check is what keeps the other's item safe. */
async function fakeConnect(items: Item[]) {
  const seen: Seen[] = [];
  let next = 0;
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const view = (item: Item, server: string) => ({
    ...item,
    title: null,
    app_mode: 'python-api',
    bundle_id: '1',
    content_url: `${server}/content/${item.guid}/`,
  });
  const server = await startServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = Buffer.concat(chunks);
      const entry: Seen = { method: req.method ?? '', path: url.pathname, query: url.searchParams };
      seen.push(entry);
      const base = `http://${req.headers.host}`;
      const path = url.pathname;
      const item = /^\/__api__\/v1\/content\/([^/]+)$/.exec(path);
      const bundles = /^\/__api__\/v1\/content\/([^/]+)\/bundles$/.exec(path);
      if (path.startsWith('/__api__/') && req.headers.authorization !== `Key ${apiKey}`) {
        return send(res, 401, { code: 30, error: 'bad key' });
      }
      if (path === '/__api__/server_settings') return send(res, 200, { version: '2023.09.0' });
      if (path === '/__api__/v1/user') {
        return send(res, 200, { guid: ME, username: 'perf', user_role: 'administrator', locked: false });
      }
      if (path === '/__api__/v1/content' && req.method === 'GET') {
        const name = url.searchParams.get('name');
        return send(
          res,
          200,
          items.filter((i) => i.name === name).map((i) => view(i, base)),
        );
      }
      if (path === '/__api__/v1/content' && req.method === 'POST') {
        const fields = JSON.parse(body.toString()) as { name: string; access_type?: string };
        if (items.some((i) => i.name === fields.name && i.owner_guid === ME)) {
          return send(res, 409, { code: 26, error: 'An object with that name already exists.' });
        }
        const item: Item = {
          guid: `00000000-0000-4000-8000-00000000000${next++}`,
          name: fields.name,
          owner_guid: ME,
          access_type: fields.access_type ?? 'acl',
        };
        items.push(item);
        return send(res, 200, view(item, base));
      }
      if (item) {
        const index = items.findIndex((i) => i.guid === item[1]);
        if (index === -1) return send(res, 404, { code: 4, error: 'not found' });
        if (req.method === 'DELETE') {
          items.splice(index, 1);
          return res.writeHead(204).end();
        }
        if (req.method === 'PATCH') Object.assign(items[index], JSON.parse(body.toString()));
        return send(res, 200, view(items[index], base));
      }
      if (bundles) {
        entry.checksum = req.headers['x-content-checksum'] as string | undefined;
        entry.bodyMd5Base64 = createHash('md5').update(body).digest('base64');
        return send(res, 200, { id: '41', content_guid: bundles[1] });
      }
      if (/^\/__api__\/v1\/content\/[^/]+\/deploy$/.test(path)) return send(res, 200, { task_id: 't-1' });
      if (path === '/__api__/v1/tasks/t-1') {
        return send(res, 200, { id: 't-1', output: ['done'], finished: true, code: 0, error: '', last: 1 });
      }
      if (/^\/content\/[^/]+\/stocks\/$/.test(path)) return send(res, 200, { tickers: ['AAPL'] });
      if (/^\/content\/[^/]+\/stocks\/AAPL$/.test(path)) {
        return send(res, 200, { ticker: 'AAPL', price: 1, volatility: 0.1 });
      }
      if (/^\/content\/[^/]+\/volatility$/.test(path)) {
        return send(res, 200, { ticker: ['AAPL'], volatility: [0.2] });
      }
      send(res, 404, { code: 4, error: `no route ${req.method} ${path}` });
    });
  });
  /** Requests that changed or wrote to an item. */
  const writesTo = (guid: string) =>
    seen.filter((s) => s.method !== 'GET' && s.path.startsWith(`/__api__/v1/content/${guid}`));
  return { ...server, seen, items, writesTo };
}

describe('the harness client (Node)', () => {
  it('sends X-Content-Checksum as the Base64 of the MD5 of the archive bytes', async () => {
    const connect = await fakeConnect([]);
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
    const connect = await fakeConnect([
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
    const connect = await fakeConnect([
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
    const connect = await fakeConnect([
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
    const connect = await fakeConnect([
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
    const connect = await fakeConnect([
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
