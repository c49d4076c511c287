import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { type ApiContext, canPublish, type StandinUser } from './api-context.ts';
import { ApiError, badParameter, unknownObject } from './api-error.ts';
import { BundleProblem } from './archive/bundle-problem.ts';
import { readBundle } from './archive/read-bundle.ts';
import { type Content, type ContentFields, newContent } from './content.ts';
import { type SavedUpload, saveMultipartUpload, saveUpload } from './http-body.ts';
import { type Bundle, type BundleSource, noSource } from './store.ts';

/** Creates a content item (v1 and legacy API alike); names are unique per owner, as on Connect. */
export async function addContent(
  ctx: ApiContext,
  owner: StandinUser,
  fields: ContentFields,
): Promise<Content> {
  if (!canPublish(owner)) {
    throw new ApiError(
      403,
      22,
      "You don't have permission to perform this operation: viewers cannot create content.",
    );
  }
  if (ctx.store.byName(fields.name as string, owner.guid)) {
    throw new ApiError(409, 26, `An object with that name already exists: content named "${fields.name}".`);
  }
  const content = newContent(ctx.store.nextContentId(), owner.guid, fields, new Date());
  ctx.store.content.set(content.guid, content);
  await ctx.ensureContentDir(content.guid);
  return content;
}

/** Saves an uploaded bundle archive after checking its checksum and every entry; nothing is kept on refusal. */
export async function receiveBundle(
  req: IncomingMessage,
  ctx: ApiContext,
  content: Content,
): Promise<Bundle> {
  const dir = await ctx.ensureContentDir(content.guid);
  const upload = join(dir, `upload-${randomBytes(6).toString('hex')}.tar.gz`);
  try {
    const multipart = /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '');
    let source = noSource;
    let saved: SavedUpload;
    if (multipart) {
      const { metadata, ...archive } = await saveMultipartUpload(req, upload, ctx.limits.archiveBytes);
      source = sourceFrom(metadata);
      saved = archive;
    } else saved = await saveUpload(req, upload, ctx.limits.archiveBytes);
    checkChecksum(req.headers['x-content-checksum'], saved.md5);
    const { manifest } = await readBundle(upload, ctx.limits);
    if (!ctx.store.content.has(content.guid)) throw unknownObject('content', content.guid);
    const id = ctx.store.nextBundleId();
    const archive = join(dir, `bundle-${id}.tar.gz`);
    await rename(upload, archive);
    const bundle: Bundle = {
      id,
      contentGuid: content.guid,
      created: new Date(),
      ...saved,
      archive,
      manifest,
      source,
    };
    ctx.store.bundles.set(id, bundle);
    return bundle;
  } catch (err) {
    await rm(upload, { force: true });
    if (err instanceof BundleProblem) throw new ApiError(400, err.code, err.message);
    throw err;
  }
}

/**
 * `X-Content-Checksum`: "the Base64-encoded MD5 sum of the archive file" (Connect's API reference,
 * 2023.09). A different sum, or a value that is not the Base64 of 16 bytes (hex among them), is
 * refused with code 104; the header is optional.
 */
function checkChecksum(header: string | string[] | undefined, md5Hex: string): void {
  if (header === undefined) return;
  const value = (Array.isArray(header) ? header.join(',') : header).trim();
  const expected = Buffer.from(md5Hex, 'hex').toString('base64');
  if (!/^[A-Za-z0-9+/]{22}==$/.test(value)) {
    throw new ApiError(
      400,
      104,
      `The content checksum header is not a Base64-encoded MD5 sum (24 characters ending in "=="); this archive's is ${expected}.`,
    );
  }
  if (value !== expected) {
    throw new ApiError(
      400,
      104,
      `The content checksum header and body MD5 sum are not equal: the header says ${value}, the archive's is ${expected}.`,
    );
  }
}

const sourceKeys = ['source', 'source_repo', 'source_branch', 'source_commit'] as const;

/** The bundle `metadata` fields a multipart upload may set (strings; other keys are ignored). */
function sourceFrom(metadata: Record<string, unknown>): BundleSource {
  const source: BundleSource = { ...noSource };
  for (const key of sourceKeys) {
    const value = metadata[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw badParameter(`metadata.${key} must be a string.`);
    source[key] = value;
  }
  return source;
}

/** Connect's code 48: once content has been deployed as one type, a bundle of another type is refused. */
export function checkAppMode(content: Content, bundle: Bundle): void {
  if (content.app_mode !== 'unknown' && bundle.manifest.appmode !== content.app_mode) {
    throw new ApiError(
      403,
      48,
      `You cannot change the type of application once deployed: this content is "${content.app_mode}", bundle ${bundle.id} is "${bundle.manifest.appmode}". Deploy it as new content instead.`,
    );
  }
}
