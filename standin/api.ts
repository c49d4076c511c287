import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ApiError, sendJson, unknownEndpoint, unknownObject } from './api-error.ts';
import { BundleProblem } from './archive/bundle-problem.ts';
import type { BundleLimits } from './archive/limits.ts';
import { readBundle } from './archive/read-bundle.ts';
import { type Content, contentFieldsFrom, contentJson, newContent, rfc3339 } from './content.ts';
import type { Deployer } from './deployer.ts';
import { readJsonObject, saveUpload } from './http-body.ts';
import { type Bundle, bundleJson, type Store } from './store.ts';
import type { TaskBoard } from './tasks.ts';

export const standinVersion = '2026.11.0-standin';

export interface ApiContext {
  store: Store;
  tasks: TaskBoard;
  deployer: Deployer;
  limits: BundleLimits;
  url: string;
  startedAt: Date;
  contentDir(guid: string): string;
  ensureContentDir(guid: string): Promise<string>;
  removeContentDir(guid: string): Promise<void>;
}

/** The publisher the API key belongs to (the stand-in has one user, an administrator). */
const user = {
  guid: '2f4e1c0a-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
  username: 'standin-admin',
  email: 'standin-admin@localhost',
  first_name: 'Stand-in',
  last_name: 'Administrator',
  user_role: 'administrator',
  password: '',
  confirmed: true,
  locked: false,
  preferences: {},
  privileges: [
    'add_users',
    'add_vanities',
    'change_app_permissions',
    'change_apps',
    'publish_apps',
    'remove_apps',
  ],
};

type Handler = (req: IncomingMessage, res: ServerResponse, ctx: ApiContext, params: Params) => Promise<void>;
interface Params {
  ids: string[];
  query: URLSearchParams;
  abort: AbortSignal;
}

const routes: Array<{ pattern: RegExp; methods: Record<string, Handler> }> = [
  { pattern: /^server_settings$/, methods: { GET: serverSettings } },
  { pattern: /^v1\/user$/, methods: { GET: currentUser } },
  { pattern: /^v1\/content$/, methods: { GET: listContent, POST: createContent } },
  {
    pattern: /^v1\/content\/([^/]+)$/,
    methods: { GET: getContent, PATCH: updateContent, DELETE: deleteContent },
  },
  { pattern: /^v1\/content\/([^/]+)\/bundles$/, methods: { GET: listBundles, POST: uploadBundle } },
  { pattern: /^v1\/content\/([^/]+)\/bundles\/([^/]+)$/, methods: { GET: getBundle } },
  { pattern: /^v1\/content\/([^/]+)\/deploy$/, methods: { POST: deployBundle } },
  { pattern: /^v1\/tasks\/([^/]+)$/, methods: { GET: getTask } },
];

/** Answers one `/__api__/<path>` request of an authenticated client. */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  path: string,
  query: URLSearchParams,
  abort: AbortSignal,
): Promise<void> {
  const trimmed = path.replace(/\/+$/, '');
  for (const route of routes) {
    const match = route.pattern.exec(trimmed);
    if (!match) continue;
    const handler = route.methods[req.method ?? 'GET'];
    if (!handler) break;
    await handler(req, res, ctx, { ids: match.slice(1).map(decodeURIComponent), query, abort });
    return;
  }
  throw unknownEndpoint(req.method ?? 'GET', `/__api__/${path}`);
}

async function serverSettings(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext) {
  sendJson(res, 200, {
    version: standinVersion,
    build: 'standin',
    about: 'Local Posit Connect stand-in for performance tests (not Posit Connect)',
    hostname: hostname(),
    runtimes: ['R', 'Python'],
    dashboard_path: '/connect',
    execution_type: 'native',
    enable_runtime_constraints: false,
    jump_start_enabled: false,
    authentication: { handles_credentials: false, handles_login: false, name: 'api-key', notice: '' },
    license: { 'allow-apis': true, tier: 'standin' },
    started_time: rfc3339(ctx.startedAt),
  });
}

async function currentUser(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext) {
  const since = rfc3339(ctx.startedAt);
  sendJson(res, 200, { ...user, created_time: since, updated_time: since, active_time: rfc3339(new Date()) });
}

