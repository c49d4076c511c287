// test-tier: unit
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { count, run, runOnBothKinds, selfSignedCert, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
const cookieLog: string[] = [];

before(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/login') {
      res.setHeader('set-cookie', ['session=abc; Path=/app; HttpOnly', 'theme=dark']);
      res.end('in');
    } else if (url.pathname.startsWith('/app')) {
      cookieLog.push(req.headers.cookie ?? '');
      res.end('app');
    } else if (url.pathname === '/other') {
      cookieLog.push(`other:${req.headers.cookie ?? ''}`);
      res.end('other');
    } else if (url.pathname === '/r1') {
      res.writeHead(302, { location: '/r2' }).end();
    } else if (url.pathname === '/r2') {
      res.writeHead(301, { location: `/final?m=${req.method}` }).end();
    } else if (url.pathname === '/final') {
      res.end(`final ${url.searchParams.get('m')}`);
    } else if (url.pathname === '/slow') {
      setTimeout(() => res.end('late'), 2000);
    } else if (url.pathname === '/missing') {
      res.writeHead(404).end('nope');
    } else res.end('ok');
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

describe('engine http', () => {
  test('cookies: every iteration starts with an empty jar, unless noCookiesReset (both kinds of VU)', async () => {
    for (const [reset, expected] of [
      [false, ['', 'session=abc; theme=dark', '', 'session=abc; theme=dark']],
      [true, ['', 'session=abc; theme=dark', 'session=abc; theme=dark', 'session=abc; theme=dark']],
    ] as const) {
      for (const kind of ['async', 'sync'] as const) {
        cookieLog.length = 0;
        const script = files.write(
          `cookie-reset-${reset}-${kind}.js`,
          `import http from 'k6/http';
           export const options = { vus: 1, iterations: 2, noCookiesReset: ${reset} };
           export default ${kind === 'async' ? 'async ' : ''}function () {
             ${kind === 'async' ? 'await ' : ''}http.get(__ENV.BASE + '/app/before');
             ${kind === 'async' ? 'await ' : ''}http.get(__ENV.BASE + '/login');
             ${kind === 'async' ? 'await ' : ''}http.get(__ENV.BASE + '/app/after');
           }`,
        );
        const r = await run({ script, env: { BASE: server.url } });
        assert.equal(r.exitCode, 0, r.stderr);
        assert.deepEqual(cookieLog, expected, `${kind} VUs, noCookiesReset ${reset}`);
      }
    }
  });

  test('cookies: Set-Cookie is sent back to matching paths only; jar API works', async () => {
    cookieLog.length = 0;
    const script = files.write(
      'cookies.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       export default async function () {
         await http.get(__ENV.BASE + '/login');
         await http.get(__ENV.BASE + '/app/page');
         await http.get(__ENV.BASE + '/other');
         const jar = http.cookieJar();
         jar.set(__ENV.BASE, 'extra', '1');
         check(jar.cookiesForURL(__ENV.BASE + '/app/x'), { 'jar sees session': (c) => c.session[0] === 'abc' && c.extra[0] === '1' });
         const res = await http.get(__ENV.BASE + '/app/again', { cookies: { theme: { value: 'light', replace: true } } });
         check(res, { 'response cookies empty': (r) => Object.keys(r.cookies).length === 0 });
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(cookieLog[0], 'session=abc; theme=dark');
    assert.equal(cookieLog[1], 'other:theme=dark');
    // params.cookies first, then the jar's (k6's SetRequestCookies).
    assert.equal(cookieLog[2], 'theme=light; session=abc; extra=1');
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      2,
    );
  });

  for (const sync of [false, true]) {
    test(`JSON.stringify(res) and a spread of it show k6's Response fields in k6's order, nothing of the engine's (${sync ? 'synchronous' : 'async'} VUs)`, async () => {
      const a = sync ? '' : 'await ';
      const r = await run({
        syncVus: sync,
        script: files.write(
          `response-json-${sync}.js`,
          `import http from 'k6/http';
           export const options = { iterations: 1 };
           export default ${sync ? '' : 'async '}function () {
             const res = ${a}http.get('${server.url}/login');
             const json = JSON.parse(JSON.stringify(res));
             console.log('KEYS ' + JSON.stringify(Object.keys(json)));
             console.log('TIMINGS ' + JSON.stringify(Object.keys(json.timings)) + ' ' + res.timings.looking_up + ' ' + json.timings.looking_up);
             console.log('VALUES ' + JSON.stringify([json.status, json.body, json.headers['Set-Cookie'] !== undefined, Object.keys(json.cookies), json.request.method]));
             console.log('OCSP ' + JSON.stringify(res.ocsp) + ' ' + JSON.stringify(json.ocsp));
             console.log('SPREAD ' + JSON.stringify(Object.keys({ ...res }).filter((k) => !/^[a-z_]+$/.test(k))));
           }`,
        ),
      });
      assert.equal(r.exitCode, 0, r.stderr);
      const line = (tag: string) =>
        (new RegExp(`${tag} (.*?)" source=console`).exec(r.stderr)?.[1] ?? '').replace(/\\"/g, '"');
      assert.equal(
        line('KEYS'),
        JSON.stringify([
          'remote_ip',
          'remote_port',
          'url',
          'status',
          'status_text',
          'proto',
          'headers',
          'cookies',
          'body',
          'timings',
          'tls_version',
          'tls_cipher_suite',
          'ocsp',
          'error',
          'error_code',
          'request',
        ]),
        r.stderr,
      );
      assert.equal(
        line('TIMINGS'),
        `${JSON.stringify(['duration', 'blocked', 'looking_up', 'connecting', 'tls_handshaking', 'sending', 'waiting', 'receiving'])} 0 0`,
      );
      assert.equal(line('VALUES'), JSON.stringify([200, 'in', true, ['session', 'theme'], 'GET']));
      const ocsp =
        '{"produced_at":0,"this_update":0,"next_update":0,"revoked_at":0,"revocation_reason":"","status":""}';
      assert.equal(line('OCSP'), `${ocsp} ${ocsp}`);
      assert.equal(line('SPREAD'), '[]', "no key of the engine's own in a copy of the Response");
    });
  }

  test('redirects: every hop is its own request; POST becomes GET on 302; redirects:0 stops', async () => {
    const script = files.write(
      'redirects.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       export default async function () {
         const res = await http.post(__ENV.BASE + '/r1', 'body');
         check(res, { 'followed': (r) => r.status === 200 && r.body === 'final GET' && r.url.endsWith('/final?m=GET') });
         const stop = await http.get(__ENV.BASE + '/r1', { redirects: 0 });
         check(stop, { 'not followed': (r) => r.status === 302 && r.headers['Location'] === '/r2' });
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 0, r.stderr);
    const reqs = r.samples.filter((s) => s.metric === 'http_reqs');
    assert.deepEqual(
      reqs.map((s) => `${s.tags.method} ${s.tags.status} ${new URL(s.tags.url).pathname}`),
      ['POST 302 /r1', 'GET 301 /r2', 'GET 200 /final', 'GET 302 /r1'],
    );
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      2,
    );
  });

  test('timeouts, refused connections and 404s give k6 status/error codes without crashing', async () => {
    const script = files.write(
      'errors.js',
      `import http from 'k6/http';
       import { check } from 'k6';
       export default async function () {
         const slow = await http.get(__ENV.BASE + '/slow', { timeout: '200ms' });
         check(slow, { 'timeout': (r) => r.status === 0 && r.error_code === 1050 });
         const refused = await http.get('http://127.0.0.1:1/x');
         check(refused, { 'refused': (r) => r.status === 0 && r.error_code === 1212 && r.error.includes('connection refused') });
         const missing = await http.get(__ENV.BASE + '/missing');
         check(missing, { '404': (r) => r.status === 404 && r.error_code === 1404 });
         const again = await http.get(__ENV.BASE + '/');
         check(again, { 'connection works after a timeout': (r) => r.status === 200 });
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    const iteration = r.samples.find((s) => s.metric === 'iteration_duration');
    assert.ok(iteration && iteration.value < 1800, 'the timeout cut the slow request');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      4,
      r.stderr,
    );
    const failed = r.samples.filter((s) => s.metric === 'http_req_failed');
    assert.deepEqual(
      failed.map((s) => s.value),
      [1, 1, 1, 0],
    );
    const refused = r.samples.find((s) => s.metric === 'http_reqs' && s.tags.error_code === '1212')!;
    assert.equal(refused.tags.status, '0');
    assert.ok(refused.tags.error.includes('connection refused'));
    assert.equal(
      r.samples.find((s) => s.metric === 'http_reqs' && s.tags.status === '404')?.tags.error_code,
      '1404',
    );
  });

  test('a Response used without await in an async function fails the run (107) with a message that says to await', async () => {
    const script = files.write(
      'noawait.js',
      `import http from 'k6/http';
       export default async function () {
         const res = http.get(__ENV.BASE + '/');
         if (res.status !== 200) throw new Error('unreachable');
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    assert.equal(r.exitCode, 107, r.stderr);
    assert.match(r.stderr, /await http\.get/);
    assert.equal(count(r.samples, 'iterations'), 0, 'the failed iteration is not counted');
  });

  test('setResponseCallback and expectedStatuses decide http_req_failed and expected_response', async () => {
    const script = files.write(
      'callback.js',
      `import http from 'k6/http';
       http.setResponseCallback(http.expectedStatuses(404));
       export default async function () {
         await http.get(__ENV.BASE + '/missing');
         await http.get(__ENV.BASE + '/', { responseCallback: null });
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    const failed = r.samples.filter((s) => s.metric === 'http_req_failed');
    assert.deepEqual(
      failed.map((s) => s.value),
      [0],
    );
    const reqs = r.samples.filter((s) => s.metric === 'http_reqs');
    assert.equal(reqs[0].tags.expected_response, 'true');
    assert.equal(reqs[1].tags.expected_response, undefined);
  });

  test('url and name tags as Go prints the URL (no slash added to an empty path); res.url as the script wrote it', async () => {
    const script = files.write(
      'url-forms.js',
      `import http from 'k6/http';
       export default async function () {
         const bare = await http.get(__ENV.BASE);
         const upper = await http.get(__ENV.BASE.replace('http://', 'HTTP://') + '?q={"a":1}');
         console.log(JSON.stringify([bare.url, bare.request.url, upper.url]));
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    const line = r.stderr.split('\n').find((l) => l.includes('source=console')) ?? '';
    const logged = JSON.parse(JSON.parse(`"${/msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? ''}"`));
    // grafana/k6 lib/netext/httpext/request.go: Response.url is the string the script gave;
    // transport.go: the url tag is Go's url.URL String(), which keeps an empty path empty, the
    // host as written and the query as written, and lower-cases the scheme.
    const upperRaw = `${server.url.replace('http://', 'HTTP://')}?q={"a":1}`;
    assert.deepEqual(logged, [server.url, server.url, upperRaw], r.stderr);
    const tags = r.samples.filter((s) => s.metric === 'http_reqs').map((s) => [s.tags.url, s.tags.name]);
    assert.deepEqual(tags, [
      [server.url, server.url],
      [`${server.url}?q={"a":1}`, `${server.url}?q={"a":1}`],
    ]);
  });

  test('Response.request describes the request the script made, not the last redirect, as in k6', async () => {
    const script = files.write(
      'request-after-redirect.js',
      `import http from 'k6/http';
       export default async function () {
         const res = await http.post(__ENV.BASE + '/r1', { user: 'a' }, { headers: { 'X-A': '1' } });
         const withCredentials = await http.get(__ENV.BASE.replace('http://', 'http://u:p@') + '/app/x');
         console.log(JSON.stringify({ url: res.url, body: res.body, req: res.request, auth: withCredentials.request.headers.Authorization ?? null }));
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    const line = r.stderr.split('\n').find((l) => l.includes('source=console')) ?? '';
    const logged = JSON.parse(JSON.parse(`"${/msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? ''}"`));
    assert.equal(logged.url, `${server.url}/final?m=GET`, r.stderr);
    assert.equal(logged.body, 'final GET');
    // grafana/k6 lib/netext/httpext/request.go, MakeRequest: Response.request is built once from
    // the script's request; Go's client follows redirects on new requests and adds the
    // Authorization of URL credentials on a copy, so neither shows there.
    assert.equal(logged.req.method, 'POST');
    assert.equal(logged.req.url, `${server.url}/r1`);
    assert.equal(logged.req.body, 'user=a');
    assert.deepEqual(logged.req.headers['X-A'], ['1']);
    assert.deepEqual(logged.req.headers['Content-Type'], ['application/x-www-form-urlencoded']);
    assert.equal(logged.auth, null);
  });

  test('a request that got no response before its timeout spends that time waiting, as in k6', async () => {
    const script = files.write(
      'timeout-waiting.js',
      `import http from 'k6/http';
       export default async function () {
         const res = await http.get(__ENV.BASE + '/slow', { timeout: '300ms' });
         console.log(JSON.stringify({ code: res.error_code, t: res.timings }));
       }`,
    );
    const r = await run({ script, env: { BASE: server.url } });
    const line = r.stderr.split('\n').find((l) => l.includes('error_code') || l.includes('code'));
    const logged = JSON.parse(JSON.parse(`"${/msg="((?:[^"\\]|\\.)*)"/.exec(line ?? '')?.[1] ?? ''}"`));
    assert.equal(logged.code, 1050, r.stderr);
    // grafana/k6 lib/netext/httpext/tracer.go, Done: without a first response byte, waiting is
    // the time from the written request to the end, and receiving is 0.
    assert.equal(logged.t.receiving, 0, line);
    assert.ok(logged.t.waiting > 0, line);
    assert.equal(logged.t.duration, logged.t.sending + logged.t.waiting, line);
    const waiting = r.samples.filter((s) => s.metric === 'http_req_waiting').map((s) => s.value);
    assert.deepEqual(waiting, [logged.t.waiting]);
  });

  test('http_req_blocked is 0 when no connection was got (dial refused), as in k6', async () => {
    const closed = await startServer((_req, res) => res.end());
    const port = new URL(closed.url).port;
    await closed.close();
    const script = files.write(
      'blocked-refused.js',
      `import http from 'k6/http';
       export default async function () { await http.get('http://127.0.0.1:${port}/'); }`,
    );
    const r = await run({ script });
    const req = r.samples.find((s) => s.metric === 'http_reqs');
    assert.equal(req?.tags.error_code, '1212', r.stderr);
    const blocked = r.samples.filter((s) => s.metric === 'http_req_blocked').map((s) => s.value);
    assert.deepEqual(blocked, [0]);
  });

  test('HTTPS: TLS version tag, handshake timing on the first request only, CA trust and insecureSkipTLSVerify', async () => {
    const dir = files.dir;
    selfSignedCert(dir, '', '127.0.0.1', 'IP:127.0.0.1');
    const tlsServer = createServer(
      { key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) },
      (_req, res) => res.end('secure'),
    );
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/`;
    try {
      const body = (opts: string) =>
        `import http from 'k6/http';
         import { check } from 'k6';
         export const options = ${opts};
         export default async function () {
           for (let i = 0; i < 3; i++) {
             const res = await http.get(__ENV.URL);
             check(res, { ok: (r) => r.status === 200 && r.body === 'secure' && r.tls_version === 'tls1.3' });
           }
         }`;
      // k6 has no option for a CA: the engine trusts NODE_EXTRA_CA_CERTS (process or -e) on top.
      const trusted = await run({
        script: files.write('tls-ca.js', body('{}')),
        env: { URL: url, NODE_EXTRA_CA_CERTS: `${dir}/cert.pem` },
      });
      assert.equal(
        count(trusted.samples, 'checks', (s) => s.value === 1),
        3,
        trusted.stderr,
      );
      const reqs = trusted.samples.filter((s) => s.metric === 'http_reqs');
      assert.equal(reqs[0].tags.tls_version, 'tls1.3');
      const tls = trusted.samples.filter((s) => s.metric === 'http_req_tls_handshaking').map((s) => s.value);
      assert.ok(tls[0] > 0 && tls[1] === 0 && tls[2] === 0, `tls_handshaking ${tls}`);
      // k6's http_req_blocked is GotConn - GetConn (grafana/k6 lib/netext/httpext/tracer.go, Done):
      // on the request that opened the connection it includes the dial and the TLS handshake.
      const of = (metric: string) => trusted.samples.filter((s) => s.metric === metric).map((s) => s.value);
      const [blocked, connecting] = [of('http_req_blocked'), of('http_req_connecting')];
      assert.ok(
        blocked[0] >= connecting[0] + tls[0],
        `blocked ${blocked} connecting ${connecting} tls ${tls}`,
      );

      const untrusted = await run({ script: files.write('tls-none.js', body('{}')), env: { URL: url } });
      const first = untrusted.samples.find((s) => s.metric === 'http_reqs')!;
      assert.equal(first.tags.status, '0');
      assert.equal(first.tags.error_code, '1310');

      const skip = await run({
        script: files.write('tls-skip.js', body('{ insecureSkipTLSVerify: true }')),
        env: { URL: url },
      });
      assert.equal(
        count(skip.samples, 'checks', (s) => s.value === 1),
        3,
        skip.stderr,
      );
    } finally {
      tlsServer.close();
    }
  });
});

describe('http.url as k6 gives it, on both kinds of VU', () => {
  test("the object's keys, JSON, console line and String() are k6's (a Go struct: name, url, clean_url, clean, getURL); a request is named by the template unless params.tags.name says otherwise", async () => {
    const base = server.url.replace('http://', '');
    const runs = await runOnBothKinds(
      files,
      'tagged-url',
      `import http from 'k6/http';
export const options = { iterations: 1 };
export default FN () {
  const id = 7;
  const u = http.url\`http://${base}/item/\${id}\`;
  const secret = http.url\`http://joe:pw@${base}/s/\${id}\`;
  const plain = http.url\`http://${base}/plain\`;
  console.log(JSON.stringify({ keys: Object.keys(u), json: JSON.stringify(u), str: String(u), clean: secret.clean(), secret, plain }));
  console.log(u);
  let refused = '';
  try { u.getURL(); } catch (e) { refused = e.message; }
  console.log(refused);
  AWAIT http.get(u);
  AWAIT http.get(u, { tags: { name: 'mine' } });
  AWAIT http.get(plain);
  AWAIT http.batch([['GET', u]]);
}`,
      {},
    );
    for (const [kind, r] of Object.entries(runs)) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      const lines = [...r.stderr.matchAll(/level=info msg="((?:[^"\\]|\\.)*)"/g)].map((m) =>
        JSON.parse(`"${m[1]}"`),
      );
      assert.equal(lines.length, 3, `${kind}: ${r.stderr}`);
      const url = `http://${base}/item/7`;
      const name = `http://${base}/item/\${}`;
      assert.deepEqual(
        JSON.parse(lines[0]),
        {
          keys: ['name', 'url', 'clean_url', 'clean', 'getURL'],
          json: JSON.stringify({ name, url, clean_url: url }),
          str: '[object Object]',
          clean: `http://****:****@${base}/s/7`,
          // The template keeps what the script wrote (k6 does not mask the name).
          secret: {
            name: `http://joe:pw@${base}/s/\${}`,
            url: `http://joe:pw@${base}/s/7`,
            clean_url: `http://****:****@${base}/s/7`,
          },
          // No value in the template: named by the URL itself.
          plain: {
            name: `http://${base}/plain`,
            url: `http://${base}/plain`,
            clean_url: `http://${base}/plain`,
          },
        },
        kind,
      );
      assert.equal(
        lines[1],
        `{ name: "${name}", url: "${url}", clean_url: "${url}", clean: [object Function], getURL: [object Function] }`,
        kind,
      );
      assert.match(
        lines[2],
        /getURL\(\) of http\.url`…` \(Go's url\.URL object\) is not supported by the node engine/,
        kind,
      );
      const names = r.samples.filter((s) => s.metric === 'http_reqs').map((s) => [s.tags.name, s.tags.url]);
      assert.deepEqual(
        names,
        [
          [name, name],
          ['mine', 'mine'],
          [`http://${base}/plain`, `http://${base}/plain`],
          [name, name],
        ],
        kind,
      );
    }
  });
});
