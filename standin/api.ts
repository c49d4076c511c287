import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { type ApiContext, contentOf, type Handler, type Params, user } from './api-context.ts';
import { ApiError, badParameter, sendJson, unknownEndpoint, unknownObject } from './api-error.ts';
import { type Content, contentFieldsFrom, contentJson, rfc3339 } from './content.ts';
import { pythonVersion, rVersion } from './environment.ts';
import { readJsonObject, readJsonValue } from './http-body.ts';
import { jobRoutes } from './jobs-api.ts';
import { legacyRoutes } from './legacy-api.ts';
import { addContent, receiveBundle } from './publishing.ts';
import { type Bundle, bundleJson } from './store.ts';

export const standinVersion = '2026.11.0-standin';

const routes: Array<{ pattern: RegExp; methods: Record<string, Handler> }> = [
  { pattern: /^server_settings$/, methods: { GET: serverSettings } },
  { pattern: /^v1\/user$/, methods: { GET: currentUser } },
  { pattern: /^v1\/content$/, methods: { GET: listContent, POST: createContent } },
  {
    pattern: /^v1\/content\/([^/]+)$/,
    methods: { GET: getContent, PATCH: updateContent, DELETE: deleteContent },
  },
  { pattern: /^v1\/content\/([^/]+)\/bundles$/, methods: { GET: listBundles, POST: uploadBundle } },
  { pattern: /^v1\/content\/([^/]+)\/bundles\/([^/]+)$/, methods: { GET: getBundle, DELETE: deleteBundle } },
  { pattern: /^v1\/content\/([^/]+)\/bundles\/([^/]+)\/download$/, methods: { GET: downloadBundle } },
  { pattern: /^v1\/content\/([^/]+)\/deploy$/, methods: { POST: deployBundle } },
  { pattern: /^v1\/content\/([^/]+)\/build$/, methods: { POST: buildBundle } },
  {
    pattern: /^v1\/content\/([^/]+)\/environment$/,
    methods: { GET: getEnvironment, PATCH: patchEnvironment, PUT: putEnvironment },
  },
  { pattern: /^v1\/server_settings\/python$/, methods: { GET: pythonSettings } },
  { pattern: /^v1\/server_settings\/r$/, methods: { GET: rSettings } },
  { pattern: /^v1\/tasks\/([^/]+)$/, methods: { GET: getTask } },
  ...jobRoutes,
  ...legacyRoutes,
];

export type { ApiContext } from './api-context.ts';

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
    await handler(req, res, ctx, { ids: match.slice(1).map(decodeId), query, abort });
    return;
  }
  throw unknownEndpoint(req.method ?? 'GET', `/__api__/${path}`);
}

/** A path segment naming an object; malformed percent-encoding is the client's error, not a crash. */
function decodeId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, 3, 'The requested object ID is invalid: its percent-encoding is malformed.');
  }
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
  const content = await addContent(ctx, contentFieldsFrom(await readJsonObject(req), true));
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
  ctx.deployer.settingsChanged(content.guid);
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
  const bundle = await receiveBundle(req, ctx, contentOf(ctx, ids[0]));
  sendJson(res, 200, bundleJson(bundle, false));
}

async function deployBundle(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  await startBuild(req, res, ctx, ids[0], true);
}

/** POST .../build: builds a bundle (environment restored, ready to serve as a draft) without activating it. */
async function buildBundle(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  await startBuild(req, res, ctx, ids[0], false);
}

async function startBuild(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  guid: string,
  activateByDefault: boolean,
) {
  const content = contentOf(ctx, guid);
  const body = await readJsonObject(req);
  const requested = body.bundle_id ?? null;
  if (requested !== null && typeof requested !== 'string' && typeof requested !== 'number') {
    throw badParameter('bundle_id must be a bundle id string (or null to redeploy the current bundle).');
  }
  const activate = body.activate ?? activateByDefault;
  if (typeof activate !== 'boolean') throw badParameter('activate must be true or false.');
  const id = requested === null ? content.bundle_id : String(requested);
  if (id === null) {
    throw new ApiError(404, 28, 'There is no bundle to deploy: upload one and pass its id as bundle_id.');
  }
  const bundle = ctx.store.bundles.get(id);
  if (!bundle) throw new ApiError(404, 28, `There is no bundle ${id} to deploy. Upload one first.`);
  if (bundle.contentGuid !== content.guid) {
    throw new ApiError(400, 82, `Bundle ${id} belongs to other content; upload it to ${content.guid} first.`);
  }
  const task = ctx.deployer.deploy(content, bundle, activate);
  sendJson(res, 202, { task_id: task.id });
}

