// `import crypto from 'k6/crypto'`: hashes, HMAC, incremental hashers and random bytes as k6
// documents them. Node's OpenSSL 3 no longer offers MD4 (legacy provider), so MD4 comes from
// js-md4 and its HMAC is built here (RFC 2104); every other algorithm is Node's own. Inputs and
// failures are k6's (grafana/k6 internal/js/modules/k6/crypto/crypto.go and js/common ToBytes):
// a string, an ArrayBuffer or a Uint8Array, anything else an error; errors are GoErrors with
// k6's messages.
import { createHash as nodeHash, createHmac as nodeHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { goError } from '../vu-errors.ts';

interface Md4Hasher {
  update(data: Uint8Array): Md4Hasher;
  arrayBuffer(): ArrayBuffer;
}
const md4Lib = createRequire(import.meta.url)('js-md4') as { create(): Md4Hasher };

const NODE_NAMES: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha512_224: 'sha512-224',
  sha512_256: 'sha512-256',
  ripemd160: 'ripemd160',
};

const ENCODINGS = new Set(['hex', 'base64', 'base64url', 'base64rawurl', 'binary']);

/** The Go type k6 names when an input is neither a string, an ArrayBuffer nor a Uint8Array. */
function goTypeOf(input: unknown): string {
  if (input === undefined || input === null) return '<nil>';
  if (typeof input === 'number') return Number.isInteger(input) ? 'int64' : 'float64';
  if (typeof input === 'boolean') return 'bool';
  if (typeof input === 'bigint') return '*big.Int';
  if (Array.isArray(input)) return '[]interface {}';
  const typed: [new (...a: never[]) => unknown, string][] = [
    [Int8Array, '[]int8'],
    [Int16Array, '[]int16'],
    [Uint16Array, '[]uint16'],
    [Int32Array, '[]int32'],
    [Uint32Array, '[]uint32'],
    [Float32Array, '[]float32'],
    [Float64Array, '[]float64'],
    [BigInt64Array, '[]int64'],
    [BigUint64Array, '[]uint64'],
  ];
  for (const [type, name] of typed) if (input instanceof type) return name;
  if (typeof input === 'function') return 'func(sobek.FunctionCall) sobek.Value';
  return 'map[string]interface {}';
}

/** k6's common.ToBytes: a string (UTF-8), an ArrayBuffer, or a Uint8Array (Go's []byte). */
function bytesOf(input: unknown): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof ArrayBuffer) return Buffer.from(input);
  if (input instanceof Uint8Array || input instanceof Uint8ClampedArray)
    return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw goError(`invalid type ${goTypeOf(input)}, expected string, []byte or ArrayBuffer`);
}

function checkAlgorithm(algorithm: unknown): string {
  const name = String(algorithm);
  if (name !== 'md4' && !(name in NODE_NAMES)) {
    throw new TypeError(
      `unknown hash algorithm "${name}"; use md4, md5, sha1, sha256, sha384, sha512, sha512_224, sha512_256 or ripemd160.`,
    );
  }
  return name;
}

/** createHMAC()'s and hmac()'s check, with k6's sentence. */
function checkHmacAlgorithm(algorithm: unknown): string {
  const name = String(algorithm);
  if (name !== 'md4' && !(name in NODE_NAMES)) throw goError(`invalid algorithm: ${name}`);
  return name;
}

function encode(digest: Buffer, encoding: unknown): string | ArrayBuffer {
  const name = String(encoding);
  if (!ENCODINGS.has(name)) throw goError(`invalid output encoding: ${name}`);
  if (name === 'binary') {
    return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
  }
  if (name === 'base64url') return digest.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  if (name === 'base64rawurl') return digest.toString('base64url');
  return digest.toString(name as 'hex' | 'base64');
}

/** The parts of a hash both one-shot and incremental use need. */
interface Digester {
  update(data: Buffer): void;
  digest(): Buffer;
}

