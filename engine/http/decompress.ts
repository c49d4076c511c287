// A response body as k6 hands it to the script: every Content-Encoding k6 knows (gzip, deflate,
// br, zstd) undone, last one first (`Content-Encoding: gzip, br` is br then gzip); an encoding it
// does not know leaves the bytes as they came. A body that does not decode fails the request as
// k6 fails it: status 0 and an error (grafana/k6 lib/netext/httpext/compression.go,
// readResponseBody and wrapDecompressionError), with what decoded before the fault as the body.
import * as zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import type { RequestFailure } from './errors.ts';

export interface DecodedBody {
  /** null for 1xx, 204 and 304, which k6 gives no body. */
  bytes: Buffer | null;
  /** Set when the body did not decode: the request failed. */
  failure?: RequestFailure;
}

type Encoding = 'gzip' | 'deflate' | 'br' | 'zstd';
const KNOWN = new Set<string>(['gzip', 'deflate', 'br', 'zstd']);

// Node ≥ 22.15 has zstd in zlib; Node 20 does not, and fzstd (a Zstandard decoder in plain
// JavaScript) decodes it there.
const nodeZstd = (zlib as { zstdDecompressSync?: (b: Buffer) => Buffer }).zstdDecompressSync;
const zstdDecompress = (bytes: Buffer): Buffer => {
  if (nodeZstd) return nodeZstd(bytes);
  const out = fzstdDecompress(bytes);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
};

function decodeOne(encoding: Encoding, bytes: Buffer, lenient: boolean): Buffer {
  // Lenient: what decodes before a fault (zlib's Z_SYNC_FLUSH stops without an error at a cut).
  const options = lenient ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : undefined;
  switch (encoding) {
    case 'gzip':
      return zlib.gunzipSync(bytes, options);
    case 'deflate':
      return zlib.inflateSync(bytes, options);
    case 'br':
      return zlib.brotliDecompressSync(
        bytes,
        lenient ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : undefined,
      );
    case 'zstd':
      return zstdDecompress(bytes);
  }
}

/** A failure message as k6's error tag shows it: 1701 for the errors k6 wraps, else Go's own text. */
function failureOf(encoding: Encoding, err: unknown): RequestFailure {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const wrapped = (text: string): RequestFailure => {
    const error = `error decompressing response body (${text})`;
    return { error, code: 1701, detail: error };
  };
  const plain = (text: string): RequestFailure => ({ error: text, code: 1000, detail: text });
  // A body cut short: Go's readers end with io.ErrUnexpectedEOF, which k6 does not wrap.
  if (e.code === 'Z_BUF_ERROR' || /unexpected (end of file|EOF)/i.test(message))
    return plain('unexpected EOF');
  if (encoding === 'br') {
    // andybalholm/brotli names its errors as the reference decoder does (PADDING_1, …).
    const name = (e.code ?? '').replace(/^ERR__ERROR_(FORMAT_)?/, '');
    return wrapped(`brotli: ${name || 'corrupted input'}`);
  }
  if (encoding === 'zstd') {
    if (/invalid zstd data/.test(message)) return wrapped('invalid input: magic number mismatch');
    return wrapped(`zstd: ${message}`);
  }
  const reader = encoding === 'gzip' ? 'gzip' : 'zlib';
  if (/header check/.test(message)) return wrapped(`${reader}: invalid header`);
  if (/data check|length check/.test(message)) return wrapped(`${reader}: invalid checksum`);
  // Go's flate reader says `flate: corrupt input before offset N`, an offset zlib does not give.
  return plain('flate: corrupt input');
}

export function decodeBody(status: number, contentEncoding: string | undefined, body: Buffer): DecodedBody {
  if ((status >= 100 && status <= 199) || status === 204 || status === 304) return { bytes: null };
  if (body.length === 0 || contentEncoding === undefined) return { bytes: body };
  const encodings = contentEncoding.split(',').map((e) => e.trim().toLowerCase());
  let out = body;
  for (let i = encodings.length - 1; i >= 0; i--) {
    const encoding = encodings[i];
    if (!KNOWN.has(encoding)) continue;
    try {
      out = decodeOne(encoding as Encoding, out, false);
    } catch (err) {
      // What decoded before the fault is the body, as k6 reads it, when this was the last
      // encoding to undo; a fault in an inner one leaves nothing the outer ones could decode.
      let partial: Buffer = Buffer.alloc(0);
      if (i === 0 && encoding !== 'zstd') {
        try {
          partial = decodeOne(encoding as Encoding, out, true);
        } catch {}
      }
      return { bytes: partial, failure: failureOf(encoding as Encoding, err) };
    }
  }
  return { bytes: out };
}
