// test-tier: unit
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseSecretSource } from '../engine/api/secrets.ts';
import crypto from '../engine/modules/crypto.ts';
import encoding from '../engine/modules/encoding.ts';
import { count, run, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

const bytes = (b: ArrayBuffer | string) => [...new Uint8Array(b as ArrayBuffer)];
/** An assert.throws() matcher for k6's GoError with exactly this message. */
const goError = (message: string) => (e: Error) => e.name === 'GoError' && e.message === message;

describe('k6/encoding as k6 documents it', () => {
  test("the docs' example: 'hello world' ⇄ aGVsbG8gd29ybGQ=", () => {
    assert.equal(encoding.b64encode('hello world'), 'aGVsbG8gd29ybGQ=');
    assert.equal(encoding.b64decode('aGVsbG8gd29ybGQ=', 'std', 's'), 'hello world');
    // k6's own examples pass null to reach the format argument: null means std.
    assert.equal(encoding.b64decode('aGVsbG8gd29ybGQ=', null, 's'), 'hello world');
    assert.deepEqual(
      bytes(encoding.b64decode('aGVsbG8gd29ybGQ=')),
      [104, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100],
    );
    const buf = new Uint8Array([104, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100]).buffer;
    assert.equal(encoding.b64encode(buf), 'aGVsbG8gd29ybGQ=');
  });

  test('the four variants: padding and alphabet', () => {
    const data = new Uint8Array([0xfb, 0xff, 0xbf, 0x3e]).buffer;
    assert.equal(encoding.b64encode(data, 'std'), '+/+/Pg==');
    assert.equal(encoding.b64encode(data, 'rawstd'), '+/+/Pg');
    assert.equal(encoding.b64encode(data, 'url'), '-_-_Pg==');
    assert.equal(encoding.b64encode(data, 'rawurl'), '-_-_Pg');
    assert.deepEqual(bytes(encoding.b64decode('-_-_Pg', 'rawurl')), [0xfb, 0xff, 0xbf, 0x3e]);
    assert.deepEqual(bytes(encoding.b64decode('+/+/Pg', 'rawstd')), [0xfb, 0xff, 0xbf, 0x3e]);
    assert.equal(encoding.b64encode('test', 'rawstd'), 'dGVzdA');
  });

  test('a wrong variant or bad input throws instead of decoding garbage', () => {
    // Go's encoding/base64 errors, as k6 throws them.
    assert.throws(
      () => encoding.b64decode('-_-_Pg==', 'std'),
      /^Error: illegal base64 data at input byte 0$/,
    );
    assert.throws(
      () => encoding.b64decode('+/+/Pg==', 'url'),
      /^Error: illegal base64 data at input byte 0$/,
    );
    assert.throws(() => encoding.b64decode('aGVsbG8', 'std'), /^Error: illegal base64 data at input byte 4$/);
    assert.throws(
      () => encoding.b64decode('aGVsbG8=', 'rawstd'),
      /^Error: illegal base64 data at input byte 7$/,
    );
    assert.throws(() => encoding.b64decode('aGk=x', 'std'), /^Error: illegal base64 data at input byte 4$/);
    assert.throws(() => encoding.b64decode('aG=', 'std'), /^Error: illegal base64 data at input byte 3$/);
    assert.throws(() => encoding.b64decode('a', 'rawstd'), /^Error: illegal base64 data at input byte 0$/);
    assert.equal(encoding.b64decode('aGVs\nbG8=', 'std', 's'), 'hello', 'newlines are skipped');
    assert.throws(
      () => encoding.b64encode(123 as never),
      /^Error: invalid type int64, expected string, \[\]byte or ArrayBuffer$/,
    );
    // An encoding k6 does not know is std.
    assert.equal(encoding.b64encode('hi?', 'hex'), 'aGk/');
  });
});

describe('k6/crypto as k6 documents it', () => {
  const input = 'hello world!';
  const asBuffer = new Uint8Array([104, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33]).buffer;

  test("every algorithm gives the docs' digest of 'hello world!', from a string and from an ArrayBuffer", () => {
    const expected: Record<string, string> = {
      md4: '3363b72840acd5f49f922fef598ee85d',
      md5: 'fc3ff98e8c6a0d3087d515c0473f8677',
      sha1: '430ce34d020724ed75a196dfc2ad67c77772d169',
      sha256: '7509e5bda0c762d2bac7f90d758b5b2263fa01ccbc542ab5e3df163be08e6ca9',
      sha384:
        'd33d40f7010ce34aa86efd353630309ed5c3d7ffac66d988825cf699f4803ccdf3f033230612f0945332fb580d8af805',
      sha512:
        'db9b1cd3262dee37756a09b9064973589847caa8e53d31a9d142ea2701b1b28abd97838bb9a27068ba305dc8d04a45a1fcf079de54d607666996b3cc54f6b67c',
      sha512_224: 'bc4ed196f7ba1c20f6fb6be1f91edf8293a35b065d6e7d6fd368c890',
      sha512_256: '595b5926068b4828fb1c27db21281e31118b8475cb6c3ceeb09be7b685414d5f',
      ripemd160: 'dffd03137b3a333d5754813399a5f437acd694e5',
    };
    for (const [name, hex] of Object.entries(expected)) {
      const fn = crypto[name as 'md5'];
      assert.equal(fn(input, 'hex'), hex, name);
      assert.equal(fn(asBuffer, 'hex'), hex, `${name} of an ArrayBuffer`);
      const h = crypto.createHash(name);
      h.update('hello ');
      h.update('world!');
      assert.equal(h.digest('hex'), hex, `${name} incremental`);
      // As Go's hash.Sum: digest() again gives the same, and the hash goes on after it.
      assert.equal(h.digest('hex'), hex, `${name} digest twice`);
      h.update('');
      assert.equal(h.digest('hex'), hex, `${name} update after digest`);
    }
  });

  test("hmac: the docs' example and the output encodings", () => {
    const hex = '893a72d8cab129e5ba85aea4599fd53f59bfe652cff4098a3780313228d8c20f';
    assert.equal(crypto.hmac('sha256', 'mysecret', input, 'hex'), hex);
    assert.equal(crypto.hmac('sha256', 'mysecret', asBuffer, 'hex'), hex);
    const raw = Buffer.from(hex, 'hex');
    assert.equal(crypto.hmac('sha256', 'mysecret', input, 'base64'), raw.toString('base64'));
    assert.equal(crypto.hmac('sha256', 'mysecret', input, 'base64rawurl'), raw.toString('base64url'));
    assert.equal(
      crypto.hmac('sha256', 'mysecret', input, 'base64url'),
      raw.toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
    );
    const bin = crypto.hmac('sha256', 'mysecret', input, 'binary');
    assert.ok(bin instanceof ArrayBuffer);
    assert.deepEqual(bytes(bin), [...raw]);
    const h = crypto.createHMAC('sha256', 'mysecret');
    h.update('hello ');
    h.update('world!');
    assert.equal(h.digest('hex'), hex);
  });

  test('hmac with md4 follows RFC 2104 (short and long keys)', () => {
    const md4 = (b: Buffer) =>
      Buffer.from(
        crypto.md4(
          b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer,
          'binary',
        ) as ArrayBuffer,
      );
    for (const key of ['k', 'x'.repeat(100)]) {
      let k = Buffer.from(key);
      if (k.length > 64) k = md4(k);
      const padded = Buffer.alloc(64);
      k.copy(padded);
      const inner = md4(Buffer.concat([Buffer.from(padded.map((b) => b ^ 0x36)), Buffer.from(input)]));
      const outer = md4(Buffer.concat([Buffer.from(padded.map((b) => b ^ 0x5c)), inner]));
      assert.equal(crypto.hmac('md4', key, input, 'hex'), outer.toString('hex'));
    }
  });

  test('randomBytes gives an ArrayBuffer of that size; bad names throw', () => {
    const r = crypto.randomBytes(16);
    assert.ok(r instanceof ArrayBuffer);
    assert.equal(r.byteLength, 16);
    assert.throws(() => crypto.createHash('sha3'), /unknown hash algorithm "sha3"/);
    assert.throws(() => crypto.sha256('x', 'latin1'), goError('invalid output encoding: latin1'));
  });

  test("inputs and failures as k6's: a string, an ArrayBuffer or a Uint8Array; GoErrors with k6's sentences", () => {
    const hex = '7509e5bda0c762d2bac7f90d758b5b2263fa01ccbc542ab5e3df163be08e6ca9';
    const view = new Uint8Array(Buffer.from(`xx${input}`)).subarray(2);
    assert.equal(crypto.sha256(view as unknown as ArrayBuffer, 'hex'), hex);
    const bad: [unknown, string][] = [
      [[104, 105], '[]interface {}'],
      [new Uint16Array(2), '[]uint16'],
      [42, 'int64'],
      [undefined, '<nil>'],
    ];
    for (const [value, goType] of bad) {
      const sentence = `invalid type ${goType}, expected string, []byte or ArrayBuffer`;
      assert.throws(() => crypto.sha256(value as string, 'hex'), goError(`sha256 failed: ${sentence}`));
      assert.throws(() => crypto.hmac('sha256', 'k', value as string, 'hex'), goError(sentence));
      assert.throws(() => crypto.createHash('md5').update(value as string), goError(sentence));
    }
    assert.throws(() => crypto.hmac('sha3', 'k', 'x', 'hex'), goError('invalid algorithm: sha3'));
    assert.throws(() => crypto.createHMAC('sha3', 'k'), goError('invalid algorithm: sha3'));
    assert.throws(() => crypto.randomBytes(0), goError('invalid size'));
    assert.throws(() => crypto.randomBytes(-1), goError('invalid size'));
    assert.equal(crypto.hexEncode('hi'), '6869');
    assert.equal(crypto.hexEncode(new Uint8Array([1, 255]).buffer), '01ff');
  });
});

describe('the modules load in a script', () => {
  test('k6/encoding and k6/crypto are importable, default and named', async () => {
    const r = await run({
      script: files.write(
        'enc-crypto.js',
        `import { check } from 'k6';
import encoding, { b64encode } from 'k6/encoding';
import crypto, { sha256 } from 'k6/crypto';
export default function () {
  check(null, {
    b64: () => encoding.b64decode(b64encode('hello world'), 'std', 's') === 'hello world',
    sha: () => sha256('hello world!', 'hex') === crypto.sha256('hello world!', 'hex'),
    md5: () => crypto.md5('hello world!', 'hex') === 'fc3ff98e8c6a0d3087d515c0473f8677',
  });
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      3,
    );
  });
});

describe("k6/metrics add() takes values as k6's does", () => {
  test('numbers, booleans and numeric strings count; null, undefined and non-numbers warn, add nothing and give false (throw with --throw)', async () => {
    const script = files.write(
      'metric-values.js',
      `import { Rate, Trend } from 'k6/metrics';
       const r = new Rate('r_values'); const t = new Trend('t_values');
       export const options = { iterations: 1 };
       export default function () {
         const got = [r.add(5), r.add(''), r.add('x'), r.add(null), r.add([]), r.add(undefined), t.add('12'), t.add('abc'), t.add(true)];
         console.log('results ' + got.join(','));
       }`,
    );
    for (const syncVus of [true, false]) {
      const r = await run({ script, syncVus });
      assert.equal(r.exitCode, 0, r.stderr);
      // grafana/k6 internal/js/modules/k6/metrics/metrics.go, add().
      assert.match(r.stderr, /msg="results true,true,false,false,true,false,true,false,true"/);
      assert.deepEqual(
        r.samples.filter((s) => s.metric === 'r_values').map((s) => s.value),
        [1, 0, 1],
      );
      assert.deepEqual(
        r.samples.filter((s) => s.metric === 't_values').map((s) => s.value),
        [12, 1],
      );
      assert.match(
        r.stderr,
        /level=warning msg="'x' is an invalid value for metric 'r_values', a number or a boolean value is expected"\n/,
      );
      assert.match(r.stderr, /msg="'null' is an invalid value for metric 'r_values'/);
    }
    const thrown = await run({ script, throw: true });
    // Thrown by a k6 module (Go code in k6): a GoError.
    assert.match(thrown.stderr, /level=error msg="GoError: 'x' is an invalid value for metric 'r_values'/);
  });
});

describe('k6/data SharedArray as k6 documents it', () => {
  test("one copy for all VUs, callback run once, read-only, the docs' random pick works", async () => {
    const r = await run({
      script: files.write(
        'shared.js',
        `import { SharedArray } from 'k6/data';
import { check } from 'k6';
globalThis.__calls = globalThis.__calls ?? 0;
globalThis.__arrays = globalThis.__arrays ?? new Set();
const data = new SharedArray('some name', function () {
  globalThis.__calls++;
  const dataArray = [];
  for (let i = 0; i < 5; i++) dataArray.push({ username: 'user' + i, tags: ['a'] });
  return dataArray;
});
globalThis.__arrays.add(data);
export const options = { vus: 3, iterations: 6 };
// Async VUs share one thread, so the thread's globals can count the callback's runs and the arrays
// (synchronous VUs: test/engine-sync-modules.test.ts).
export default async function () {
  const element = data[Math.floor(Math.random() * data.length)];
  let arrayWrite = false, elementWrite = false, nestedWrite = false, push = false;
  try { data[0] = 1; } catch (e) { arrayWrite = e instanceof TypeError; }
  try { element.username = 'x'; } catch (e) { elementWrite = e instanceof TypeError; }
  try { element.tags.push('b'); } catch (e) { nestedWrite = e instanceof TypeError; }
  try { data.push({}); } catch (e) { push = e instanceof TypeError; }
  let n = 0;
  for (const item of data) if (item.username.startsWith('user')) n++;
  check(null, {
    'callback ran once': () => globalThis.__calls === 1,
    'one array for every VU': () => globalThis.__arrays.size === 1,
    'element read': () => /^user[0-4]$/.test(element.username) && data.length === 5 && n === 5,
    'writes throw': () => arrayWrite && elementWrite && nestedWrite && push && data[0].username === 'user0',
  });
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(count(r.samples, 'checks'), 24, r.stderr);
    const failed = r.samples.filter((s) => s.metric === 'checks' && s.value === 0).map((s) => s.tags.check);
    assert.deepEqual(failed, []);
  });

  test('outside the init context, or a callback that returns no array: a clear error', async () => {
    const late = await run({
      script: files.write(
        'shared-late.js',
        `import { SharedArray } from 'k6/data';
export default function () { new SharedArray('late', () => []); }`,
      ),
    });
    assert.match(late.stderr, /must be called in the init context/);
    const notArray = await run({
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
});

describe('k6/secrets as k6 documents it', () => {
  test("the docs' example: file and mock sources, default and named, values redacted from logs", async () => {
    const secretsFile = files.write('file.secret', 'cool=some\nelse=source\n');
    const r = await run({
      script: files.write(
        'secrets.js',
        `import secrets from 'k6/secrets';
import { check } from 'k6';
export default async () => {
  const my_secret = await secrets.get('cool');
  console.log(my_secret);
  const other = await secrets.source('another').get('cool');
  console.log('header Bearer ' + (await secrets.get('else')) + ' and ' + other);
  let missing = '';
  try { await secrets.source('nope').get('cool'); } catch (e) { missing = e.message; }
  let noKey = '';
  try { await secrets.get('absent'); } catch (e) { noKey = e.message; }
  check(null, {
    'default is the file': () => my_secret === 'some',
    'named mock': () => other === 'not cool secret',
    'unknown source': () => missing === 'no secret source with name "nope" is configured',
    'unknown key': () => noKey === 'no value',
  });
};`,
      ),
      secretSources: [`file=${secretsFile},default`, 'mock=name=another,cool=not cool secret'],
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      4,
      r.stderr,
    );
    assert.doesNotMatch(r.stderr.replaceAll(' source=console', ''), /some|source|not cool secret/);
    assert.match(r.stderr, /\*\*\*SECRET_REDACTED\*\*\*/);
    assert.match(r.stderr, /header Bearer \*\*\*SECRET_REDACTED\*\*\* and \*\*\*SECRET_REDACTED\*\*\*/);
  });

  test('values are redacted from errors and abort reasons the VU thread reports too', async () => {
    const script = (body: string) =>
      files.write(
        `secret-${body.length}.js`,
        `import secrets from 'k6/secrets';
import exec from 'k6/execution';
export const options = { iterations: 1 };
${body}`,
      );
    const secretSources = ['mock=token=s3cr3t-value'];
    const inSetup = await run({
      script: script(
        `export async function setup() { throw new Error('bad token ' + (await secrets.get('token'))); }
export default async () => {};`,
      ),
      secretSources,
    });
    const inIteration = await run({
      script: script(
        `export default async () => { throw new Error('it was ' + (await secrets.get('token'))); };`,
      ),
      secretSources,
    });
    const aborted = await run({
      script: script(
        `export default async () => { exec.test.abort('leaked ' + (await secrets.get('token'))); };`,
      ),
      secretSources,
    });
    assert.equal(inSetup.exitCode, 107, inSetup.stderr);
    assert.equal(aborted.exitCode, 108, aborted.stderr);
    assert.match(inSetup.stderr, /setup\(\) failed: bad token \*\*\*SECRET_REDACTED\*\*\*/);
    assert.match(inIteration.stderr, /it was \*\*\*SECRET_REDACTED\*\*\*/);
    assert.match(aborted.stderr, /test aborted: leaked \*\*\*SECRET_REDACTED\*\*\*/);
    for (const r of [inSetup, inIteration, aborted]) assert.doesNotMatch(r.stderr, /s3cr3t/);
  });

  test('no source configured, or a bad --secret-source: a sentence', async () => {
    const r = await run({
      script: files.write(
        'nosecrets.js',
        `import secrets from 'k6/secrets';
export default async () => { await secrets.get('x'); };`,
      ),
    });
    // k6's sentence, as its secretsource/manager.go words it, with nothing added.
    assert.match(r.stderr, /no secret sources are configured\\n/);
    assert.throws(() => parseSecretSource('env'), /not a secret source this engine has/);
    assert.throws(() => parseSecretSource('file'), /needs the path/);
    assert.throws(() => parseSecretSource('mock=novalue'), /needs KEY=VALUE/);
  });
});

describe('console.debug as k6 prints it', () => {
  test('only with --verbose', async () => {
    const script = files.write(
      'debug.js',
      `export default function () { console.debug('debug line'); console.log('info line'); }`,
    );
    const quiet = await run({ script });
    assert.match(quiet.stderr, /info line/);
    assert.doesNotMatch(quiet.stderr, /debug line/);
    const verbose = await run({ script, verbose: true });
    assert.match(verbose.stderr, /level=debug msg="debug line"/);
  });
});