function digester(algorithm: string): Digester {
  if (algorithm === 'md4') {
    const h = md4Lib.create();
    return {
      update: (data) => {
        h.update(data);
      },
      digest: () => Buffer.from(h.arrayBuffer()),
    };
  }
  const h = nodeHash(NODE_NAMES[algorithm]);
  return {
    update: (data) => {
      h.update(data);
    },
    digest: () => h.digest(),
  };
}

const MD4_BLOCK = 64;

function hmacDigester(algorithm: string, secret: Buffer): Digester {
  if (algorithm !== 'md4') {
    const h = nodeHmac(NODE_NAMES[algorithm], secret);
    return {
      update: (data) => {
        h.update(data);
      },
      digest: () => h.digest(),
    };
  }
  let key = secret;
  if (key.length > MD4_BLOCK) {
    const d = digester('md4');
    d.update(key);
    key = d.digest();
  }
  const padded = Buffer.alloc(MD4_BLOCK);
  key.copy(padded);
  const inner = digester('md4');
  inner.update(Buffer.from(padded.map((b) => b ^ 0x36)));
  return {
    update: (data) => inner.update(data),
    digest: () => {
      const outer = digester('md4');
      outer.update(Buffer.from(padded.map((b) => b ^ 0x5c)));
      outer.update(inner.digest());
      return outer.digest();
    },
  };
}

/**
 * What createHash()/createHMAC() return: update() any number of times, digest(encoding) any number
 * of times. As in k6 (Go's hash.Sum), digest() does not end the hash: it gives the digest of what
 * was written so far, and update() may go on after it.
 */
export class Hasher {
  readonly #make: () => Digester;
  readonly #written: Buffer[] = [];
  constructor(make: () => Digester) {
    this.#make = make;
  }
  update(input: string | ArrayBuffer): void {
    this.#written.push(bytesOf(input));
  }
  digest(outputEncoding: string): string | ArrayBuffer {
    const d = this.#make();
    for (const chunk of this.#written) d.update(chunk);
    return encode(d.digest(), outputEncoding);
  }
}

function hashWith(algorithm: string) {
  return (input: string | ArrayBuffer, outputEncoding: string): string | ArrayBuffer => {
    const d = digester(algorithm);
    let bytes: Buffer;
    try {
      bytes = bytesOf(input);
    } catch (err) {
      throw goError(`${algorithm} failed: ${(err as Error).message}`);
    }
    d.update(bytes);
    return encode(d.digest(), outputEncoding);
  };
}

export const md4 = hashWith('md4');
export const md5 = hashWith('md5');
export const sha1 = hashWith('sha1');
export const sha256 = hashWith('sha256');
export const sha384 = hashWith('sha384');
export const sha512 = hashWith('sha512');
export const sha512_224 = hashWith('sha512_224');
export const sha512_256 = hashWith('sha512_256');
export const ripemd160 = hashWith('ripemd160');

export function hmac(
  algorithm: string,
  secret: string | ArrayBuffer,
  input: string | ArrayBuffer,
  outputEncoding: string,
): string | ArrayBuffer {
  const d = hmacDigester(checkHmacAlgorithm(algorithm), bytesOf(secret));
  d.update(bytesOf(input));
  return encode(d.digest(), outputEncoding);
}

export function createHash(algorithm: string): Hasher {
  const name = checkAlgorithm(algorithm);
  return new Hasher(() => digester(name));
}

export function createHMAC(algorithm: string, secret: string | ArrayBuffer): Hasher {
  const name = checkHmacAlgorithm(algorithm);
  const key = bytesOf(secret);
  return new Hasher(() => hmacDigester(name, key));
}

export function randomBytes(size: number): ArrayBuffer {
  const n = Math.trunc(Number(size)) || 0;
  if (n < 1) throw goError('invalid size');
  const b = nodeRandomBytes(n);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** k6's crypto.hexEncode(data): the hex of a string's UTF-8, an ArrayBuffer's or a Uint8Array's bytes. */
export function hexEncode(data: unknown): string {
  return bytesOf(data).toString('hex');
}

export default {
  md4,
  md5,
  sha1,
  sha256,
  sha384,
  sha512,
  sha512_224,
  sha512_256,
  ripemd160,
  hmac,
  createHash,
  createHMAC,
  randomBytes,
  hexEncode,
};
