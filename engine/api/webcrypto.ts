// The global `crypto` of a VU, as k6 has it (grafana/k6 internal/js/modules/k6/webcrypto): Node's
// WebCrypto does the maths (the same digests, signatures and keys), narrowed to what k6 does.
// - Algorithms: k6 implements a subset per operation (algorithm.go, isRegisteredAlgorithm); any
//   other one (Ed25519, X25519, HKDF, an HMAC key from deriveKey, …) is rejected with k6's
//   NotSupportedError where Node would have gone on.
// - getRandomValues() writes one random byte into each element, as k6 does (crypto.go), so a
//   Uint32Array gets values 0–255; only the integer arrays of up to 8, 16 and 32 bits are taken,
//   and at most 65,536 elements.
// - wrapKey() and unwrapKey() throw "not implemented", as in k6.
// - Errors: a rejected operation gives k6's error object, `name` and `message` as own enumerable
//   properties (JSON.stringify(e) shows both, as on k6); what k6 throws synchronously is a GoError.
// - Keys: a CryptoKey's `type`, `extractable`, `algorithm` and `usages` are its own enumerable
//   properties, `algorithm` in the shape of k6's Go structs, so JSON.stringify(key) gives k6's
//   JSON (see k6Key); a key pair is `{ privateKey, publicKey }`, in that order.
import { webcrypto } from 'node:crypto';
import { goError, KindError } from '../vu-errors.ts';

const node = webcrypto;
const subtle = node.subtle;

const HASH = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
const AES = ['AES-CBC', 'AES-CTR', 'AES-GCM', 'AES-KW'];
const RSA = ['RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP'];
const EC = ['ECDH', 'ECDSA'];

/** Which algorithms k6 implements for each operation. */
const REGISTERED: Record<string, readonly string[]> = {
  digest: HASH,
  generateKey: [...AES, ...HASH, 'HMAC', ...EC, ...RSA],
  importKey: [...AES, 'HMAC', ...EC, ...RSA, 'PBKDF2'],
  exportKey: [...AES, 'HMAC', ...EC, ...RSA, 'PBKDF2'],
  encrypt: [...AES, 'RSA-OAEP'],
  decrypt: [...AES, 'RSA-OAEP'],
  sign: ['HMAC', 'ECDSA', 'RSA-PSS', 'RSASSA-PKCS1-v1_5'],
  verify: ['HMAC', 'ECDSA', 'RSA-PSS', 'RSASSA-PKCS1-v1_5'],
  deriveBits: [...HASH, 'PBKDF2', 'ECDH'],
  deriveKey: [...HASH, 'PBKDF2'],
  getKeyLength: AES,
};

/** The algorithm's name as k6 normalizes it (upper case; RSASSA-PKCS1-v1_5 keeps its spelling). */
function algorithmName(algorithm: unknown): string | null {
  const name =
    typeof algorithm === 'string'
      ? algorithm
      : typeof algorithm === 'object' && algorithm !== null
        ? (algorithm as { name?: unknown }).name
        : undefined;
  if (typeof name !== 'string') return null;
  const upper = name.toUpperCase();
  return upper === 'RSASSA-PKCS1-V1_5' ? 'RSASSA-PKCS1-v1_5' : upper;
}

/** k6's refusal of an algorithm it does not implement for `op`, or null when it does. */
function unsupported(algorithm: unknown, op: string): KindError | null {
  const name = algorithmName(algorithm);
  if (name === null || REGISTERED[op].includes(name)) return null;
  return new KindError(
    'NotSupportedError',
    `algorithm ${JSON.stringify(name)} doesn't support (in implementation) operation ${JSON.stringify(op)}`,
  );
}

/** Node's DOMException as k6's error object (same name, Node's message); anything else as it is. */
function k6Error(err: unknown): unknown {
  if (err instanceof DOMException) return new KindError(err.name, err.message);
  return err;
}

async function run<T>(refusal: KindError | null, call: () => Promise<T>): Promise<T> {
  if (refusal) throw refusal;
  try {
    return await call();
  } catch (err) {
    throw k6Error(err);
  }
}

