// Request bodies as k6 accepts them: a string, bytes (ArrayBuffer or a typed array, sent byte for
// byte), a plain object (form-urlencoded), or an object holding http.file() parts (multipart).
import { randomBytes } from 'node:crypto';

/** What http.file() gives (k6's defaults: the name "file", application/octet-stream). */
export class FileData {
  constructor(
    readonly data: string | ArrayBuffer | ArrayBufferView,
    readonly filename = 'file',
    readonly content_type = 'application/octet-stream',
  ) {}
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

export function encodeBody(body: unknown): EncodedBody {
  if (body === null || body === undefined) return { bytes: null, contentType: null };
  if (typeof body === 'string' || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    return { bytes: toBuffer(body), contentType: null };
  }
  if (typeof body === 'object') {
    const entries = Object.entries(body as Record<string, unknown>);
    if (entries.some(([, v]) => v instanceof FileData)) return multipart(entries);
    const form = new URLSearchParams();
    // k6 repeats the key for each value of an array: topping=onion&topping=bacon.
    for (const [k, v] of entries) {
      if (Array.isArray(v)) for (const item of v) form.append(k, String(item));
      else form.append(k, String(v));
    }
    return { bytes: Buffer.from(form.toString()), contentType: 'application/x-www-form-urlencoded' };
  }
  return { bytes: Buffer.from(String(body)), contentType: null };
}

function multipart(entries: Array<[string, unknown]>): EncodedBody {
  const boundary = `----k6boundary${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of entries) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"`;
    let data: Buffer;
    if (value instanceof FileData) {
      head += `; filename="${value.filename}"\r\nContent-Type: ${value.content_type}`;
      data = toBuffer(value.data);
    } else {
      data = Buffer.from(String(value));
    }
    parts.push(Buffer.from(`${head}\r\n\r\n`), data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