function contentOf(ctx: ApiContext, guid: string): Content {
  const content = ctx.store.content.get(guid);
  if (!content) throw unknownObject('content', guid);
  return content;
}

const asJson = (ctx: ApiContext, c: Content) => contentJson(c, ctx.url, user.guid);

async function listContent(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { query }: Params) {
  const name = query.get('name');
  const all = [...ctx.store.content.values()].filter((c) => name === null || c.name === name);
  sendJson(
    res,
    200,
    all.map((c) => asJson(ctx, c)),
  );
}

async function createContent(req: IncomingMessage, res: ServerResponse, ctx: ApiContext) {
  const fields = contentFieldsFrom(await readJsonObject(req), true);
  if (ctx.store.byName(fields.name as string)) {
    throw new ApiError(409, 26, `An object with that name already exists: content named "${fields.name}".`);
  }
  const content = newContent(ctx.store.nextContentId(), fields, new Date());
  ctx.store.content.set(content.guid, content);
  await ctx.ensureContentDir(content.guid);
  sendJson(res, 200, asJson(ctx, content));
}

async function getContent(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  sendJson(res, 200, asJson(ctx, contentOf(ctx, ids[0])));
}

async function updateContent(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const content = contentOf(ctx, ids[0]);
  const fields = contentFieldsFrom(await readJsonObject(req), false);
  const clash = fields.name === undefined ? undefined : ctx.store.byName(fields.name);
  if (clash && clash !== content) {
    throw new ApiError(409, 26, `An object with that name already exists: content named "${fields.name}".`);
  }
  Object.assign(content, fields);
  sendJson(res, 200, asJson(ctx, content));
}

async function deleteContent(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const content = contentOf(ctx, ids[0]);
  ctx.store.deleteContent(content.guid);
  await ctx.deployer.remove(content.guid);
  await ctx.removeContentDir(content.guid);
  res.writeHead(204).end();
}

async function listBundles(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const content = contentOf(ctx, ids[0]);
  sendJson(
    res,
    200,
    ctx.store.bundlesOf(content.guid).map((b) => bundleJson(b, b.id === content.bundle_id)),
  );
}

async function getBundle(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const content = contentOf(ctx, ids[0]);
  const bundle = ctx.store.bundles.get(ids[1]);
  if (!bundle || bundle.contentGuid !== content.guid) throw unknownObject('bundle', ids[1]);
  sendJson(res, 200, bundleJson(bundle, bundle.id === content.bundle_id));
}

async function uploadBundle(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const content = contentOf(ctx, ids[0]);
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
    sendJson(res, 200, bundleJson(bundle, false));
  } catch (err) {
    await rm(upload, { force: true });
    if (err instanceof BundleProblem) throw new ApiError(400, err.code, err.message);
    throw err;
  }
}

async function deployBundle(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const content = contentOf(ctx, ids[0]);
  const body = await readJsonObject(req);
  const requested = body.bundle_id ?? null;
  if (requested !== null && typeof requested !== 'string' && typeof requested !== 'number') {
    throw new ApiError(
      400,
      3,
      'bundle_id must be a bundle id string (or null to redeploy the current bundle).',
    );
  }
  const id = requested === null ? content.bundle_id : String(requested);
  if (id === null) {
    throw new ApiError(404, 28, 'There is no bundle to deploy: upload one and pass its id as bundle_id.');
  }
  const bundle = ctx.store.bundles.get(id);
  if (!bundle) throw new ApiError(404, 28, `There is no bundle ${id} to deploy. Upload one first.`);
  if (bundle.contentGuid !== content.guid) {
    throw new ApiError(400, 82, `Bundle ${id} belongs to other content; upload it to ${content.guid} first.`);
  }
  const task = ctx.deployer.deploy(content, bundle);
  sendJson(res, 202, { task_id: task.id });
}

async function getTask(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, query, abort }: Params,
) {
  const first = Number(query.get('first') ?? 0);
  const wait = Number(query.get('wait') ?? 0);
  sendJson(res, 200, await ctx.tasks.view(ids[0], first, wait, abort));
}
