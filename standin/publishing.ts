import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { ApiContext } from './api-context.ts';
import { ApiError, unknownObject } from './api-error.ts';
import { BundleProblem } from './archive/bundle-problem.ts';
import { readBundle } from './archive/read-bundle.ts';
import { type Content, type ContentFields, newContent } from './content.ts';
import { saveUpload } from './http-body.ts';
import type { Bundle } from './store.ts';

/** Creates a content item (v1 and legacy API alike); names are unique, as on one Connect owner. */
export async function addContent(ctx: ApiContext, fields: ContentFields): Promise<Content> {
  if (ctx.store.byName(fields.name as string)) {
    throw new ApiError(409, 26, `An object with that name already exists: content named "${fields.name}".`);
  }
  const content = newContent(ctx.store.nextContentId(), fields, new Date());
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
    const saved = await saveUpload(req, upload, ctx.limits.archiveBytes);
    const expected = req.headers['x-content-checksum'];
    if (typeof expected === 'string' && expected.trim().toLowerCase() !== saved.md5) {
      throw new ApiError(
        400,
        104,
        `The bundle's MD5 is ${saved.md5}, not the X-Content-Checksum ${expected}.`,
      );
    }
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
    };
    ctx.store.bundles.set(id, bundle);
    return bundle;
  } catch (err) {
    await rm(upload, { force: true });
    if (err instanceof BundleProblem) throw new ApiError(400, err.code, err.message);
    throw err;
  }
}
