// test-tier: unit
// The global `crypto` as k6 has it (grafana/k6 internal/js/modules/k6/webcrypto), on both kinds of
// VU: Node's maths, k6's algorithms per operation, k6's getRandomValues and k6's error objects.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { count, run, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

const SCRIPT = `import { check } from 'k6';
const enc = (s) => new TextEncoder().encode(s);
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const outcome = async (f) => { try { await f(); return 'ok'; } catch (e) { return JSON.stringify(e); } };
const thrown = (f) => { try { f(); return 'ok'; } catch (e) { return e.name + ': ' + e.message; } };
export default async function () {
  const words = crypto.getRandomValues(new Uint32Array(1000));
  const shorts = crypto.getRandomValues(new Int16Array(1000));
  const digest = hex(await crypto.subtle.digest('sha-256', enc('hello world!')));
  const hmac = await crypto.subtle.importKey('raw', enc('mysecret'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = hex(await crypto.subtle.sign('HMAC', hmac, enc('hello world!')));
  const kw = await crypto.subtle.generateKey({ name: 'AES-KW', length: 128 }, true, ['wrapKey']);
  const rsa = await crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']);
  const pss = await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, rsa.privateKey, enc('x'));
  const pssOk = await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, rsa.publicKey, pss, enc('x'));
  const pbkdf2 = await crypto.subtle.importKey('raw', enc('pw'), 'PBKDF2', false, ['deriveKey', 'deriveBits']);
  const refusals = [
    await outcome(() => crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])),
    await outcome(() => crypto.subtle.importKey('raw', enc('k'), 'HKDF', false, ['deriveBits'])),
    await outcome(() => crypto.subtle.deriveKey({ name: 'PBKDF2', salt: enc('s'), iterations: 2, hash: 'SHA-256' }, pbkdf2, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])),
    await outcome(() => crypto.subtle.exportKey('raw', kw)),
    await outcome(() => crypto.subtle.digest('SHA-224', enc('x'))),
    await outcome(() => crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 0 }, rsa.privateKey, enc('x'))),
  ];
  const dataError = JSON.parse(await outcome(() => crypto.subtle.importKey('raw', new Uint8Array(7), 'AES-GCM', false, ['encrypt'])));
  check(null, {
    'one random byte per element, as k6': () => words.every((v) => v < 256) && words.some((v) => v > 0) && shorts.every((v) => v >= 0 && v < 256),
    'arrays k6 refuses': () =>
      thrown(() => crypto.getRandomValues(new BigInt64Array(2))) === "GoError: TypeMismatchError: typedArray parameter isn't a TypedArray instance" &&
      thrown(() => crypto.getRandomValues(new Uint8Array(65537))) === 'GoError: QuotaExceededError: typedArray parameter is too big; maximum length is 65536' &&
      crypto.getRandomValues(new Uint32Array(65536)).length === 65536,
    'the maths are unchanged': () =>
      digest === '7509e5bda0c762d2bac7f90d758b5b2263fa01ccbc542ab5e3df163be08e6ca9' &&
      mac === '893a72d8cab129e5ba85aea4599fd53f59bfe652cff4098a3780313228d8c20f' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
    "algorithms k6 lacks, with k6's error": () =>
      JSON.stringify(refusals) === JSON.stringify([
        '{"name":"NotSupportedError","message":"algorithm \\\\"ED25519\\\\" doesn\\'t support (in implementation) operation \\\\"generateKey\\\\""}',
        '{"name":"NotSupportedError","message":"algorithm \\\\"HKDF\\\\" doesn\\'t support (in implementation) operation \\\\"importKey\\\\""}',
        '{"name":"NotSupportedError","message":"algorithm \\\\"HMAC\\\\" doesn\\'t support (in implementation) operation \\\\"getKeyLength\\\\""}',
        '{"name":"NotSupportedError","message":"unsupported algorithm AES-KW"}',
        '{"name":"NotSupportedError","message":"algorithm \\\\"SHA-224\\\\" doesn\\'t support (in implementation) operation \\\\"digest\\\\""}',
        '{"name":"ImplementationError","message":"k6 RSA-PSS uses standard Golang SDK that doesn\\'t supportsalt length=0 but generates salt with maximum length . Sign result might be different."}',
      ]) || console.log(JSON.stringify(refusals)),
    'RSA-PSS with a salt works': () => pssOk === true,
    'a failed operation is a { name, message } object': () => dataError.name === 'DataError' && typeof dataError.message === 'string' && Object.keys(dataError).join() === 'name,message',
    'wrapKey and unwrapKey are not implemented': () => thrown(() => crypto.subtle.wrapKey('raw', kw, kw, 'AES-KW')) === 'GoError: not implemented' && thrown(() => crypto.subtle.unwrapKey()) === 'GoError: not implemented',
  });
}
`;

