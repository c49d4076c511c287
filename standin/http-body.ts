import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
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

/** What a multipart upload carried besides the archive: its `metadata` field, parsed. */
export interface MultipartUpload extends SavedUpload {
  metadata: Record<string, unknown>;
}

/** Room for the multipart framing and the `metadata` field on top of the archive itself. */
const multipartExtraBytes = 1024 * 1024;

/**
 * A `multipart/form-data` bundle upload (what rsconnect-python sends Connect 2025.12 and later when it
 * has git metadata): an `archive` file field with the tar.gz and an optional `metadata` field holding
 * a JSON object. The body is kept on disk while it arrives (capped like a plain upload), parsed with
 * the Fetch API's `formData()`, and the archive alone is written to `dest`.
 */
export async function saveMultipartUpload(
  req: IncomingMessage,
  dest: string,
  maxBytes: number,
): Promise<MultipartUpload> {
  await saveUpload(req, dest, maxBytes + multipartExtraBytes);
  let form: FormData;
  try {
    form = await new Response(await readFile(dest), {
      headers: { 'content-type': String(req.headers['content-type']) },
    }).formData();
  } catch (err) {
    throw badBody(`the multipart/form-data body could not be parsed (${(err as Error).message})`);
  }
  const archive = form.get('archive');
  if (archive === null || typeof archive === 'string') {
    throw badBody('a multipart bundle upload needs the tar.gz as a file field named "archive"');
  }
  const bytes = Buffer.from(await archive.arrayBuffer());
  if (bytes.length > maxBytes) {
    throw new ApiError(400, 134, `The bundle is larger than the ${maxBytes} byte limit; make it smaller.`);
  }
  if (bytes.length === 0) throw new ApiError(400, 125, 'The "archive" field of the upload is empty.');
  const field = form.get('metadata');
  let metadata: unknown = {};
  if (field !== null) {
    const text = typeof field === 'string' ? field : await field.text();
    try {
      metadata = JSON.parse(text);
    } catch (err) {
      throw badJson(`the "metadata" field: ${(err as Error).message}`);
    }
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw badBody('the "metadata" field must be a JSON object');
    }
  }
  await writeFile(dest, bytes);
  return {
    size: bytes.length,
    md5: createHash('md5').update(bytes).digest('hex'),
    sha1: createHash('sha1').update(bytes).digest('hex'),
    metadata: metadata as Record<string, unknown>,
  };
}
