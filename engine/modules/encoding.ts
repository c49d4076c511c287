// `import encoding from 'k6/encoding'`: base64 as k6 documents it (RFC 4648; std, rawstd, url,
// rawurl). Decoding is strict like k6's: characters outside the variant's alphabet or wrong
// padding throw instead of being skipped, so a wrong variant is an error, not garbage.

type Variant = 'std' | 'rawstd' | 'url' | 'rawurl';

const VARIANTS: Record<Variant, { url: boolean; pad: boolean }> = {
  std: { url: false, pad: true },
  rawstd: { url: false, pad: false },
  url: { url: true, pad: true },
  rawurl: { url: true, pad: false },
};

function variantOf(encoding: string | null | undefined): { url: boolean; pad: boolean } {
  // k6 takes a missing, null or empty encoding as std (its examples pass null to reach the format argument).
  const name = (encoding === undefined || encoding === null || encoding === '' ? 'std' : encoding) as Variant;
  const v = VARIANTS[name];
  if (!v) throw new TypeError(`unknown base64 encoding "${encoding}"; use std, rawstd, url or rawurl.`);
  return v;
}

function bytesOf(input: unknown): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof ArrayBuffer) return Buffer.from(input);
  if (ArrayBuffer.isView(input)) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('b64encode() takes a string or an ArrayBuffer.');
}

export function b64encode(input: string | ArrayBuffer, encoding?: string | null): string {
  const v = variantOf(encoding);
  const bytes = bytesOf(input);
  if (v.url)
    return v.pad
      ? bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
      : bytes.toString('base64url');
  const text = bytes.toString('base64');
  return v.pad ? text : text.replace(/=+$/, '');
}

export function b64decode(input: string, encoding?: string | null, format?: string): ArrayBuffer | string {
  const v = variantOf(encoding);
  const text = String(input);
  const alphabet = v.url ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9+/]*$/;
  const body = v.pad ? text.replace(/={1,2}$/, '') : text;
  const badPadding = v.pad ? text.length % 4 !== 0 : body.length % 4 === 1;
  if (!alphabet.test(body) || badPadding) {
    throw new Error(`b64decode: the input is not valid base64 (${encoding || 'std'} encoding).`);
  }
  const bytes = Buffer.from(body, v.url ? 'base64url' : 'base64');
  if (format === 's') return bytes.toString('utf8');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export default { b64encode, b64decode };