/**
 * RSA-PSS with saltLength 0, which k6 refuses: Go's rsa package reads 0 as "any length"
 * (grafana/k6 internal/js/modules/k6/webcrypto/rsa.go, its sentences as they are).
 */
function pssSaltZero(algorithm: unknown, what: string): KindError | null {
  if (algorithmName(algorithm) !== 'RSA-PSS') return null;
  const salt = (algorithm as { saltLength?: unknown }).saltLength;
  if (salt === undefined || Math.trunc(Number(salt)) !== 0) return null;
  return new KindError(
    'ImplementationError',
    `k6 RSA-PSS uses standard Golang SDK that doesn't supportsalt length=0 but ${what} result might be different.`,
  );
}

/** Key algorithms k6's exportKey() handles (subtle_crypto.go, ExportKey). */
const EXPORTABLE = ['AES-CBC', 'AES-CTR', 'AES-GCM', 'HMAC', ...EC, ...RSA];

/**
 * A key as k6 hands it to scripts: a Go *CryptoKey (grafana/k6 internal/js/modules/k6/webcrypto
 * key.go) whose fields, by their `js` tags, are `type`, `extractable`, `algorithm` and `usages`,
 * in that order, each an own enumerable property, so JSON.stringify shows them (its methods are
 * functions, which JSON leaves out). Node's key keeps its internal slots for the operations; these
 * properties stand in front of Node's getters. Not matched: the key's Go methods (containsUsage,
 * isKeyPair, resolveCryptoKey, resolveCryptoKeyPair, validate), which console.log would list.
 */
function k6Key(key: webcrypto.CryptoKey): webcrypto.CryptoKey {
  const own = (value: unknown) => ({ value, writable: true, enumerable: true, configurable: false });
  return Object.defineProperties(key, {
    type: own(key.type),
    extractable: own(key.extractable),
    algorithm: own(k6Algorithm(key.algorithm as unknown as Record<string, unknown>)),
    usages: own([...key.usages]),
  });
}

/**
 * A key's algorithm as JSON shows k6's Go struct for it (aes.go AESKeyAlgorithm, hmac.go
 * HMACKeyAlgorithm, elliptic_curve.go EcKeyAlgorithm, rsa.go RsaHashedKeyAlgorithm, pbkdf2.go
 * PBKDF2KeyAlgorithm). The Go runtime (grafana/sobek object_goreflect.go buildFieldInfo) lists an
 * embedded struct under its own name, snake_cased by k6's field names (js/common/bridge.go:
 * `Algorithm` → `algorithm`, `KeyAlgorithm` → `key_algorithm`), then its fields again at the top;
 * RsaHashedKeyAlgorithm's untagged `Hash` is `hash`, and it has no publicExponent.
 */
function k6Algorithm(algorithm: Record<string, unknown>): Record<string, unknown> {
  const name = String(algorithm.name);
  const base = { algorithm: { name }, name };
  const keyAlgorithm = { key_algorithm: { algorithm: { name }, name }, ...base };
  const hashName = String((algorithm.hash as { name?: unknown } | undefined)?.name);
  if (AES.includes(name)) return { ...base, length: algorithm.length };
  if (name === 'HMAC')
    return {
      ...keyAlgorithm,
      hash: { algorithm: { name: hashName }, name: hashName },
      length: algorithm.length,
    };
  if (EC.includes(name)) return { ...keyAlgorithm, namedCurve: algorithm.namedCurve };
  if (RSA.includes(name))
    return { ...keyAlgorithm, modulusLength: algorithm.modulusLength, hash: { name: hashName } };
  if (name === 'PBKDF2') return base;
  return algorithm;
}

/** generateKey()'s result: one key, or k6's CryptoKeyPair (key.go: privateKey, then publicKey). */
function k6KeyOrPair(result: unknown): unknown {
  const pair = result as Partial<Record<'privateKey' | 'publicKey', webcrypto.CryptoKey>>;
  if (!pair.privateKey || !pair.publicKey) return k6Key(result as webcrypto.CryptoKey);
  return { privateKey: k6Key(pair.privateKey), publicKey: k6Key(pair.publicKey) };
}

