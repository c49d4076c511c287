// test-tier: unit
// k6's jslib httpx (https://jslib.k6.io/httpx/<version>/index.js) when jslib.k6.io cannot be
// reached: the engine's own session class for each published version, on both kinds of VU,
// against a local server that echoes each request. Downloads are switched off (NO_DOWNLOAD_ENV)
// so these runs take the offline path whether or not this machine has a network.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import {
  assertChecksPassed,
  count,
  freshModuleCache,
  offlineLines,
  run,
  runOnBothKinds,
  startServer,
  tempDir,
} from './engine-fixtures.ts';

process.env[NO_DOWNLOAD_ENV] = '1';
const files = tempDir();
const HTTPX = (v: string) => `https://jslib.k6.io/httpx/${v}/index.js`;
const VERSIONS = ['0.0.1', '0.0.2', '0.0.3', '0.0.4', '0.0.5', '0.0.6', '0.1.0'];
const moduleCache = () => freshModuleCache(files.dir);

/** Answers every request with what it got: method, path, query, headers and body, as JSON. */
function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://local');
    // Never answered: the session's timeout ends it (the server closes it when the test ends).
    if (url.pathname === '/hang') return;
    const status = url.pathname.startsWith('/status/') ? Number(url.pathname.slice(8)) : 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      }),
    );
  });
}

let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer(echo);
});
after(async () => {
  await server.close();
  files.cleanup();
});

/** Runs `source` once on synchronous VUs and once on async VUs (see runOnBothKinds). */
const onBothKinds = (name: string, source: string) =>
  runOnBothKinds(files, name, source, { moduleCache: moduleCache(), env: { BASE: server.url } });

