// test-tier: unit
// jslib's url library when jslib.k6.io cannot be reached: URL and URLSearchParams as the published
// file (github.com/grafana/jslib.k6.io, lib/url/1.0.0: core-js 3.6.5's polyfill) gives them to k6,
// on both kinds of VU. The expected values and error messages are what that file answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import { assertOfflineRun, runOnBothKinds, startServer, tempDir } from './engine-fixtures.ts';

process.env[NO_DOWNLOAD_ENV] = '1';
const files = tempDir();
const seen: string[] = [];
let server: Awaited<ReturnType<typeof startServer>>;

before(async () => {
  server = await startServer((req, res) => {
    seen.push(req.url ?? '');
    res.end('ok');
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

test('url 1.0.0 offline: URL and URLSearchParams as the published file has them', async () => {
  const runs = await runOnBothKinds(
    files,
    'url',
    `import http from 'k6/http';
import { check } from 'k6';
import { URL, URLSearchParams } from 'https://jslib.k6.io/url/1.0.0/index.js';
import url from 'https://jslib.k6.io/url/1.0.0/index.js';
export const options = { iterations: 1 };
const message = (f) => { try { f(); return 'no error'; } catch (e) { return e.name + ': ' + e.message; } };
export default FN () {
  const u = new URL('/search', __ENV.BASE);
  u.searchParams.append('q', 'k6 load');
  u.searchParams.append('tag', 'a&b');
  const res = AWAIT http.get(u.toString());
  const rel = new URL('../a/./b?c=d e#f g', 'https://Example.COM:443/x/y/z');
  const params = new URLSearchParams('a=1&a=2&b=x+y%20z');
  const has = params.has('a', 'nope');
  params.delete('a', 'nope');
  check(res, {
    'the request went to the URL built': (r) => r.status === 200,
    'relative resolution and normalisation': () =>
      rel.href === 'https://example.com/x/a/b?c=d%20e#f%20g' && rel.origin === 'https://example.com' && rel.port === '',
    'searchParams is live and this module\\'s': () => u.search === '?q=k6+load&tag=a%26b' && u.searchParams instanceof URLSearchParams,
    'has() and delete() take the name only': () => has === true && params.toString() === 'b=x+y+z',
    'form encoding': () =>
      new URLSearchParams({ "k ~!*()'": '\\u00e9\\u20ac &=' }).toString() === 'k+%7E%21*%28%29%27=%C3%A9%E2%82%AC+%26%3D',
    'no URL.canParse, createObjectURL or revokeObjectURL': () =>
      URL.canParse === undefined && URL.createObjectURL === undefined && URL.revokeObjectURL === undefined,
    'core-js error messages': () =>
      [
        message(() => new URL('not a url')),
        message(() => new URL('http://a:99999')),
        message(() => new URL('http://user@/')),
        message(() => new URL('https://')),
        message(() => new URL('//x', 'mailto:a')),
        message(() => new URL('x', 'nope')),
      ].join() ===
      'TypeError: Invalid scheme,TypeError: Invalid port,TypeError: Invalid authority,TypeError: Invalid host,TypeError: Invalid scheme,TypeError: Invalid scheme',
    'the default import is the exports object': () => url.URL === URL && url.URLSearchParams === URLSearchParams,
    'setters': () => {
      const s = new URL('https://x.io/a?b=1');
      s.pathname = '/c d';
      s.search = 'q=1 2';
      s.hash = 'h i';
      s.port = '8443';
      return s.href === 'https://x.io:8443/c%20d?q=1%202#h%20i';
    },
  });
}`,
    { env: { BASE: server.url }, moduleCache: `${files.dir}/modules` },
  );
  for (const [kind, r] of Object.entries(runs)) assertOfflineRun(r, 9, 'url 1.0.0', kind);
  assert.deepEqual(seen, ['/search?q=k6+load&tag=a%26b', '/search?q=k6+load&tag=a%26b']);
});
