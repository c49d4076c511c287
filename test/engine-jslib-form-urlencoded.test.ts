// test-tier: unit
// jslib's form-urlencoded library when jslib.k6.io cannot be reached, on both kinds of VU: the
// strings the published file (github.com/grafana/jslib.k6.io, lib/form-urlencoded/3.0.0) gives,
// and a POST of one that a server reads back as the fields it was made from.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import { runOnBothKinds, startServer, tempDir } from './engine-fixtures.ts';

process.env[NO_DOWNLOAD_ENV] = '1';
const files = tempDir();
const bodies: string[] = [];
let server: Awaited<ReturnType<typeof startServer>>;

before(async () => {
  server = await startServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push(body);
      res.end(JSON.stringify([...new URLSearchParams(body)]));
    });
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

test('form-urlencoded 3.0.0 offline: the published encoding, nested names, options', async () => {
  const runs = await runOnBothKinds(
    files,
    'form-urlencoded',
    `import http from 'k6/http';
import { check } from 'k6';
import urlencode from 'https://jslib.k6.io/form-urlencoded/3.0.0/index.js';
export const options = { iterations: 1 };
export default FN () {
  const body = urlencode({ user: 'Jane Doe', tags: ['a', 'b'], address: { city: "Saint-Malo (35)" }, note: null, skip: undefined });
  const res = AWAIT http.post(__ENV.URL, body, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  check(res, {
    'the published string': () =>
      body === 'user=Jane+Doe&tags%5B0%5D=a&tags%5B1%5D=b&address%5Bcity%5D=Saint-Malo+%2835%29&note=null',
    'the server reads the fields back': (r) =>
      r.body === JSON.stringify([['user', 'Jane Doe'], ['tags[0]', 'a'], ['tags[1]', 'b'], ['address[city]', 'Saint-Malo (35)'], ['note', 'null']]),
    'sorted, skipIndex, ignorenull': () =>
      urlencode({ z: 1, a: [1, 2], n: null, e: [] }, { sorted: true, skipIndex: true, ignorenull: true }) === 'a%5B%5D=1&a%5B%5D=2&e%5B%5D&z=1',
    "! ' ( ) ~ * encoded, + and % too": () => urlencode({ k: "!'()~*+%" }) === 'k=%21%27%28%29%7E%2A%2B%25',
    'falsy data as it is': () => urlencode(null) === null && urlencode('') === '' && urlencode(undefined) === undefined,
  });
}`,
    { env: { URL: server.url }, moduleCache: `${files.dir}/modules` },
  );
  for (const [kind, r] of Object.entries(runs)) {
    assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
    const failed = r.samples.filter((s) => s.metric === 'checks' && s.value === 0).map((s) => s.tags.check);
    assert.deepEqual(failed, [], `${kind}: ${r.stderr}`);
    assert.equal(r.samples.filter((s) => s.metric === 'checks').length, 5, kind);
    const info = r.stderr
      .split('\n')
      .filter((l) => l.includes('cannot be downloaded') && l.includes('form-urlencoded 3.0.0'));
    assert.equal(info.length, 1, r.stderr);
  }
  assert.equal(bodies.length, 2);
});
