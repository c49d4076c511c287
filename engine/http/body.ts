// Request bodies as k6 accepts them: a string, bytes (ArrayBuffer or a typed array, sent byte for
// byte), a plain object (form-urlencoded), or an object holding http.file() parts (multipart).
import { randomBytes } from 'node:crypto';

/**
 * What http.file() gives. k6's defaults (grafana/k6 js/modules/k6/http/file.go): the time in
 * nanoseconds as the file name, application/octet-stream.
 */
export class FileData {
  constructor(
    readonly data: string | ArrayBuffer | ArrayBufferView,
    readonly filename = nowNanos(),
    readonly content_type = 'application/octet-stream',
  ) {}
}

function nowNanos(): string {
  return `${Date.now()}${String(process.hrtime()[1] % 1_000_000).padStart(6, '0')}`;
}

export interface EncodedBody {
  bytes: Buffer | null;
  contentType: string | null;
}

export function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(String(data), 'utf8');
}

export function encodeBody(body: unknown, warn?: (text: string) => void): EncodedBody {
  if (body === null || body === undefined) return { bytes: null, contentType: null };
  if (typeof body === 'string' || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    return { bytes: toBuffer(body), contentType: null };
  }
  if (typeof body === 'object') {
    const entries = Object.entries(body as Record<string, unknown>);
    const value = (v: unknown) => formValue(v, warn);
    if (entries.some(([, v]) => v instanceof FileData)) return multipart(entries, value);
    // As Go's url.Values.Encode, which k6 uses: keys in sorted order, each value of an array
    // under its key (topping=onion&topping=bacon), Go's escaping (space as +, `~` kept, `*` escaped).
    const byKey = new Map<string, string[]>();
    for (const [k, v] of entries) byKey.set(k, Array.isArray(v) ? v.map(value) : [value(v)]);
    const keys = [...byKey.keys()].sort(compareBytes);
    let out = '';
    for (const k of keys) {
      for (const v of byKey.get(k) ?? []) out += `${out ? '&' : ''}${queryEscape(k)}=${queryEscape(v)}`;
    }
    return { bytes: Buffer.from(out), contentType: 'application/x-www-form-urlencoded' };
  }
  return { bytes: Buffer.from(String(body)), contentType: null };
}

/**
 * One value of an object body as k6 writes it (grafana/k6 js/modules/k6/http/request.go,
 * formatFormVal): null and undefined as an empty value, a nested object or array as an empty
 * value with a warning, anything else as its string.
 */
function formValue(v: unknown, warn?: (text: string) => void): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && !(v instanceof FileData)) {
    warn?.(
      `cannot urlencode a nested ${Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}'} value in a request form body; encoding it as an empty value, use JSON.stringify() to send structured data`,
    );
    return '';
  }
  return String(v);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

/** Go's url.QueryEscape: unreserved characters as they are, space as +, every other byte %XX. */
export function queryEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    if (UNRESERVED.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else for (const b of Buffer.from(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A name inside a multipart header, quoted as Go's mime/multipart does (backslash and quote escaped). */
function quoted(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function multipart(entries: Array<[string, unknown]>, value: (v: unknown) => string): EncodedBody {
  const boundary = `----k6boundary${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, v] of entries) {
    let head: string;
    let data: Buffer;
    if (v instanceof FileData) {
      head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${quoted(v.filename)}"\r\nContent-Type: ${v.content_type}`;
      data = toBuffer(v.data);
    } else {
      head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"`;
      data = Buffer.from(value(v));
    }
    parts.push(Buffer.from(`${head}\r\n\r\n`), data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