describe('httpx offline', () => {
  test('the documented session (0.1.0): params merged, methods, bodies, tags, one info line', async () => {
    const runs = await onBothKinds(
      'session',
      `import { check } from 'k6';
import { Httpx } from '${HTTPX('0.1.0')}';
export const options = { vus: 2, iterations: 2 };
const session = new Httpx({
  baseURL: __ENV.BASE,
  headers: { 'User-Agent': 'My custom user agent', 'X-Session': 'yes' },
  tags: { library: 'httpx' },
  timeout: 20000,
});
session.addHeader('Authorization', 'Bearer token1');
session.addHeaders({ 'X-A': 'a', 'X-B': 'b' });
session.clearHeader('X-B');
session.addTag('api', 'crocodiles');
session.addTags({ team: 'perf', gone: 'x' });
session.clearTag('gone');
export default FN () {
  const get = AWAIT session.get('/public/crocodiles/?page=2');
  const e = get.json();
  const post = (AWAIT session.post('/user/register/', { first_name: 'Crocodile', last_name: 'Owner' })).json();
  const put = (AWAIT session.put('/put', JSON.stringify({ a: 1 }), { headers: { 'Content-Type': 'application/json', 'X-Session': 'call' } })).json();
  const patch = (AWAIT session.patch('/patch', 'text')).json();
  const del = (AWAIT session.delete('/del', null, { tags: { name: 'Delete one' } })).json();
  const head = AWAIT session.head('/head');
  const opts = (AWAIT session.options('/opts')).json();
  const trace = (AWAIT session.trace('/trace')).json();
  const req = (AWAIT session.request('POST', '/request', 'raw body')).json();
  check(null, {
    'get: status 200, base URL joined with the path and query': () =>
      get.status === 200 && e.method === 'GET' && e.path === '/public/crocodiles/' && e.query.page === '2',
    'get: session headers, added ones, a cleared one gone': () =>
      e.headers['user-agent'] === 'My custom user agent' && e.headers.authorization === 'Bearer token1' &&
      e.headers['x-a'] === 'a' && !('x-b' in e.headers) && e.headers['x-session'] === 'yes',
    'post: an object body is form-encoded': () =>
      post.method === 'POST' && post.body === 'first_name=Crocodile&last_name=Owner' &&
      post.headers['content-type'] === 'application/x-www-form-urlencoded',
    'put: a call header overrides the session one, the others stay': () =>
      put.method === 'PUT' && put.body === '{"a":1}' && put.headers['x-session'] === 'call' &&
      put.headers['content-type'] === 'application/json' && put.headers.authorization === 'Bearer token1',
    'patch and delete': () => patch.method === 'PATCH' && patch.body === 'text' && del.method === 'DELETE' && del.path === '/del',
    'head has no body; options, trace, request()': () =>
      head.status === 200 && head.body === '' && opts.method === 'OPTIONS' && trace.method === 'TRACE' &&
      req.method === 'POST' && req.body === 'raw body',
    'the session params are not changed by a call': () =>
      session.k6params.headers['X-Session'] === 'yes' && session.k6params.timeout === 20000 && !('name' in session.k6params.tags),
    'lastRequest is the last response': () =>
      session.lastRequest.responseObject.json().path === '/request' && session.lastRequestChainDuration >= 0,
  });
}`,
    );
    for (const [kind, r] of Object.entries(runs)) {
      assertChecksPassed(r, 16);
      assert.equal(offlineLines(r.stderr, 'httpx 0.1.0').length, 1, `${kind}: ${r.stderr}`);
      const reqs = r.samples.filter((s) => s.metric === 'http_reqs');
      assert.equal(reqs.length, 18, kind);
      // Session tags on every request; a call's tags on its own.
      assert.ok(
        reqs.every(
          (s) => s.tags.library === 'httpx' && s.tags.api === 'crocodiles' && s.tags.team === 'perf',
        ),
        kind,
      );
      assert.ok(
        reqs.every((s) => !('gone' in s.tags)),
        kind,
      );
      assert.deepEqual(
        reqs.filter((s) => s.tags.name === 'Delete one').map((s) => s.tags.method),
        ['DELETE', 'DELETE'],
        kind,
      );
    }
  });

  test('batch, Request objects, http.url names and absolute URLs (0.1.0)', async () => {
    const runs = await onBothKinds(
      'batch',
      `import { check } from 'k6';
import http from 'k6/http';
import { Httpx, Get, Post, Head, Request } from '${HTTPX('0.1.0')}';
export const options = { iterations: 1 };
const session = new Httpx({ baseURL: __ENV.BASE, headers: { 'X-S': 's' } });
export default FN () {
  const get = new Get('/public/crocodiles/1/', { headers: { 'X-G': 'g' } }).addTag('which', 'first');
  const post = new Post('/post', { body: { a: 'b' } });
  const responses = AWAIT session.batch(
    [get, post, new Head('/h'), ['PUT', '/put', 'p', { tags: { which: 'array' } }], 'ignored', new Get(http.url\`/item/\${7}\`)],
    { headers: { 'X-Shared': 'yes' }, tags: { name: 'PublicCrocs' } },
  );
  const b = responses.map((r) => (r.request.method === 'HEAD' ? null : r.json()));
  const abs = (AWAIT session.get(__ENV.BASE + '/absolute')).json();
  const named = (AWAIT session.get(http.url\`/user/\${42}\`)).json();
  const viaExecute = (AWAIT session.execute(new Get('/executed'))).json();
  check(null, {
    'batch: five requests in order, the string left out': () =>
      responses.length === 5 && b[0].path === '/public/crocodiles/1/' && b[1].path === '/post' && b[3].path === '/put' && b[4].path === '/item/7',
    'batch: session, shared and own headers': () =>
      b[0].headers['x-s'] === 's' && b[0].headers['x-shared'] === 'yes' && b[0].headers['x-g'] === 'g',
    'batch: a Request body from its params, taken out of them': () =>
      b[1].body === 'a=b' && post.body.a === 'b' && !('body' in post.params) && b[3].body === 'p',
    'http.url: the Request takes its URL': () => new Get(http.url\`/x/\${1}\`).url === '/x/1',
    'an absolute URL is used without the base URL': () => abs.path === '/absolute',
    'http.url: the filled-in URL': () => named.path === '/user/42',
    'execute(): a Request object': () => viaExecute.path === '/executed',
    'Request is the base class': () => get instanceof Request,
  });
}`,
    );
    for (const [kind, r] of Object.entries(runs)) {
      assertChecksPassed(r, 8);
      // A name tag is also the url tag (k6 does so): the requests are told apart by their tags.
      const tags = r.samples.filter((s) => s.metric === 'http_reqs').map((s) => s.tags);
      const names = (f: (t: Record<string, string>) => boolean) => tags.filter(f).map((t) => t.name);
      assert.deepEqual(
        names((t) => t.which === 'first'),
        ['PublicCrocs'],
        kind,
      );
      assert.deepEqual(
        names((t) => t.which === 'array' && t.method === 'PUT'),
        ['PublicCrocs'],
        kind,
      );
      assert.deepEqual(
        names((t) => t.method === 'POST' || t.method === 'HEAD'),
        ['PublicCrocs', 'PublicCrocs'],
        kind,
      );
      // The Request's own name tag from its http.url wins over the batch's shared one.
      assert.equal(names((t) => t.name === `/item/\${}`).length, 1, kind);
      assert.equal(names((t) => t.name === `/user/\${}`).length, 1, kind);
      assert.equal(names((t) => t.name === `${server.url}/absolute`).length, 1, kind);
    }
  });

  test('the async variants (0.1.0) give a Promise of the Response on both kinds of VU', async () => {
    const script = files.write(
      'async-variants.js',
      `import { check } from 'k6';
import { Httpx } from '${HTTPX('0.1.0')}';
export const options = { iterations: 1 };
const session = new Httpx({ baseURL: __ENV.BASE, headers: { 'X-S': 's' }, tags: { kind: 'async' } });
export default async function () {
  const pending = session.asyncGet('/async', null, { headers: { 'X-C': 'c' } });
  const a1 = (await pending).json();
  const [a2, a3] = (await Promise.all([session.asyncRequest('POST', '/async-post', 'x'), session.asyncPatch('/p', 'y')])).map((r) => r.json());
  const blocking = await session.get('/blocking');
  check(null, {
    'a Promise': () => pending instanceof Promise,
    'merged params': () => a1.headers['x-c'] === 'c' && a1.headers['x-s'] === 's' && a1.path === '/async',
    'asyncRequest and asyncPatch': () => a2.method === 'POST' && a2.body === 'x' && a3.method === 'PATCH' && a3.body === 'y',
    'lastRequest is left to the blocking calls': () => session.lastRequest.responseObject === blocking,
  });
}`,
    );
    for (const syncVus of [true, false]) {
      const r = await run({ script, moduleCache: moduleCache(), env: { BASE: server.url }, syncVus });
      assertChecksPassed(r, 4);
      assert.equal(
        count(r.samples, 'http_reqs', (s) => s.tags.kind === 'async'),
        4,
        `syncVus ${syncVus}`,
      );
    }
  });

  test('0.1.0 checks the method and the arguments; the session timeout ends a request', async () => {
    const runs = await onBothKinds(
      'checks',
      `import { check } from 'k6';
import { Httpx } from '${HTTPX('0.1.0')}';
export const options = { iterations: 1 };
const session = new Httpx({ baseURL: __ENV.BASE, timeout: 300 });
const thrown = (f) => { try { f(); return ''; } catch (e) { return e.message; } };
export default FN () {
  const slow = AWAIT session.get('/hang');
  check(null, {
    'a lower-case method is refused': () =>
      thrown(() => session.request('get', '/x')) === 'Invalid method: get. Expected one of GET,HEAD,POST,PUT,DELETE,CONNECT,OPTIONS,TRACE,PATCH',
    'request() wants a method and a URL': () =>
      thrown(() => session.request('GET')) === 'Invalid number of arguments for request(). Provide at least Method and URL.',
    'asyncRequest() too': () =>
      thrown(() => session.asyncRequest('GET')) === 'Invalid number of arguments for asyncRequest(). Provide at least Method and URL.',
    'the session timeout applies': () => slow.status === 0 && slow.error_code === 1050,
  });
}`,
    );
    for (const r of Object.values(runs)) assertChecksPassed(r, 4);
  });

  test('0.0.1: params in session.params, otherParams only, no lastRequest nor head/options', async () => {
    const runs = await onBothKinds(
      'v001',
      `import { check } from 'k6';
import { Httpx, Get, Options, Request } from '${HTTPX('0.0.1')}';
export const options = { iterations: 1 };
const opts = { baseURL: __ENV.BASE, headers: { 'X-H': 'h' }, timeout: 5, otherParams: { tags: { other: 'yes' } } };
const session = new Httpx(opts);
export default FN () {
  const e = (AWAIT session.get('/one')).json();
  const batch = AWAIT session.batch([new Get('/b'), ['GET', '/c']]);
  check(null, {
    'session.params; timeout not taken, otherParams merged': () =>
      session.params.headers['X-H'] === 'h' && !('timeout' in session.params) && session.params.tags.other === 'yes' && session.k6params === undefined,
    'the options object is left as it was': () => opts.baseURL === __ENV.BASE && 'headers' in opts,
    'no lastRequest, head, options, trace nor async variants': () =>
      session.lastRequest === undefined && session.lastRequestChainDuration === undefined &&
      session.head === undefined && session.options === undefined && session.trace === undefined && session.asyncGet === undefined,
    'the request went out with the session header': () => e.headers['x-h'] === 'h' && e.path === '/one',
    'batch': () => batch.length === 2 && batch[1].json().path === '/c',
    'Options exported, Request the base class': () => new Options('/o').method === 'OPTIONS' && new Get('/g') instanceof Request,
    'batch() of what is not an array throws': () => { try { session.batch('ab'); return false; } catch (e) { return e instanceof TypeError; } },
  });
}`,
    );
    for (const r of Object.values(runs)) {
      assertChecksPassed(r, 7);
      assert.ok(
        r.samples.filter((s) => s.metric === 'http_reqs').every((s) => s.tags.other === 'yes'),
        r.stderr,
      );
    }
  });

  test('0.0.2 keeps the last request; 0.0.3 takes the other options as params and counts errors', async () => {
    const runs = await onBothKinds(
      'v002-003',
      `import { check } from 'k6';
import { Rate } from 'k6/metrics';
import { Httpx as Httpx002 } from '${HTTPX('0.0.2')}';
import { Httpx as Httpx003 } from '${HTTPX('0.0.3')}';
export const options = { iterations: 1 };
const errors = new Rate('session_errors');
const s2 = new Httpx002({ baseURL: __ENV.BASE, timeout: 5 });
const given = { 'X-H': 'h' };
const opts = { baseURL: __ENV.BASE, headers: given, errorMetric: errors, timeout: 20000, tags: { t: '3' } };
const s3 = new Httpx003(opts);
export default FN () {
  const r2 = AWAIT s2.get('/two');
  const batch = AWAIT s2.batch([['GET', '/b1'], ['GET', '/b2']]);
  AWAIT s3.get('/ok');
  AWAIT s3.get('/status/404');
  AWAIT s3.get('/status/404', null, { expect: (r) => r.status === 404 });
  AWAIT s3.get('/status/500', null, { expect: (r) => r.status === 404 });
  check(null, {
    '0.0.2: lastRequest and its duration, no k6params, timeout not taken': () =>
      s2.lastRequest.responseObject === batch && s2.lastRequestChainDuration >= 0 && r2.status === 200 &&
      s2.k6params === undefined && !('timeout' in s2.params),
    '0.0.2: no head nor errorMetric': () => s2.head === undefined && s2.errorMetric === undefined,
    '0.0.3: other options become params; the five read ones are deleted from the options object': () =>
      s3.k6params.timeout === 20000 && s3.k6params.headers['X-H'] === 'h' && !('errorMetric' in s3.k6params) &&
      !('baseURL' in opts) && !('headers' in opts) && !('errorMetric' in opts) && !('tags' in opts) && opts.timeout === 20000,
    '0.0.3: the session headers object is the one given': () => { s3.addHeader('X-New', 'n'); return s3.k6params.headers === given && given['X-New'] === 'n'; },
    '0.0.3: lastRequest is the last response': () => s3.lastRequest.responseObject.status === 500,
    '0.0.3: no head, options or trace yet': () => s3.head === undefined && s3.options === undefined,
  });
}`,
    );
    for (const [kind, r] of Object.entries(runs)) {
      assertChecksPassed(r, 6);
      // ok → false; 404 → true; 404 expected → false; 500 where 404 was expected → true.
      assert.deepEqual(
        r.samples.filter((s) => s.metric === 'session_errors').map((s) => s.value),
        [0, 1, 0, 1],
        kind,
      );
      assert.equal(
        count(r.samples, 'http_reqs', (s) => s.tags.t === '3'),
        4,
        kind,
      );
    }
  });

  test('0.0.4 adds head, options and trace; 0.0.5 takes http.url; 0.0.6 leaves absolute URLs alone', async () => {
    const runs = await onBothKinds(
      'v004-006',
      `import { check } from 'k6';
import http from 'k6/http';
import { Httpx as Httpx004, Get as Get004 } from '${HTTPX('0.0.4')}';
import { Httpx as Httpx005, Get as Get005 } from '${HTTPX('0.0.5')}';
import { Httpx as Httpx006 } from '${HTTPX('0.0.6')}';
export const options = { iterations: 1 };
const base = __ENV.BASE + '/joined?u=';
const s4 = new Httpx004({ baseURL: __ENV.BASE });
const s5 = new Httpx005({ baseURL: base });
const s6 = new Httpx006({ baseURL: base });
export default FN () {
  const h4 = AWAIT s4.head('/h');
  const o4 = (AWAIT s4.options('/o')).json();
  const t4 = (AWAIT s4.trace('/t')).json();
  const abs5 = (AWAIT s5.get(__ENV.BASE + '/abs')).json();
  const abs6 = (AWAIT s6.get(__ENV.BASE + '/abs')).json();
  const rel6 = (AWAIT s6.get('rel')).json();
  const named5 = (AWAIT s5.get(http.url\`/n/\${5}\`)).json();
  const batch6 = (AWAIT s6.batch([['GET', __ENV.BASE + '/abs']]))[0].json();
  check(null, {
    '0.0.4: head, options, trace': () => h4.status === 200 && o4.method === 'OPTIONS' && t4.method === 'TRACE',
    '0.0.4: no connect nor async variants': () => s4.connect === undefined && s4.asyncRequest === undefined,
    '0.0.4: a Request keeps an http.url object as its URL': () => typeof new Get004(http.url\`/x/\${1}\`).url === 'object',
    '0.0.5: a Request takes the URL of an http.url': () => new Get005(http.url\`/x/\${1}\`).url === '/x/1',
    '0.0.5: the base URL goes before an absolute URL too': () => abs5.path === '/joined' && abs5.query.u === __ENV.BASE + '/abs',
    '0.0.6: an absolute URL is used as it is': () => abs6.path === '/abs' && rel6.path === '/joined' && rel6.query.u === 'rel',
    '0.0.5: http.url': () => named5.path === '/joined' && named5.query.u === '/n/5',
    '0.0.6: no validateMethod yet': () => typeof s6.validateMethod === 'undefined',
    '0.0.6: batch() puts the base URL before an absolute URL too': () => batch6.path === '/joined' && batch6.query.u === __ENV.BASE + '/abs',
  });
}`,
    );
    for (const [kind, r] of Object.entries(runs)) {
      assertChecksPassed(r, 9);
      assert.equal(
        count(r.samples, 'http_reqs', (s) => s.tags.name === `/n/\${}`),
        1,
        kind,
      );
      for (const v of ['0.0.4', '0.0.5', '0.0.6'])
        assert.equal(offlineLines(r.stderr, `httpx ${v}`).length, 1, `${kind} ${v}: ${r.stderr}`);
    }
  });

  test('what a version does not export is an import error, as in k6: no default export, no Head before 0.1.0', async () => {
    for (const [name, source] of [
      ['default', `import Httpx from '${HTTPX('0.1.0')}';\nexport default function () { new Httpx(); }`],
      [
        'head-006',
        `import { Head } from '${HTTPX('0.0.6')}';\nexport default function () { new Head('/'); }`,
      ],
    ]) {
      const r = await run({ script: files.write(`exports-${name}.js`, source), moduleCache: moduleCache() });
      assert.equal(r.exitCode, 107, r.stderr);
      assert.match(r.stderr, name === 'default' ? /default/ : /Head/);
    }
  });

  test('on async VUs a session call gives what http.get gives: reading it unawaited says so', async () => {
    const r = await run({
      script: files.write(
        'read-unawaited.js',
        `import { check } from 'k6';
import { Httpx } from '${HTTPX('0.1.0')}';
const session = new Httpx({ baseURL: __ENV.BASE });
export default async function () {
  const pending = session.get('/x');
  let message = '';
  try { pending.status; } catch (e) { message = e.message; }
  const res = await pending;
  check(null, {
    'the message of http.get': () => message.includes('has not finished') && message.includes('await http.get'),
    'then the Response': () => res.status === 200,
  });
}`,
      ),
      moduleCache: moduleCache(),
      env: { BASE: server.url },
      iterations: 1,
    });
    assertChecksPassed(r, 2);
  });

  test('on async VUs a session call not awaited stops the run, as http.get does', async () => {
    const r = await run({
      script: files.write(
        'not-awaited.js',
        `import { Httpx } from '${HTTPX('0.1.0')}';
const session = new Httpx({ baseURL: __ENV.BASE });
export default async function () { session.get('/x'); }`,
      ),
      moduleCache: moduleCache(),
      env: { BASE: server.url },
      iterations: 1,
    });
    assert.equal(r.exitCode, 107, r.stderr);
    assert.match(r.stderr, /http\.request\(\)/);
  });

  test('every published version loads offline with its own info line', async () => {
    const imports = VERSIONS.map((v, i) => `import { Httpx as H${i} } from '${HTTPX(v)}';`).join('\n');
    const r = await run({
      script: files.write(
        'all-versions.js',
        `import { check } from 'k6';
${imports}
export const options = { iterations: 1 };
export default async function () {
  const sessions = [${VERSIONS.map((_, i) => `new H${i}({ baseURL: __ENV.BASE })`).join(', ')}];
  for (const s of sessions) check(await s.get('/v'), { 'status 200': (res) => res.status === 200 && res.json().path === '/v' });
}`,
      ),
      moduleCache: moduleCache(),
      env: { BASE: server.url },
    });
    assertChecksPassed(r, VERSIONS.length);
    for (const v of VERSIONS)
      assert.equal(offlineLines(r.stderr, `httpx ${v}`).length, 1, `${v}: ${r.stderr}`);
  });
});
