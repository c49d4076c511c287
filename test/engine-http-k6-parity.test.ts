// test-tier: unit
// k6/http details that community scripts see and that k6 takes from Go's net/http: header names,
// form bodies, the end of a redirect chain, response headers and cookies, params.cookies.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { count, run, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
/** What the server saw, per path: raw header pairs and body. */
const seen: Array<{
  path: string;
  raw: string[];
  headers: IncomingHttpHeaders;
  body: string;
  bytes: Buffer;
}> = [];
/** What the script reported (POST /report). */
const reports: unknown[] = [];

before(async () => {
  server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const body = bytes.toString();
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/report') {
        reports.push(JSON.parse(body));
        res.end('ok');
        return;
      }
      seen.push({ path: url.pathname, raw: req.rawHeaders, headers: req.headers, body, bytes });
      if (url.pathname.startsWith('/hop/')) {
        const n = Number(url.pathname.split('/')[2]);
        res.writeHead(302, { location: n > 1 ? `/hop/${n - 1}` : '/end' }).end();
      } else if (url.pathname === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('a');
        res.end('b');
      } else if (url.pathname === '/set') {
        res.setHeader('set-cookie', [
          'plain=1',
          'scoped=2; Domain=127.0.0.1; Path=/; Max-Age=3600; Secure; HttpOnly',
          'gone=3; Max-Age=0',
          'dated=4; Path=/x; Expires=Wed, 21 Oct 2037 07:28:00 GMT',
        ]);
        res.end('set');
      } else if (url.pathname === '/away') {
        res.writeHead(302, { location: `http://localhost:${url.searchParams.get('port')}/end` }).end();
      } else if (url.pathname === '/none') {
        res.writeHead(204).end();
      } else if (url.pathname === '/chained') {
        res.writeHead(200, { 'content-encoding': 'gzip, br' }).end(brotliCompressSync(gzipSync('twice')));
      } else if (url.pathname === '/zstd') {
        // {"hello":"zstd","n":[1,2,3]} as the zstd command line compresses it (one frame).
        res.writeHead(200, { 'content-encoding': 'zstd', 'content-type': 'application/json' });
        res.end(Buffer.from(ZSTD_FRAME, 'hex'));
      } else if (url.pathname === '/bad-gzip') {
        res.writeHead(200, { 'content-encoding': 'gzip', 'set-cookie': 'fromBad=1' }).end('not gzip at all');
      } else if (url.pathname === '/cut-gzip') {
        const whole = gzipSync('the start of a body that is cut short');
        res.writeHead(200, { 'content-encoding': 'gzip' }).end(whole.subarray(0, whole.length - 8));
      } else if (url.pathname === '/bad-br') {
        res.writeHead(200, { 'content-encoding': 'br' }).end('xxxxxxxxnot brotli');
      } else if (url.pathname === '/json') {
        res.setHeader('content-type', 'application/json');
        res.end('{"a":1}');
      } else res.end('ok');
    });
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

const ZSTD_FRAME = '28b52ffd0458e100007b2268656c6c6f223a227a737464222c226e223a5b312c322c335d7d7279f1a9';

const report = (expr: string) => `await http.post(__ENV.BASE + '/report', JSON.stringify(${expr}));`;

