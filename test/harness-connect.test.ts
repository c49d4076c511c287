import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createConnectClient, normaliseServer } from '../harness/connect/client.ts';
import { ConnectError } from '../harness/connect/errors.ts';
import { preflight, publishFlask } from '../harness/pipeline/target.ts';
import { type Standin, startStandin } from '../standin/index.ts';

const apiKey = 'test-key-0123456789abcdef';
let standin: Standin;
let proxy: Server;
let proxyUrl: string;

before(async () => {
  standin = await startStandin({ apiKey, port: 0, host: '127.0.0.1' });
  // Something that is not Connect: an HTML error page, as a proxy in front of Connect may give.
  proxy = createServer((_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html>Bad Gateway</html>');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  await standin.stop();
  await new Promise((resolve) => proxy.close(resolve));
});

describe('Connect client', () => {
  it('normalises the server URL and refuses what is not one', () => {
    assert.equal(normaliseServer('https://connect.example.com/'), 'https://connect.example.com');
    assert.throws(() => normaliseServer('connect'), /CONNECT_SERVER must be a URL/);
    assert.throws(() => normaliseServer('ftp://x'), /http or https/);
  });

  it('turns Connect errors into sentences with the code and what to do', async () => {
    const bad = createConnectClient({ server: standin.url, apiKey: 'wrong-key-xxxxxxxx' });
    const error = await bad.currentUser().catch((e) => e);
    assert.ok(error instanceof ConnectError);
    assert.equal(error.status, 401);
    assert.match(error.message, /Checking the API key \(GET \/v1\/user\) failed: HTTP 401.*CONNECT_API_KEY/);
    assert.ok(!error.message.includes('wrong-key'), 'the key is not repeated');
    const html = await createConnectClient({ server: proxyUrl, apiKey })
      .serverSettings()
      .catch((e) => e);
    assert.match(html.message, /HTTP 502: <html>Bad Gateway<\/html>/);
    const down = await createConnectClient({ server: 'http://127.0.0.1:1', apiKey })
      .serverSettings()
      .catch((e) => e);
    assert.match(down.message, /cannot reach http:\/\/127\.0\.0\.1:1 .*check CONNECT_SERVER/);
  });

  it('sends the bundle with the Base64 of its MD5 in X-Content-Checksum', async () => {
    const seen: Array<{ checksum: string | undefined; md5: string }> = [];
    const capture = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          checksum: req.headers['x-content-checksum'] as string | undefined,
          md5: createHash('md5').update(Buffer.concat(chunks)).digest('base64'),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"7"}');
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`;
      const bundle = await createConnectClient({ server: url, apiKey }).uploadBundle(
        'g',
        Buffer.from('tar.gz bytes'),
      );
      assert.equal(bundle.id, '7');
      assert.equal(seen.length, 1);
      assert.equal(seen[0].checksum, seen[0].md5);
    } finally {
      capture.close();
    }
  });

  it('publishes the Flask fixture, passes the preflight and deletes it', async () => {
    const client = createConnectClient({ server: standin.url, apiKey });
    const flask = await publishFlask(client, () => {});
    assert.match(flask.url, new RegExp(`/content/${flask.guid}/$`));
    const checked = await preflight(client, flask.url);
    assert.match(checked.user, /\(administrator|publisher\)/);
    assert.equal((await client.findContentByName('perf-flask-stock-api'))?.guid, flask.guid);
    await assert.rejects(
      preflight(client, `${standin.url}/content/00000000-0000-0000-0000-000000000000/`),
      /answered HTTP 404/,
    );
    await client.deleteContent(flask.guid);
    assert.equal(await client.findContentByName('perf-flask-stock-api'), null);
    await assert.rejects(client.getContent(flask.guid), /HTTP 404, code 4/);
  });
});
