import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApiError, badBody, badJson } from './api-error.ts';

const jsonMaxBytes = 1024 * 1024;

/** The request body as a JSON object; an empty body counts as `{}`. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const value = (await readJsonValue(req)) ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badBody('it must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** The request body as any JSON value; undefined when the body is empty. */
export async function readJsonValue(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > jsonMaxBytes) throw badBody('a JSON body must be smaller than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badJson((err as Error).message);
  }
}

export interface SavedUpload {
  size: number;
  md5: string;
  sha1: string;
}

/** Bytes read past the cap before giving up on a client that keeps sending. */
const discardMaxBytes = 1024 * 1024 * 1024;

/**
 * Streams an upload to `dest`, hashing as it goes. A body over `maxBytes` is read to the end but not
 * kept (so the client still gets the 400 rather than a broken pipe), then refused with code 134.
 */
export async function saveUpload(req: IncomingMessage, dest: string, maxBytes: number): Promise<SavedUpload> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared === 0)
    throw new ApiError(400, 125, 'The bundle upload is empty (Content-Length: 0). Send the tar.gz bytes.');
  const md5 = createHash('md5');
  const sha1 = createHash('sha1');
  const file = createWriteStream(dest);
  const fileDone = new Promise<void>((resolve, reject) => {
    file.on('finish', resolve);
    file.on('error', reject);
  });
  let size = 0;
  try {
    for await (const chunk of req) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > discardMaxBytes) {
        req.destroy();
        break;
      }
      if (size > maxBytes) continue;
      md5.update(bytes);
      sha1.update(bytes);
      if (!file.write(bytes)) await once(file, 'drain');
    }
  } finally {
    file.end();
    await fileDone;
  }
  if (size > maxBytes) {
    throw new ApiError(400, 134, `The bundle is larger than the ${maxBytes} byte limit; make it smaller.`);
  }
  if (size === 0)
    throw new ApiError(400, 125, 'The bundle upload is empty. Send the tar.gz bytes as the body.');
  if (Number.isFinite(declared) && declared !== size) {
    throw new ApiError(400, 126, `Content-Length said ${declared} bytes but ${size} arrived.`);
  }
  return { size, md5: md5.digest('hex'), sha1: sha1.digest('hex') };
}