describe('k6/http as k6 (Go net/http) does it', () => {
  test('header names are canonicalized and a later same-named header replaces the earlier one', async () => {
    seen.length = 0;
    reports.length = 0;
    const script = files.write(
      'headers.js',
      `import http from 'k6/http';
       export default async function () {
         const res = await http.get(__ENV.BASE + '/h', { headers: { 'x-api-key': 'a', 'X-API-KEY': 'b', 'user-agent': 'mine' } });
         ${report('res.request.headers')}
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    const raw = seen[0].raw;
    const names = raw.filter((_, i) => i % 2 === 0);
    assert.deepEqual(
      names.filter((n) => /api-key|user-agent/i.test(n)),
      ['X-Api-Key', 'User-Agent'],
    );
    assert.equal(seen[0].headers['x-api-key'], 'b');
    assert.equal(seen[0].headers['user-agent'], 'mine');
    assert.deepEqual(reports[0], { 'X-Api-Key': ['b'], 'User-Agent': ['mine'] });
  });

  test('an object body is encoded as Go url.Values: sorted keys, Go escaping, null as empty, nested as empty with a warning', async () => {
    seen.length = 0;
    const script = files.write(
      'form.js',
      `import http from 'k6/http';
       export default async function () {
         await http.post(__ENV.BASE + '/form', { z: 'last', a: null, m: 'x*y~z w', c: [1, 2], n: 1.5, o: { k: 1 } });
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(seen[0].body, 'a=&c=1&c=2&m=x%2Ay~z+w&n=1.5&o=&z=last');
    assert.equal(seen[0].headers['content-type'], 'application/x-www-form-urlencoded');
    assert.match(
      r.stderr,
      /cannot urlencode a nested map\[string\]interface \{\} value in a request form body/,
    );
  });

  test('the end of a redirect chain is a response without error; only the default limit warns', async () => {
    reports.length = 0;
    const script = files.write(
      'redirects.js',
      `import http from 'k6/http';
       export const options = { iterations: 1 };
       export default async function () {
         const one = await http.get(__ENV.BASE + '/hop/5', { redirects: 1 });
         const dflt = await http.get(__ENV.BASE + '/hop/12');
         ${report('[one.status, one.error, one.error_code, one.url, dflt.status, dflt.error, dflt.url]')}
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    const base = server.url;
    assert.deepEqual(reports[0], [302, '', 0, `${base}/hop/4`, 302, '', `${base}/hop/2`]);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('Stopped after'));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0], /Stopped after 11 redirects and returned the redirection/);
    assert.ok(warnings[0].includes(`${base}/hop/12`), warnings[0]);
  });

  test("res.headers has no Transfer-Encoding; res.cookies has Go's shape", async () => {
    reports.length = 0;
    const script = files.write(
      'response.js',
      `import http from 'k6/http';
       export default async function () {
         const c = await http.get(__ENV.BASE + '/chunked');
         const s = await http.get(__ENV.BASE + '/set');
         ${report('[c.body, Object.keys(c.headers).sort(), s.cookies]')}
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    const [body, names, cookies] = reports[0] as [string, string[], Record<string, unknown[]>];
    assert.equal(body, 'ab');
    assert.ok(!names.includes('Transfer-Encoding'), names.join());
    assert.ok(names.includes('Content-Type'));
    const zero = -6795364578871;
    const c = (name: string, value: string, more: Record<string, unknown>) => ({
      name,
      value,
      domain: '',
      path: '',
      http_only: false,
      secure: false,
      max_age: 0,
      expires: zero,
      ...more,
    });
    assert.deepEqual(cookies, {
      plain: [c('plain', '1', {})],
      scoped: [
        c('scoped', '2', { domain: '127.0.0.1', path: '/', max_age: 3600, secure: true, http_only: true }),
      ],
      gone: [c('gone', '3', { max_age: -1 })],
      dated: [c('dated', '4', { path: '/x', expires: Date.UTC(2037, 9, 21, 7, 28, 0) })],
    });
  });

  test("params.cookies go first, beside the jar's unless replace; on every hop; request.cookies lists them", async () => {
    seen.length = 0;
    reports.length = 0;
    const script = files.write(
      'cookies.js',
      `import http from 'k6/http';
       export default async function () {
         http.cookieJar().set(__ENV.BASE, 'sess', 'jar');
         const both = await http.get(__ENV.BASE + '/c1', { cookies: { sess: 'param' }, jar: null });
         await http.get(__ENV.BASE + '/c2', { cookies: { sess: { value: 'rep', replace: true } } });
         await http.get(__ENV.BASE + '/hop/1', { cookies: { p: 'q' } });
         ${report('both.request.cookies')}
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    const cookieOf = (path: string) => seen.find((s) => s.path === path)?.headers.cookie;
    assert.equal(cookieOf('/c1'), 'sess=param; sess=jar');
    assert.equal(cookieOf('/c2'), 'sess=rep');
    assert.equal(cookieOf('/hop/1'), 'p=q; sess=jar');
    assert.equal(cookieOf('/end'), 'p=q; sess=jar');
    assert.deepEqual(reports[0], {
      sess: [
        { name: 'sess', value: 'param', replace: false },
        { name: 'sess', value: 'jar', replace: false },
      ],
    });
  });
});

describe('failed requests as k6 reports them', () => {
  test("res.error and the error tag have k6's message; the log line and a thrown error have Go's url.Error", async () => {
    reports.length = 0;
    const script = files.write(
      'refused.js',
      `import http from 'k6/http';
       export default async function () {
         const res = await http.get('http://127.0.0.1:1/x');
         ${report('[res.status, res.error, res.error_code]')}
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(reports[0], [0, 'dial: connection refused', 1212]);
    const tagged = r.samples.find((s) => s.metric === 'http_reqs' && s.tags.status === '0');
    assert.equal(tagged?.tags.error, 'dial: connection refused');
    const line = r.stderr.split('\n').find((l) => l.includes('Request Failed'));
    assert.match(
      line ?? '',
      /level=warning msg="Request Failed" error="Get \\"http:\/\/127\.0\.0\.1:1\/x\\": dial tcp 127\.0\.0\.1:1: connect: connection refused"$/,
    );
  });

  for (const kind of ['async', 'sync']) {
    test(`throw: true throws a GoError with Go's message (${kind} VUs)`, async () => {
      reports.length = 0;
      const fn = kind === 'async' ? 'async function' : 'function';
      const call = kind === 'async' ? 'await http.' : 'http.';
      const script = files.write(
        `throw-${kind}.js`,
        `import http from 'k6/http';
         export const options = { throw: true };
         export default ${fn} () {
           let caught = null;
           try { ${call}get('http://127.0.0.1:1/'); } catch (e) { caught = [e.name, e.message]; }
           ${call}post(__ENV.BASE + '/report', JSON.stringify(caught));
         }`,
      );
      const r = await run({ script, env: { BASE: server.url } });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.deepEqual(reports[0], [
        'GoError',
        'Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused',
      ]);
      assert.ok(!r.stderr.includes('Request Failed'), r.stderr);
    });
  }
});

describe('request params k6 reads', () => {
  test('params.throw overrides the throw option; a bad timeout fails the request, not the iteration', async () => {
    reports.length = 0;
    const script = files.write(
      'params-throw.js',
      `import http from 'k6/http';
       export default function () {
         let thrown = null;
         try { http.get('http://127.0.0.1:1/', { throw: true }); } catch (e) { thrown = e.message; }
         const bad = http.get(__ENV.BASE + '/t', { timeout: 'abc' });
         const unitless = http.get(__ENV.BASE + '/t', { timeout: '5000' });
         http.post(__ENV.BASE + '/report', JSON.stringify([thrown, bad.status, bad.error, bad.error_code, unitless.error]));
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(reports[0], [
      'Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused',
      0,
      'invalid timeout value: time: invalid duration "abc"',
      0,
      // A string without a unit is milliseconds (k6's GetDurationValue → ParseExtendedDuration).
      '',
    ]);
    assert.equal(r.samples.filter((s) => s.metric === 'iterations').length, 1, 'the iteration completes');
  });
});

describe('params.compression', () => {
  test('compresses the body in order and sets Content-Encoding; request.body stays as given; an unknown one fails the request', async () => {
    seen.length = 0;
    reports.length = 0;
    const script = files.write(
      'compression.js',
      `import http from 'k6/http';
       export default async function () {
         const res = await http.post(__ENV.BASE + '/z', JSON.stringify({ a: 'x'.repeat(100) }), { compression: 'gzip, br', headers: { 'Content-Type': 'application/json' } });
         const bad = await http.post(__ENV.BASE + '/z2', 'x', { compression: 'lzma' });
         ${report('[res.request.body.length, bad.status, bad.error]')}
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    const hit = seen.find((h) => h.path === '/z');
    assert.equal(hit?.headers['content-encoding'], 'gzip, br');
    const sent = JSON.stringify({ a: 'x'.repeat(100) });
    // gzip first, then br over it: the server undoes br, then gzip.
    assert.equal(gunzipSync(brotliDecompressSync(hit?.bytes ?? Buffer.alloc(0))).toString(), sent);
    assert.ok(!seen.some((h) => h.path === '/z2'));
    assert.deepEqual(reports[0], [
      sent.length,
      0,
      'unknown compression algorithm lzma, supported algorithms are [gzip deflate zstd br]',
    ]);
  });
});

describe('response bodies', () => {
  test('none (null) for a 204; chained Content-Encodings undone last first', async () => {
    reports.length = 0;
    const script = files.write(
      'bodies.js',
      `import http from 'k6/http';
       export default async function () {
         const none = await http.get(__ENV.BASE + '/none');
         const chained = await http.get(__ENV.BASE + '/chained');
         ${report('[none.status, none.body, chained.body]')}
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(reports[0], [204, null, 'twice']);
  });

  test('a zstd body is decoded, as k6 decodes it', async () => {
    reports.length = 0;
    const script = files.write(
      'zstd.js',
      `import http from 'k6/http';
       export default async function () {
         const res = await http.get(__ENV.BASE + '/zstd');
         ${report('[res.status, res.json("n.1"), res.body]')}
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(reports[0], [200, 2, '{"hello":"zstd","n":[1,2,3]}']);
  });

  test('a body that does not decode fails the request as k6 fails it: status 0, its error and code, no headers or cookies', async () => {
    reports.length = 0;
    const script = files.write(
      'bad-encoding.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       export default async function () {
         const out = [];
         for (const path of ['/bad-gzip', '/cut-gzip', '/bad-br']) {
           const res = await http.get(__ENV.BASE + path);
           out.push([res.status, res.error, res.error_code, Object.keys(res.headers).length, res.body]);
           check(res, { 'is 200': (r) => r.status === 200 });
         }
         out.push(Object.keys(http.cookieJar().cookiesForURL(__ENV.BASE + '/')));
         const quiet = await http.get(__ENV.BASE + '/bad-gzip', { responseType: 'none' });
         out.push([quiet.status, quiet.error_code]);
         ${report('out')}
         try {
           await http.get(__ENV.BASE + '/bad-gzip', { throw: true });
         } catch (e) {
           ${report('String(e)')}
         }
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    const [bodies, thrown] = reports as [unknown[], string];
    assert.deepEqual(bodies, [
      [0, 'error decompressing response body (gzip: invalid header)', 1701, 0, ''],
      // What decoded before the cut is the body; Go's reader ends with io.ErrUnexpectedEOF.
      [0, 'unexpected EOF', 1000, 0, 'the start of a body that is cut short'],
      [0, 'error decompressing response body (brotli: PADDING_1)', 1701, 0, ''],
      [],
      // responseType 'none' reads no body, so nothing to decode and nothing fails.
      [200, 0],
    ]);
    assert.match(
      thrown,
      /GoError: Get "http:\/\/127\.0\.0\.1:\d+\/bad-gzip": error decompressing response body \(gzip: invalid header\)/,
    );
    assert.match(
      r.stderr,
      /level=warning msg="Request Failed" error="Get \\"http:\/\/127\.0\.0\.1:\d+\/bad-gzip\\": error decompressing/,
    );
    // Every failed decode is a failed request (status 0, error_code tag, no proto) and a failed check.
    const failed = r.samples.filter((x) => x.metric === 'http_req_failed' && x.value === 1);
    assert.equal(failed.length, 4);
    assert.deepEqual(
      r.samples
        .filter((x) => x.metric === 'http_reqs' && x.tags.name.endsWith('/bad-gzip'))
        .map((x) => [x.tags.status, x.tags.error_code, x.tags.proto]),
      [
        ['0', '1701', undefined],
        ['200', undefined, 'HTTP/1.1'],
        ['0', '1701', undefined],
      ],
    );
    assert.equal(
      count(r.samples, 'checks', (x) => x.value === 0),
      3,
    );
  });
});

describe('params.responseType', () => {
  test('a value k6 does not know fails the request with its sentence', async () => {
    reports.length = 0;
    const script = files.write(
      'response-type.js',
      `import http from 'k6/http';
       export default async function () {
         const res = await http.get(__ENV.BASE + '/rt', { responseType: 'blob' });
         ${report('[res.status, res.error, res.error_code]')}
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(reports[0], [0, 'blob does not belong to ResponseType values', 0]);
    assert.ok(!seen.some((h) => h.path === '/rt'));
  });
});

describe('a Content-Length header from the script', () => {
  test('is dropped (the body decides it), with a warning when it was wrong', async () => {
    seen.length = 0;
    const script = files.write(
      'content-length.js',
      `import http from 'k6/http';
       export default async function () {
         await http.post(__ENV.BASE + '/cl', 'hello', { headers: { 'Content-Length': '3' } });
         await http.get(__ENV.BASE + '/cl0', { headers: { 'Content-Length': '0' } });
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(seen[0].body, 'hello');
    assert.equal(seen[0].headers['content-length'], '5');
    assert.equal(seen[1].headers['content-length'], undefined);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('Content-Length header'));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(
      warnings[0],
      /The specified Content-Length header \\"3\\" in the POST request for http:\/\/127\.0\.0\.1:\d+\/cl doesn't match the actual request body length of 5, so it will be ignored!/,
    );
  });
});

describe('httpDebug as k6 logs it', () => {
  test("Go's dumps as info lines: canonical, sorted headers; the VU's fields", async () => {
    const script = files.write(
      'debug.js',
      `import http from 'k6/http';
       export const options = { httpDebug: 'headers' };
       export default async function () { await http.get(__ENV.BASE + '/plain', { tags: { step: 'one' } }); }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stderr,
      /level=info msg="Request:\\nGET \/plain HTTP\/1\.1\\nHost: 127\.0\.0\.1:\d+\\nUser-Agent: [^"\\]+\\nAccept-Encoding: gzip\\n\\n\\n" group= iter=0 request_id=([0-9a-f-]{36}) scenario=default source=http-debug step=one vu=1$/m,
    );
    assert.match(
      r.stderr,
      /level=info msg="Response:\\nHTTP\/1\.1 200 OK\\nContent-Length: 2\\nConnection: keep-alive\\nDate: [^"\\]+\\nKeep-Alive: timeout=10\\n\\n\\n" group= iter=0 request_id=[0-9a-f-]{36} scenario=default source=http-debug step=one vu=1$/m,
    );
  });
});

// JSON.stringify(res) and the key order of the Response: test/engine-http.test.ts.
describe('the Response object', () => {
  for (const kind of ['async', 'sync']) {
    test(`console.log(res) shows every field, headers, body and cookies included (${kind} VUs)`, async () => {
      const fn = kind === 'async' ? 'async function' : 'function';
      const aw = kind === 'async' ? 'await ' : '';
      const script = files.write(
        `console-res-${kind}.js`,
        `import http from 'k6/http';
         export default ${fn} () {
           const res = ${aw}http.get(__ENV.BASE + '/plain');
           console.log(res);
         }`,
      );
      const r = await run({ script, env: { BASE: server.url } });
      assert.equal(r.exitCode, 0, r.stderr);
      const line = r.stderr.split('\n').find((l) => l.includes('source=console')) ?? '';
      assert.match(line, /msg="\{ remote_ip: \\"127\.0\.0\.1\\", remote_port: \d+, url: /, line);
      for (const field of [
        'headers: { ',
        'cookies: {}',
        'body: \\"ok\\"',
        'timings: { duration: ',
        'request: { method: \\"GET\\"',
      ])
        assert.ok(line.includes(field), `${field} in ${line}`);
      assert.ok(!line.includes('#') && !line.includes('rawHeaders'), line);
    });
  }
});

describe('headers on redirects, as Go copies them', () => {
  test("Authorization only to the same host or its subdomains; one Cookie header, the script's own first", async () => {
    seen.length = 0;
    const port = new URL(server.url).port;
    const script = files.write(
      'redirect-headers.js',
      `import http from 'k6/http';
       export default async function () {
         const params = { headers: { Authorization: 'Bearer t', 'X-Keep': '1', Cookie: 'mine=1' }, cookies: { p: '2' } };
         await http.get(__ENV.BASE + '/hop/1', params);
         await http.get(__ENV.BASE + '/away?port=${port}', params);
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    const [first, sameHost, away, other] = seen;
    assert.deepEqual([first.path, sameHost.path, away.path, other.path], ['/hop/1', '/end', '/away', '/end']);
    assert.equal(first.raw.filter((h) => h.toLowerCase() === 'cookie').length, 1);
    assert.equal(first.headers.cookie, 'mine=1; p=2');
    assert.equal(sameHost.headers.authorization, 'Bearer t');
    assert.equal(sameHost.headers.cookie, 'p=2');
    assert.equal(other.headers.host, `localhost:${port}`);
    assert.equal(other.headers.authorization, undefined);
    assert.equal(other.headers['x-keep'], '1');
  });
});

describe('Response.json()', () => {
  for (const kind of ['async', 'sync']) {
    test(`parses once: the same value on every call, as in k6 (${kind} VUs)`, async () => {
      reports.length = 0;
      const fn = kind === 'async' ? 'async function' : 'function';
      const aw = kind === 'async' ? 'await ' : '';
      const script = files.write(
        `json-once-${kind}.js`,
        `import http from 'k6/http';
         export default ${fn} () {
           const res = ${aw}http.get(__ENV.BASE + '/json');
           const j = res.json();
           j.a = 2;
           ${aw}http.post(__ENV.BASE + '/report', JSON.stringify([res.json() === j, res.json().a, res.json('a')]));
         }`,
      );
      const r = await run({ script, env: { BASE: server.url } });
      assert.equal(r.exitCode, 0, r.stderr);
      // A selector reads the body itself (gjson in k6), not the value the script changed.
      assert.deepEqual(reports[0], [true, 2, 1]);
    });
  }
});

describe('requests from init code', () => {
  for (const kind of ['async', 'sync']) {
    test(`are refused as in k6, requests in setup() are not (${kind} VUs)`, async () => {
      const fn = kind === 'async' ? 'async function' : 'function';
      const init = files.write(
        `init-${kind}.js`,
        `import http from 'k6/http';
         http.get(__ENV.BASE + '/from-init');
         export default ${fn} () {}`,
      );
      const r = await run({ script: init, env: { BASE: server.url } });
      assert.equal(r.exitCode, 107, r.stderr);
      assert.match(r.stderr, /Making http requests in the init context is not supported/);
      const batch = files.write(
        `init-batch-${kind}.js`,
        `import { batch } from 'k6/http';
         batch([__ENV.BASE + '/from-init']);
         export default ${fn} () {}`,
      );
      const b = await run({ script: batch, env: { BASE: server.url } });
      assert.equal(b.exitCode, 107, b.stderr);
      assert.match(b.stderr, /Using batch in the init context is not supported/);
      const setup = files.write(
        `setup-${kind}.js`,
        `import http from 'k6/http';
         export function setup() { return http.get(__ENV.BASE + '/from-setup').status; }
         export default ${fn} (status) { if (status !== 200) throw new Error('setup got ' + status); }`,
      );
      const s = await run({ script: setup, env: { BASE: server.url } });
      assert.equal(s.exitCode, 0, s.stderr);
      assert.equal(s.samples.filter((x) => x.metric === 'iterations').length, 1);
    });
  }
});
