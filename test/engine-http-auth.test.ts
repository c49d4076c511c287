// test-tier: unit
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { count, run, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const nonces = new Set<string>();

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** httpbin's /digest-auth/auth/<user>/<pass>: checks the RFC 7616 answer with its own nonce. */
function digestEndpoint(req: IncomingMessage, res: ServerResponse, user: string, pass: string): void {
  const header = req.headers.authorization ?? '';
  const realm = 'me@kennethreitz.com';
  if (!header.startsWith('Digest ')) {
    const nonce = randomBytes(8).toString('hex');
    nonces.add(nonce);
    json(
      res,
      401,
      {},
      {
        'WWW-Authenticate': `Digest realm="${realm}", nonce="${nonce}", qop="auth", opaque="op1", algorithm=MD5`,
      },
    );
    return;
  }
  const p = Object.fromEntries(
    [...header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)].map((m) => [m[1], m[2] ?? m[3]]),
  );
  const ha1 = md5(`${user}:${realm}:${pass}`);
  const ha2 = md5(`${req.method}:${req.url}`);
  const expected = md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
  const ok =
    nonces.has(p.nonce) &&
    p.username === user &&
    p.uri === req.url &&
    p.opaque === 'op1' &&
    p.response === expected;
  if (ok) json(res, 200, { authenticated: true, user });
  else json(res, 401, { authenticated: false });
}

before(async () => {
  server = await startServer((req, res) => {
    const parts = (req.url ?? '').split('?')[0].split('/');
    if (parts[1] === 'basic-auth') {
      const want = `Basic ${Buffer.from(`${parts[2]}:${parts[3]}`).toString('base64')}`;
      if (req.headers.authorization === want) json(res, 200, { authenticated: true, user: parts[2] });
      else json(res, 401, {}, { 'WWW-Authenticate': 'Basic realm="Fake Realm"' });
      return;
    }
    if (parts[1] === 'digest-auth') {
      digestEndpoint(req, res, parts[3], parts[4]);
      return;
    }
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => json(res, 200, { body, type: req.headers['content-type'] ?? '' }));
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

const hostPort = () => server.url.replace('http://', '');

describe('params.auth and URL credentials as k6 documents them', () => {
  test("basic auth: credentials in the URL, and the docs' header built with k6/encoding", async () => {
    const r = await run({
      script: files.write(
        'basic.js',
        `import http from 'k6/http';
import encoding from 'k6/encoding';
import { check } from 'k6';
const username = 'user', password = 'passwd';
export default async function () {
  let res = await http.get('http://' + username + ':' + password + '@${hostPort()}/basic-auth/' + username + '/' + password);
  check(res, { 'url creds 200': (r) => r.status === 200, 'url creds user': (r) => r.json().user === username });
  const encoded = encoding.b64encode(username + ':' + password);
  res = await http.get('${server.url}/basic-auth/' + username + '/' + password, { headers: { Authorization: 'Basic ' + encoded } });
  check(res, { 'header 200': (r) => r.status === 200 });
  res = await http.get('http://' + username + ':wrong@${hostPort()}/basic-auth/' + username + '/' + password, { auth: 'basic' });
  check(res, { 'wrong password 401': (r) => r.status === 401 });
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      4,
      r.stderr,
    );
    const urls = r.samples.filter((s) => s.metric === 'http_reqs').map((s) => s.tags.url);
    assert.ok(urls[0].includes('****:****@'), `credentials are masked in tags: ${urls[0]}`);
  });

  test("digest auth: the docs' example answers the challenge; the 401 counts as expected", async () => {
    const r = await run({
      script: files.write(
        'digest.js',
        `import http from 'k6/http';
import { check } from 'k6';
const username = 'user', password = 'passwd';
export default async function () {
  const res = await http.get('http://' + username + ':' + password + '@${hostPort()}/digest-auth/auth/' + username + '/' + password + '?x=1', { auth: 'digest' });
  check(res, { 'status is 200': (r) => r.status === 200, 'is authenticated': (r) => r.json().authenticated === true, 'is correct user': (r) => r.json().user === username });
  const bad = await http.get('http://' + username + ':nope@${hostPort()}/digest-auth/auth/' + username + '/' + password, { auth: 'digest' });
  check(bad, { 'wrong password 401': (r) => r.status === 401 });
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      4,
      r.stderr,
    );
    const reqs = r.samples.filter((s) => s.metric === 'http_reqs');
    assert.deepEqual(
      reqs.map((s) => [s.tags.status, s.tags.expected_response]),
      [
        ['401', 'true'],
        ['200', 'true'],
        ['401', 'true'],
        ['401', 'false'],
      ],
    );
  });

  test('ntlm and unknown methods are refused with a sentence', async () => {
    const r = await run({
      script: files.write(
        'ntlm.js',
        `import http from 'k6/http';
export default async function () { await http.get('${server.url}/x', { auth: 'ntlm' }); }`,
      ),
    });
    assert.match(r.stderr, /params.auth 'ntlm' is not supported by the node engine.*--engine k6/);
    assert.equal(count(r.samples, 'iterations'), 0);
  });
});

describe('request bodies as k6 encodes them', () => {
  test('an object body: form-urlencoded in sorted key order (Go url.Values), array values repeat the key', async () => {
    const r = await run({
      script: files.write(
        'form.js',
        `import http from 'k6/http';
import { check } from 'k6';
export default async function () {
  const res = await http.post('${server.url}/post', { topping: ['onion', 'bacon'], size: 'large', note: 'a&b c' });
  check(res, {
    body: (r) => r.json().body === 'note=a%26b+c&size=large&topping=onion&topping=bacon',
    type: (r) => r.json().type === 'application/x-www-form-urlencoded',
  });
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      2,
      r.stderr,
    );
  });
});
