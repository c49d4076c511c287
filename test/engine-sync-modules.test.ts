// Synchronous VUs (--sync-vus) with the k6 modules beyond k6, k6/http and k6/metrics, and the
// k6/http helpers: the values k6 documents, and the same results as on async VUs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { count, failedChecks, run, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.url === '/page') {
        res.setHeader('content-type', 'text/html');
        res.end(
          '<html lang="en"><head><title>Title</title></head><body><p class="x">hello</p></body></html>',
        );
        return;
      }
      if (req.url === '/set-cookie') res.setHeader('set-cookie', 'from_server=1; Path=/');
      const status = /^\/status\/(\d+)$/.exec(req.url ?? '');
      if (status) res.statusCode = Number(status[1]);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ cookie: req.headers.cookie ?? '', type: req.headers['content-type'] ?? '', body }),
      );
    });
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

describe('synchronous VUs: pure modules', () => {
  test("k6/encoding, k6/crypto, the global crypto and k6/html give k6's documented values", async () => {
    const r = await run({
      syncVus: true,
      iterations: 1,
      script: files.write(
        'pure.js',
        `import http from 'k6/http';
import { check } from 'k6';
import encoding, { b64decode } from 'k6/encoding';
import crypto from 'k6/crypto';
import { parseHTML } from 'k6/html';
const input = 'hello world!';
export default function () {
  const hasher = crypto.createHash('md4');
  hasher.update('hello ');
  hasher.update('world!');
  const page = http.get('${server.url}/page');
  const doc = parseHTML(page.body);
  check(null, {
    b64: () => encoding.b64encode('hello world') === 'aGVsbG8gd29ybGQ=' && b64decode('aGVsbG8gd29ybGQ=', 'std', 's') === 'hello world',
    rawurl: () => encoding.b64encode(new Uint8Array([0xfb, 0xff, 0xbf, 0x3e]).buffer, 'rawurl') === '-_-_Pg',
    md4: () => crypto.md4(input, 'hex') === '3363b72840acd5f49f922fef598ee85d',
    'md4 incremental': () => hasher.digest('hex') === '3363b72840acd5f49f922fef598ee85d',
    sha256: () => crypto.sha256(input, 'hex') === '7509e5bda0c762d2bac7f90d758b5b2263fa01ccbc542ab5e3df163be08e6ca9',
    ripemd160: () => crypto.ripemd160(input, 'hex') === 'dffd03137b3a333d5754813399a5f437acd694e5',
    hmac: () => crypto.hmac('sha256', 'mysecret', input, 'hex') === '893a72d8cab129e5ba85aea4599fd53f59bfe652cff4098a3780313228d8c20f',
    'hmac md4': () => /^[0-9a-f]{32}$/.test(crypto.hmac('md4', 'k', input, 'hex')),
    randomBytes: () => crypto.randomBytes(16).byteLength === 16,
    webcrypto: () => globalThis.crypto.getRandomValues(new Uint8Array(8)).length === 8 && /^[0-9a-f-]{36}$/.test(globalThis.crypto.randomUUID()),
    parseHTML: () => doc.find('head title').text() === 'Title' && doc.find('html').attr('lang') === 'en',
    'Response.html()': () => page.html('p.x').text() === 'hello' && page.html().find('title').text() === 'Title',
  });
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(count(r.samples, 'checks'), 12, r.stderr);
    assert.deepEqual(failedChecks(r), []);
  });
});

/** A script in k6's style that uses every k6/http helper; `aw` is '' (sync) or 'await ' (async). */
function helpersScript(aw: string): string {
  const fn = aw ? 'export default async function' : 'export default function';
  return `import http from 'k6/http';
import { check } from 'k6';
const base = '${server.url}';
http.setResponseCallback(http.expectedStatuses(200, { min: 500, max: 503 }));
${fn} () {
  const id = 7;
  const named = ${aw}http.get(http.url\`${server.url}/item/\${id}\`);
  const jar = http.cookieJar();
  jar.set(base + '/', 'k', 'v');
  const withCookie = ${aw}http.get(base + '/echo');
  const fromServer = ${aw}http.get(base + '/set-cookie');
  const seen = jar.cookiesForURL(base + '/');
  jar.delete(base + '/', 'k');
  const afterDelete = jar.cookiesForURL(base + '/');
  const other = new http.CookieJar();
  other.set(base + '/', 'only', 'here');
  const ownJar = ${aw}http.get(base + '/echo', { jar: other });
  const noJar = ${aw}http.get(base + '/echo', { jar: null });
  jar.clear(base + '/');
  const upload = ${aw}http.post(base + '/upload', { file: http.file('abc', 'a.txt', 'text/plain'), field: 'x' });
  const plainFile = ${aw}http.post(base + '/upload', { file: http.file('zz') });
  const form = ${aw}http.post(base + '/form', { a: ['1', '2'], b: 'x' });
  const notFound = ${aw}http.get(base + '/status/404', { responseCallback: http.expectedStatuses(404) });
  const unavailable = ${aw}http.get(base + '/status/503');
  ${aw}http.get(base + '/status/501');
  const [a, b] = ${aw}http.batch([
    ['GET', http.url\`${server.url}/batch/\${1}\`],
    { method: 'POST', url: base + '/batch-upload', body: { f: http.file('bb', 'b.bin') }, params: { responseCallback: null } },
  ]);
  check(null, {
    'url tag': () => named.status === 200,
    'jar cookie sent': () => withCookie.json('cookie') === 'k=v',
    'server cookie kept': () => seen.from_server[0] === '1' && seen.k[0] === 'v',
    'delete': () => afterDelete.k === undefined && afterDelete.from_server[0] === '1',
    'own jar': () => ownJar.json('cookie') === 'only=here',
    // k6 skips a nullish params.jar (grafana/k6 js/modules/k6/http/request.go): the VU's jar stays.
    'jar: null keeps the VU jar': () => noJar.json('cookie') === 'from_server=1',
    'cleared': () => Object.keys(jar.cookiesForURL(base + '/')).length === 0,
    'multipart': () => upload.json('type').startsWith('multipart/form-data; boundary=') && upload.json('body').includes('name="file"; filename="a.txt"\\r\\nContent-Type: text/plain\\r\\n\\r\\nabc'),
    'file defaults': () => /filename="\\d{19}"\\r\\nContent-Type: application\\/octet-stream/.test(plainFile.json('body')),
    'form': () => form.json('body') === 'a=1&a=2&b=x',
    'callbacks': () => notFound.status === 404 && unavailable.status === 503,
    'batch': () => a.status === 200 && b.json('body').includes('filename="b.bin"'),
    'constants': () => http.TLS_1_3 === 'tls1.3' && http.OCSP_STATUS_GOOD === 'good',
  });
}`;
}

describe('synchronous VUs: k6/http helpers', () => {
  test('http.url, http.file, cookie jars, expectedStatuses and response callbacks mean what they mean on async VUs', async () => {
    const sync = await run({
      syncVus: true,
      iterations: 1,
      script: files.write('helpers.js', helpersScript('')),
    });
    const async = await run({
      iterations: 1,
      script: files.write('helpers-async.js', helpersScript('await ')),
    });
    for (const r of [sync, async]) {
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(count(r.samples, 'checks'), 13, r.stderr);
      assert.deepEqual(failedChecks(r), []);
    }
    // Each request's name tag, status and expected_response tag, and what http_req_failed counted.
    const requests = (r: typeof sync) =>
      r.samples
        .filter((s) => s.metric === 'http_reqs')
        .map((s) => `${s.tags.name.replace(server.url, '')} ${s.tags.status} ${s.tags.expected_response}`)
        .sort();
    const failed = (r: typeof sync) =>
      r.samples.filter((s) => s.metric === 'http_req_failed').map((s) => `${s.tags.name} ${s.value}`);
    assert.deepEqual(requests(sync), requests(async));
    assert.deepEqual(failed(sync).sort(), failed(async).sort());
    for (const line of [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: k6 names http.url requests with a literal ${}
      '/item/${} 200 true',
      '/status/404 404 true',
      '/status/503 503 true',
      '/status/501 501 true',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: k6 names http.url requests with a literal ${}
      '/batch/${} 200 true',
      // responseCallback: null — no expected_response tag and no http_req_failed sample, as in k6.
      '/batch-upload 200 undefined',
    ])
      assert.ok(requests(sync).includes(line), `${line} not in\n${requests(sync).join('\n')}`);
    assert.equal(requests(sync).length, 13);
    assert.equal(failed(sync).length, 12);
    assert.ok(failed(sync).every((l) => l.endsWith(' 0')));
  });

  test('objects that would lose their meaning on the way to the hub are refused with a sentence', async () => {
    const r = await run({
      syncVus: true,
      iterations: 1,
      script: files.write(
        'refused.js',
        `import http from 'k6/http';
class Token { toString() { return 'abc'; } }
export default function () { http.post('${server.url}/', { token: new Token() }); }`,
      ),
    });
    assert.equal(r.exitCode, 107);
    assert.match(r.stderr, /not supported for synchronous VUs.*--engine k6/s);
  });
});

describe('synchronous VUs: k6/data SharedArray', () => {
  test('the callback runs once for 5 VUs; reads, iteration and Array methods work; writes throw (as on async VUs)', async () => {
    const script = files.write(
      'shared.js',
      `import { SharedArray } from 'k6/data';
import { check } from 'k6';
const data = new SharedArray('users', function () {
  console.log('callback ran in VU ' + __VU);
  const out = [];
  for (let i = 0; i < 5; i++) out.push({ username: 'user' + i, tags: ['a'] });
  out.push(undefined);
  return out;
});
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 5, iterations: 2 } } };
const throwsType = (f) => { try { f(); return false; } catch (e) { return e instanceof TypeError; } };
export default function () {
  const element = data[Math.floor(Math.random() * 5)];
  let n = 0;
  for (const item of data) if (item && item.username.startsWith('user')) n++;
  check(null, {
    'length and index': () => data.length === 6 && data[0].username === 'user0' && data[5] === null && data[6] === undefined,
    'iteration': () => n === 5 && [...data].length === 6 && Object.keys(data).length === 6,
    'array methods': () =>
      data.filter((d) => d).map((d) => d.username).join() === 'user0,user1,user2,user3,user4' &&
      data.slice(1, 2)[0].username === 'user1' && data.indexOf(null) === 5 && Array.isArray(data) &&
      JSON.stringify(data).startsWith('[{"username":"user0","tags":["a"]}'),
    'element read': () => /^user[0-4]$/.test(element.username),
    'writes throw': () =>
      throwsType(() => { data[0] = 1; }) && throwsType(() => data.push({})) && throwsType(() => { delete data[0]; }) &&
      throwsType(() => { element.username = 'x'; }) && throwsType(() => element.tags.push('b')) &&
      data[0].username === 'user0',
  });
}`,
    );
    for (const syncVus of [true, false]) {
      const r = await run({ syncVus, script });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal((r.stderr.match(/callback ran in VU/g) ?? []).length, 1, r.stderr);
      assert.equal(count(r.samples, 'checks'), 50, r.stderr);
      assert.deepEqual(failedChecks(r), [], `syncVus: ${syncVus}`);
    }
  });

  test('an array the options pass does not make: the first synchronous VU makes it, the others wait for it', async () => {
    const r = await run({
      syncVus: true,
      script: files.write(
        'shared-maker.js',
        `import { SharedArray } from 'k6/data';
import { check } from 'k6';
const d = __VU === 0 ? [] : new SharedArray('x', () => { console.log('made in VU ' + __VU); return [1, 2, { three: 3 }]; });
export const options = { vus: 5, iterations: 10 };
export default function () { check(d, { read: (d) => d.length === 3 && d[2].three === 3 }); }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal((r.stderr.match(/made in VU/g) ?? []).length, 1, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      10,
    );
  });

  test('outside the init context, or a callback that returns no array: the same errors as on async VUs', async () => {
    const late = await run({
      syncVus: true,
      iterations: 1,
      script: files.write(
        'shared-late.js',
        `import { SharedArray } from 'k6/data';
export default function () { new SharedArray('late', () => []); }`,
      ),
    });
    assert.match(late.stderr, /must be called in the init context/);
    const notArray = await run({
      syncVus: true,
      vus: 3,
      duration: '1s',
      script: files.write(
        'shared-obj.js',
        `import { SharedArray } from 'k6/data';
const d = new SharedArray('obj', () => ({ a: 1 }));
export default function () {}`,
      ),
    });
    assert.equal(notArray.exitCode, 107);
    assert.match(notArray.stderr, /it must return an array/);
  });

  test('memory: 20 VUs share one copy of a 5 MB array (the growth does not depend on the VU count)', async () => {
    const peak = async (size: number, vus: number) => {
      const script = files.write(
        `shared-${size}-${vus}.js`,
        `import { SharedArray } from 'k6/data';
import { check, sleep } from 'k6';
const data = new SharedArray('big', () => Array.from({ length: ${size} }, (_, i) => ({ id: i, name: 'user' + i, pad: 'x'.repeat(80) + i })));
export const options = { vus: ${vus}, duration: '1s', thresholds: { checks: ['rate==1'] } };
export default function () {
  const i = Math.floor(Math.random() * data.length);
  check(data[i], { read: (d) => d.id === i && data.length === ${size} });
  sleep(0.05);
}`,
      );
      const bin = fileURLToPath(new URL('../engine/bin.mjs', import.meta.url));
      const child = spawn(process.execPath, [bin, 'run', '--sync-vus', '-q', script], { stdio: 'ignore' });
      let max = 0;
      const poll = setInterval(() => {
        try {
          const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
          max = Math.max(max, Number(kb ?? 0) / 1024);
        } catch {}
      }, 20);
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      clearInterval(poll);
      assert.equal(code, 0, `the run with ${size} elements and ${vus} VUs exited ${code}`);
      return max;
    };
    const size = 50_000;
    const bytes =
      size *
      JSON.stringify({ id: size - 1, name: `user${size - 1}`, pad: `${'x'.repeat(80)}${size - 1}` }).length;
    assert.ok(bytes > 5e6);
    const growth: Record<number, number> = {};
    for (const vus of [1, 20]) growth[vus] = (await peak(size, vus)) - (await peak(10, vus));
    console.log(
      `SharedArray of ${(bytes / 1e6).toFixed(1)} MB as JSON: peak RSS grows by ${growth[1].toFixed(0)} MB with 1 synchronous VU, ${growth[20].toFixed(0)} MB with 20`,
    );
    // A copy per VU would add at least the JSON text (6 MB) for each of the 19 more VUs: 120 MB.
    assert.ok(
      growth[20] - growth[1] < 40,
      `1 VU: +${growth[1].toFixed(0)} MB, 20 VUs: +${growth[20].toFixed(0)} MB`,
    );
    assert.ok(growth[20] < 100, `20 VUs: +${growth[20].toFixed(0)} MB`);
  });
});

describe('synchronous VUs: k6/secrets', () => {
  test("get() returns a Promise as in k6; values are redacted from the test's log lines", async () => {
    const secretsFile = files.write('sync.secret', 'cool=s3cr3t-value\n');
    const r = await run({
      syncVus: true,
      iterations: 1,
      script: files.write(
        'secrets.js',
        `import secrets from 'k6/secrets';
import { check } from 'k6';
const pending = secrets.get('cool');
const token = await pending;
const other = await secrets.source('another').get('cool');
const missing = await secrets.source('nope').get('cool').catch((e) => e.message);
export default function () {
  console.log('token ' + token + ' and ' + other);
  check(null, {
    promise: () => typeof pending.then === 'function',
    values: () => token === 's3cr3t-value' && other === 'not cool secret',
    'unknown source': () => missing === 'no secret source with name "nope" is configured',
  });
  throw new Error('leaked ' + token);
}`,
      ),
      secretSources: [`file=${secretsFile},default`, 'mock=name=another,cool=not cool secret'],
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(failedChecks(r), []);
    assert.equal(count(r.samples, 'checks'), 3);
    assert.match(r.stderr, /token \*\*\*SECRET_REDACTED\*\*\* and \*\*\*SECRET_REDACTED\*\*\*/);
    assert.match(r.stderr, /leaked \*\*\*SECRET_REDACTED\*\*\*/);
    assert.doesNotMatch(r.stderr, /s3cr3t|not cool secret/);
  });
});
