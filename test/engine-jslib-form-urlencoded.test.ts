// test-tier: unit
// jslib's form-urlencoded library when jslib.k6.io cannot be reached, on both kinds of VU: the
// strings the published file (github.com/grafana/jslib.k6.io, lib/form-urlencoded/3.0.0) gives,
// and a POST of one that a server reads back as the fields it was made from.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import { assertOfflineRun, runOnBothKinds, startBodyServer, tempDir } from './engine-fixtures.ts';

process.env[NO_DOWNLOAD_ENV] = '1';
const files = tempDir();
let server: Awaited<ReturnType<typeof startBodyServer>>;

before(async () => {
  server = await startBodyServer((body) => JSON.stringify([...new URLSearchParams(body)]));
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
  for (const [kind, r] of Object.entries(runs)) assertOfflineRun(r, 5, 'form-urlencoded 3.0.0', kind);
  assert.equal(server.bodies.length, 2);
});