describe("the global crypto as k6's", () => {
  for (const syncVus of [false, true]) {
    test(`k6's algorithms, getRandomValues and errors on ${syncVus ? 'synchronous' : 'async'} VUs`, async () => {
      const r = await run({ syncVus, iterations: 1, script: files.write(`webcrypto-${syncVus}.js`, SCRIPT) });
      assert.equal(r.exitCode, 0, r.stderr);
      const failed = r.samples.filter((s) => s.metric === 'checks' && s.value === 0).map((s) => s.tags.check);
      assert.deepEqual(failed, [], r.stderr);
      assert.equal(
        count(r.samples, 'checks', (s) => s.value === 1),
        7,
      );
    });
  }
});

describe("a CryptoKey's JSON as k6's (its Go struct: grafana/k6 internal/js/modules/k6/webcrypto key.go and the algorithms' structs)", () => {
  const KEYS = `export const options = { iterations: 1 };
export default async function () {
  const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const hmac = await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const ec = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const rsa = await crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']);
  const pbkdf2 = await crypto.subtle.importKey('raw', new Uint8Array([1, 2]), 'PBKDF2', false, ['deriveKey']);
  // The keys still work as keys.
  const iv = new Uint8Array(12);
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, new Uint8Array([7]));
  const opened = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, aes, sealed));
  console.log(JSON.stringify({ keys: [aes, hmac, ec, rsa, pbkdf2], pairKeys: Object.keys(ec), opened: opened[0] }));
}`;
  const named = (name: string) => ({ algorithm: { name }, name });
  const keyAlgorithm = (name: string) => ({ key_algorithm: named(name), ...named(name) });
  const ecAlgorithm = { ...keyAlgorithm('ECDSA'), namedCurve: 'P-256' };
  const rsaAlgorithm = { ...keyAlgorithm('RSA-PSS'), modulusLength: 1024, hash: { name: 'SHA-256' } };
  const EXPECTED = {
    keys: [
      {
        type: 'secret',
        extractable: true,
        algorithm: { ...named('AES-GCM'), length: 256 },
        usages: ['encrypt', 'decrypt'],
      },
      {
        type: 'secret',
        extractable: false,
        algorithm: { ...keyAlgorithm('HMAC'), hash: named('SHA-256'), length: 256 },
        usages: ['sign'],
      },
      {
        privateKey: { type: 'private', extractable: true, algorithm: ecAlgorithm, usages: ['sign'] },
        publicKey: { type: 'public', extractable: true, algorithm: ecAlgorithm, usages: ['verify'] },
      },
      {
        privateKey: { type: 'private', extractable: false, algorithm: rsaAlgorithm, usages: ['sign'] },
        publicKey: { type: 'public', extractable: true, algorithm: rsaAlgorithm, usages: ['verify'] },
      },
      { type: 'secret', extractable: false, algorithm: named('PBKDF2'), usages: ['deriveKey'] },
    ],
    pairKeys: ['privateKey', 'publicKey'],
    opened: 7,
  };
  for (const syncVus of [false, true]) {
    test(`JSON.stringify of keys and key pairs on ${syncVus ? 'synchronous' : 'async'} VUs`, async () => {
      const r = await run({ syncVus, script: files.write(`webcrypto-json-${syncVus}.js`, KEYS) });
      assert.equal(r.exitCode, 0, r.stderr);
      const line = /level=info msg="((?:[^"\\]|\\.)*)"/.exec(r.stderr)?.[1];
      assert.ok(line, r.stderr);
      // Compared as text: the keys' order is part of what JSON.stringify shows.
      assert.equal(JSON.parse(`"${line}"`), JSON.stringify(EXPECTED));
    });
  }
});
