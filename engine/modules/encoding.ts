// `import encoding from 'k6/encoding'`: base64 as k6 documents it (RFC 4648; std, rawstd, url,
// rawurl), with k6's answers (grafana/k6 internal/js/modules/k6/encoding/encoding.go): an
// encoding it does not know is std, and decoding is Go's encoding/base64, strict about the
// alphabet and the padding, with Go's error sentence.

type Variant = 'std' | 'rawstd' | 'url' | 'rawurl';

const VARIANTS: Record<Variant, { url: boolean; pad: boolean }> = {
  std: { url: false, pad: true },
  rawstd: { url: false, pad: false },
  url: { url: true, pad: true },
  rawurl: { url: true, pad: false },
};

/** As k6: any other encoding (none, null, a name it does not know) is std, without an error. */
function variantOf(encoding: unknown): { url: boolean; pad: boolean } {
  return VARIANTS[String(encoding) as Variant] ?? VARIANTS.std;
}

/** fmt's %T of the value a script passed, for k6's ToBytes error. */
function goType(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Int8Array) return '[]int8';
  if (v instanceof Int16Array) return '[]int16';
  if (v instanceof Uint16Array) return '[]uint16';
  if (v instanceof Int32Array) return '[]int32';
  if (v instanceof Uint32Array) return '[]uint32';
  if (v instanceof Float32Array) return '[]float32';
  if (v instanceof Float64Array) return '[]float64';
  return 'map[string]interface {}';
}

/** k6's ToBytes: a string (UTF-8), an ArrayBuffer or a Uint8Array (what its runtime exports as []byte). */
function bytesOf(input: unknown): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof ArrayBuffer) return Buffer.from(input);
  if (input instanceof Uint8Array || input instanceof Uint8ClampedArray)
    return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  throw new Error(`invalid type ${goType(input)}, expected string, []byte or ArrayBuffer`);
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

/**
 * Where Go's encoding/base64 decoder (which k6 uses) stops with "illegal base64 data at input
 * byte N", or -1 for valid input: characters outside the alphabet, padding where it cannot be
 * (or any '=' in the raw variants), missing padding, and anything after it; CR and LF are skipped.
 */
function corruptAt(src: string, url: boolean, pad: boolean): number {
  const isData = (c: string) =>
    /[A-Za-z0-9]/.test(c) || (url ? c === '-' || c === '_' : c === '+' || c === '/');
  const isNL = (c: string | undefined) => c === '\n' || c === '\r';
  let si = 0;
  while (si < src.length) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return -1;
        if (j === 1 || pad) return si - j;
        return -1;
      }
      const c = src[si++];
      if (isData(c)) continue;
      if (isNL(c)) {
        j--;
        continue;
      }
      if (!pad || c !== '=') return si - 1;
      if (j === 0 || j === 1) return si - 1;
      if (j === 2) {
        while (si < src.length && isNL(src[si])) si++;
        if (si === src.length) return src.length;
        if (src[si] !== '=') return si - 1;
        si++;
      }
      while (si < src.length && isNL(src[si])) si++;
      return si < src.length ? si : -1;
    }
  }
  return -1;
}

/** As k6's b64decode(input, encoding, format): an ArrayBuffer, or a string with format 's'. */
export function b64decode(input: string, encoding?: string | null, format?: string): ArrayBuffer | string {
  const v = variantOf(encoding);
  const text = input === undefined || input === null ? '' : String(input);
  const bad = corruptAt(text, v.url, v.pad);
  if (bad >= 0) throw new Error(`illegal base64 data at input byte ${bad}`);
  const bytes = Buffer.from(text.replace(/[\r\n=]/g, ''), v.url ? 'base64url' : 'base64');
  if (format === 's') return bytes.toString('utf8');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export default { b64encode, b64decode };