type Args = unknown[];
const call = (method: keyof webcrypto.SubtleCrypto, args: Args) =>
  (subtle[method] as (...a: Args) => Promise<unknown>).apply(subtle, args);

const k6Subtle = {
  decrypt: (...a: Args) => run(unsupported(a[0], 'decrypt'), () => call('decrypt', a)),
  deriveBits: (...a: Args) => run(unsupported(a[0], 'deriveBits'), () => call('deriveBits', a)),
  deriveKey: (...a: Args) =>
    run(
      unsupported(a[0], 'deriveKey') ?? unsupported(a[2], 'importKey') ?? unsupported(a[2], 'getKeyLength'),
      () => call('deriveKey', a).then((key) => k6Key(key as webcrypto.CryptoKey)),
    ),
  digest: (...a: Args) => run(unsupported(a[0], 'digest'), () => call('digest', a)),
  encrypt: (...a: Args) => run(unsupported(a[0], 'encrypt'), () => call('encrypt', a)),
  exportKey: (...a: Args) => {
    const key = a[1] as { algorithm?: { name?: unknown } } | null | undefined;
    const name = algorithmName(key?.algorithm);
    const refusal =
      name !== null && !EXPORTABLE.includes(name)
        ? new KindError('NotSupportedError', `unsupported algorithm ${name}`)
        : null;
    return run(refusal, () => call('exportKey', a));
  },
  generateKey: (...a: Args) =>
    run(unsupported(a[0], 'generateKey'), () => call('generateKey', a).then(k6KeyOrPair)),
  importKey: (...a: Args) =>
    run(unsupported(a[2], 'importKey'), () =>
      call('importKey', a).then((key) => k6Key(key as webcrypto.CryptoKey)),
    ),
  sign: (...a: Args) =>
    run(unsupported(a[0], 'sign') ?? pssSaltZero(a[0], 'generates salt with maximum length . Sign'), () =>
      call('sign', a),
    ),
  unwrapKey: () => {
    throw goError('not implemented');
  },
  verify: (...a: Args) =>
    run(
      unsupported(a[0], 'verify') ??
        pssSaltZero(a[0], 'tries to auto-detect salt length if 0 is used. Verify'),
      () => call('verify', a),
    ),
  wrapKey: () => {
    throw goError('not implemented');
  },
};

/** The typed arrays k6's getRandomValues() takes. */
const RANDOM_TYPES = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
];
const MAX_RANDOM_VALUES = 65536;

function getRandomValues<T>(array: T): T {
  if (!RANDOM_TYPES.some((type) => array instanceof type))
    throw goError("TypeMismatchError: typedArray parameter isn't a TypedArray instance");
  const typed = array as unknown as Uint8Array;
  if (typed.length > MAX_RANDOM_VALUES)
    throw goError(
      `QuotaExceededError: typedArray parameter is too big; maximum length is ${MAX_RANDOM_VALUES}`,
    );
  const bytes = node.getRandomValues(new Uint8Array(typed.length));
  for (let i = 0; i < bytes.length; i++) typed[i] = bytes[i];
  return array;
}

const readOnly = (value: unknown) => ({ value, enumerable: true, writable: false, configurable: false });

/** A fresh `crypto` object with k6's members. */
function k6Crypto(): object {
  const subtleObject = Object.defineProperties(
    {},
    Object.fromEntries(Object.entries(k6Subtle).map(([name, fn]) => [name, readOnly(fn)])),
  );
  return Object.defineProperties(
    {},
    {
      getRandomValues: readOnly(getRandomValues),
      randomUUID: readOnly(() => node.randomUUID()),
      subtle: readOnly(subtleObject),
      CryptoKey: readOnly((globalThis as { CryptoKey?: unknown }).CryptoKey),
    },
  );
}

/** Makes `crypto` in this thread k6's (each VU thread calls it once before any script runs). */
export function installWebCrypto(): void {
  Object.defineProperty(globalThis, 'crypto', {
    value: k6Crypto(),
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