function bundleOf(ctx: ApiContext, guid: string, id: string): Bundle {
  const content = contentOf(ctx, guid);
  const bundle = ctx.store.bundles.get(id);
  if (!bundle || bundle.contentGuid !== content.guid) throw unknownObject('bundle', id);
  return bundle;
}

async function downloadBundle(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const bundle = bundleOf(ctx, ids[0], ids[1]);
  res.writeHead(200, {
    'content-type': 'application/x-gzip',
    'content-length': bundle.size,
    'content-disposition': `attachment; filename="bundle-${bundle.id}.tar.gz"`,
  });
  await pipeline(createReadStream(bundle.archive), res);
}

async function deleteBundle(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const bundle = bundleOf(ctx, ids[0], ids[1]);
  if (contentOf(ctx, ids[0]).bundle_id === bundle.id) {
    throw new ApiError(
      400,
      75,
      `Bundle ${bundle.id} is the active bundle and cannot be deleted; deploy another first.`,
    );
  }
  ctx.store.bundles.delete(bundle.id);
  await ctx.deployer.dropBundle(bundle.contentGuid, bundle.id);
  await rm(bundle.archive, { force: true });
  res.writeHead(204).end();
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Connect lists the names only: values are write-only through the API. */
function sendEnvironmentNames(res: ServerResponse, vars: Map<string, string>) {
  sendJson(res, 200, [...vars.keys()].sort());
}

async function getEnvironment(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const content = contentOf(ctx, ids[0]);
  sendEnvironmentNames(res, ctx.store.environmentOf(content.guid));
}

/** The `[{name, value}]` body of PATCH/PUT; a null value (PATCH) removes the variable. */
async function readEnvironmentBody(
  req: IncomingMessage,
): Promise<Array<{ name: string; value: string | null }>> {
  const body = await readJsonValue(req);
  if (!Array.isArray(body))
    throw badParameter('the body must be a JSON array of {"name": ..., "value": ...}.');
  return body.map((item) => {
    const name =
      typeof item === 'object' && item !== null ? (item as Record<string, unknown>).name : undefined;
    const value =
      typeof item === 'object' && item !== null ? (item as Record<string, unknown>).value : undefined;
    if (typeof name !== 'string' || !envName.test(name)) {
      throw badParameter(
        'each environment variable needs a name of letters, digits and "_", not starting with a digit.',
      );
    }
    if (value !== null && typeof value !== 'string')
      throw badParameter(`the value of ${name} must be a string or null.`);
    return { name, value };
  });
}

async function patchEnvironment(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const content = contentOf(ctx, ids[0]);
  const changes = await readEnvironmentBody(req);
  const vars = ctx.store.environmentOf(content.guid);
  for (const { name, value } of changes) {
    if (value === null) vars.delete(name);
    else vars.set(name, value);
  }
  ctx.deployer.recycle(content.guid);
  sendEnvironmentNames(res, vars);
}

async function putEnvironment(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  const content = contentOf(ctx, ids[0]);
  const all = await readEnvironmentBody(req);
  const vars = ctx.store.environmentOf(content.guid);
  vars.clear();
  for (const { name, value } of all) if (value !== null) vars.set(name, value);
  ctx.deployer.recycle(content.guid);
  sendEnvironmentNames(res, vars);
}

async function pythonSettings(_req: IncomingMessage, res: ServerResponse) {
  const version = await pythonVersion().catch(() => null);
  sendJson(res, 200, {
    installations: version ? [{ version, cluster_name: 'Local', image_name: 'Local' }] : [],
    api_enabled: true,
  });
}

async function rSettings(_req: IncomingMessage, res: ServerResponse) {
  const version = await rVersion().catch(() => null);
  sendJson(res, 200, {
    installations: version ? [{ version, cluster_name: 'Local', image_name: 'Local' }] : [],
  });
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
