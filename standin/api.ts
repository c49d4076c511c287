import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { pipeline } from 'node:stream/promises';
import {
  type ApiContext,
  canSee,
  contentOf,
  currentUserJson,
  type Handler,
  managedContent,
  ownerJson,
  type Params,
  publishedContent,
  type StandinUser,
  userJson,
} from './api-context.ts';
import { ApiError, badParameter, sendJson, unknownEndpoint, unknownObject } from './api-error.ts';
import { type Content, contentFieldsFrom, contentJson, rfc3339 } from './content.ts';
import { pythonVersion, rVersion } from './environment.ts';
import { readJsonObject, readJsonValue } from './http-body.ts';
import { jobRoutes } from './jobs-api.ts';
import { legacyRoutes } from './legacy-api.ts';
import { addContent, checkAppMode, receiveBundle } from './publishing.ts';
import { type Bundle, bundleJson } from './store.ts';

/**
 * The Connect version the stand-in answers like. A plain release number, so clients' version checks
 * parse it (posit-sdk uses PEP 440, rsconnect-python semver) and enable what Connect 2025.12 has:
 * draft deploys (`activate`, 2025.06) and multipart uploads with git metadata (after 2025.11).
 */
export const standinVersion = '2025.12.0';

const routes: Array<{ pattern: RegExp; methods: Record<string, Handler> }> = [
  { pattern: /^server_settings$/, methods: { GET: serverSettings } },
  { pattern: /^v1\/user$/, methods: { GET: currentUser } },
  { pattern: /^v1\/users$/, methods: { GET: listUsers } },
  { pattern: /^v1\/users\/([^/]+)$/, methods: { GET: getUser } },
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
  user: StandinUser,
): Promise<void> {
  const trimmed = path.replace(/\/+$/, '');
  for (const route of routes) {
    const match = route.pattern.exec(trimmed);
    if (!match) continue;
    const handler = route.methods[req.method ?? 'GET'];
    if (!handler) break;
    await handler(req, res, ctx, { ids: match.slice(1).map(decodeId), query, abort, user });
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
  res.setHeader('x-connect-standin', 'true');
  sendJson(res, 200, {
    version: standinVersion,
    build: 'standin',
    about: 'Local Posit Connect stand-in for performance tests (not Posit Connect)',
    // How a client tells the stand-in from Connect: `version` stays a plain release number.
    standin: true,
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

async function currentUser(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { user }: Params) {
  sendJson(res, 200, currentUserJson(user, rfc3339(ctx.startedAt), rfc3339(new Date())));
}

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkGuid(value: string, what: string): void {
  if (!guidPattern.test(value))
    throw new ApiError(400, 3, `The requested object ID is invalid: ${what} "${value}" is not a GUID.`);
}

/** A whole number query parameter in [min, max], or its default when absent. */
function wholeParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badParameter(`${name} must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

const userRoles: readonly string[] = ['administrator', 'publisher', 'viewer'];

const accountStatuses: readonly string[] = ['locked', 'licensed', 'inactive'];

/**
 * `GET /v1/users?prefix=&user_role=&account_status=&page_number=&page_size=`: one page of
 * `{results, current_page, total}`. `prefix` matches username, first or last name, ignoring case;
 * `user_role` and `account_status` take `|`-separated alternatives (posit-sdk-py `users.find`). The
 * stand-in's users are never locked or inactive, and all count as licensed.
 */
async function listUsers(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { query }: Params) {
  const pageNumber = wholeParam(query, 'page_number', 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = wholeParam(query, 'page_size', 20, 1, 500);
  const prefix = (query.get('prefix') ?? '').toLowerCase();
  const roles = (query.get('user_role') ?? '').split('|').filter((r) => r !== '');
  for (const role of roles) {
    if (!userRoles.includes(role))
      throw new ApiError(400, 112, `The provided user role "${role}" is not recognized.`);
  }
  const statuses = (query.get('account_status') ?? '').split('|').filter((r) => r !== '');
  for (const status of statuses) {
    if (!accountStatuses.includes(status)) {
      throw new ApiError(
        400,
        115,
        `The provided status "${status}" is not recognized (locked, licensed or inactive).`,
      );
    }
  }
  const matching = ctx.users.filter(
    (u) =>
      (roles.length === 0 || roles.includes(u.user_role)) &&
      (statuses.length === 0 || statuses.includes('licensed')) &&
      (prefix === '' ||
        [u.username, u.first_name, u.last_name].some((f) => f.toLowerCase().startsWith(prefix))),
  );
  const since = rfc3339(ctx.startedAt);
  const start = (pageNumber - 1) * pageSize;
  sendJson(res, 200, {
    results: matching.slice(start, start + pageSize).map((u) => userJson(u, since)),
    current_page: pageNumber,
    total: matching.length,
  });
}

async function getUser(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  checkGuid(ids[0], 'user');
  const found = ctx.users.find((u) => u.guid === ids[0]);
  if (!found) throw unknownObject('user', ids[0]);
  sendJson(res, 200, userJson(found, rfc3339(ctx.startedAt)));
}

/** The caller's relation to the content, as Connect computes `app_role`. */
function appRole(user: StandinUser, c: Content): string {
  if (c.owner_guid === user.guid) return 'owner';
  if (c.access_type !== 'acl') return 'viewer';
  return 'none';
}

const includeOptions: readonly string[] = ['owner', 'tags', 'vanity_url'];

function asJson(ctx: ApiContext, user: StandinUser, c: Content, include: readonly string[] = []) {
  const json = contentJson(c, ctx.url, appRole(user, c));
  if (include.includes('owner')) {
    const owner = ctx.users.find((u) => u.guid === c.owner_guid);
    if (owner) json.owner = ownerJson(owner);
  }
  // The stand-in has no tags and no vanity URLs: an empty list, and no vanity_url field.
  if (include.includes('tags')) json.tags = [];
  return json;
}

/** `?include=owner,tags` (comma-separated, or repeated); Connect's code 161 for an unknown option. */
function includesOf(query: URLSearchParams): string[] {
  const options = query
    .getAll('include')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  for (const option of options) {
    if (!includeOptions.includes(option)) {
      throw new ApiError(
        400,
        161,
        `The include option specified is not valid: "${option}" (use owner, tags or vanity_url).`,
      );
    }
  }
  return options;
}

async function listContent(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { query, user }: Params,
) {
  const name = query.get('name');
  const owner = query.get('owner_guid');
  if (owner !== null) checkGuid(owner, 'owner_guid');
  const include = includesOf(query);
  const all = [...ctx.store.content.values()].filter(
    (c) =>
      (name === null || c.name === name) && (owner === null || c.owner_guid === owner) && canSee(user, c),
  );
  sendJson(
    res,
    200,
    all.map((c) => asJson(ctx, user, c, include)),
  );
}

async function createContent(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { user }: Params) {
  const content = await addContent(ctx, user, contentFieldsFrom(await readJsonObject(req), true));
  sendJson(res, 200, asJson(ctx, user, content));
}

async function getContent(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, query, user }: Params,
) {
  sendJson(res, 200, asJson(ctx, user, contentOf(ctx, ids[0], user), includesOf(query)));
}

async function updateContent(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const content = managedContent(ctx, ids[0], user);
  const fields = contentFieldsFrom(await readJsonObject(req), false, content);
  const clash = fields.name === undefined ? undefined : ctx.store.byName(fields.name, content.owner_guid);
  if (clash && clash !== content) {
    throw new ApiError(409, 26, `An object with that name already exists: content named "${fields.name}".`);
  }
  Object.assign(content, fields);
  ctx.deployer.settingsChanged(content.guid);
  sendJson(res, 200, asJson(ctx, user, content));
}

async function deleteContent(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const content = managedContent(ctx, ids[0], user, 'remove');
  ctx.store.deleteContent(content.guid);
  await ctx.deployer.remove(content.guid);
  await ctx.removeContentDir(content.guid);
  res.writeHead(204).end();
}

async function listBundles(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const content = contentOf(ctx, ids[0], user);
  sendJson(
    res,
    200,
    ctx.store.bundlesOf(content.guid).map((b) => bundleJson(b, b.id === content.bundle_id)),
  );
}

async function getBundle(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids, user }: Params) {
  const content = contentOf(ctx, ids[0], user);
  const bundle = ctx.store.bundles.get(ids[1]);
  if (!bundle || bundle.contentGuid !== content.guid) throw unknownObject('bundle', ids[1]);
  sendJson(res, 200, bundleJson(bundle, bundle.id === content.bundle_id));
}

async function uploadBundle(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const bundle = await receiveBundle(req, ctx, publishedContent(ctx, ids[0], user));
  sendJson(res, 200, bundleJson(bundle, false));
}

/** POST .../deploy: 202 and a task; activates the bundle unless `"activate": false` (a draft). */
async function deployBundle(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const task = await startBuild(req, ctx, publishedContent(ctx, ids[0], user));
  sendJson(res, 202, { task_id: task.id });
}

/**
 * POST .../build: the reference answers 200 (not deploy's 202) with the task. Like deploy it
 * activates the bundle unless `"activate": false` (rsconnect-python's `content_build`: "The default
 * behavior is to activate the app after building").
 */
async function buildBundle(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const task = await startBuild(req, ctx, publishedContent(ctx, ids[0], user));
  sendJson(res, 200, { task_id: task.id });
}

async function startBuild(req: IncomingMessage, ctx: ApiContext, content: Content) {
  const body = await readJsonObject(req);
  const requested = body.bundle_id ?? null;
  if (requested !== null && typeof requested !== 'string' && typeof requested !== 'number') {
    throw badParameter('bundle_id must be a bundle id string (or null to redeploy the current bundle).');
  }
  const activate = body.activate ?? true;
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
  checkAppMode(content, bundle);
  return ctx.deployer.deploy(content, bundle, activate);
}

function bundleOf(ctx: ApiContext, content: Content, id: string): Bundle {
  const bundle = ctx.store.bundles.get(id);
  if (!bundle || bundle.contentGuid !== content.guid) throw unknownObject('bundle', id);
  return bundle;
}

/** Download needs collaborator rights in Connect; here, the owner's. */
async function downloadBundle(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const bundle = bundleOf(ctx, publishedContent(ctx, ids[0], user), ids[1]);
  res.writeHead(200, {
    'content-type': 'application/x-gzip',
    'content-length': bundle.size,
    'content-disposition': `attachment; filename="bundle-${bundle.id}.tar.gz"`,
  });
  await pipeline(createReadStream(bundle.archive), res);
}

async function deleteBundle(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const content = publishedContent(ctx, ids[0], user);
  const bundle = bundleOf(ctx, content, ids[1]);
  if (content.bundle_id === bundle.id) {
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

async function getEnvironment(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const content = managedContent(ctx, ids[0], user);
  sendEnvironmentNames(res, ctx.store.environmentOf(content.guid));
}

/** The `[{name, value}]` body of PATCH/PUT; a null value (PATCH) removes the variable. */
async function readEnvironmentBody(
  req: IncomingMessage,
): Promise<Array<{ name: string; value: string | null }>> {
  const body = await readJsonValue(req);
  if (!Array.isArray(body))
    throw badParameter('the body must be a JSON array of {"name": ..., "value": ...}.');
  const seen = new Set<string>();
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
    if (seen.has(name)) {
      throw new ApiError(409, 149, `Environment changes contain a duplicated variable name: ${name}.`);
    }
    seen.add(name);
    return { name, value };
  });
}

async function patchEnvironment(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const content = managedContent(ctx, ids[0], user);
  const changes = await readEnvironmentBody(req);
  const vars = ctx.store.environmentOf(content.guid);
  for (const { name, value } of changes) {
    if (value === null) vars.delete(name);
    else vars.set(name, value);
  }
  ctx.deployer.recycle(content.guid);
  sendEnvironmentNames(res, vars);
}

async function putEnvironment(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const content = managedContent(ctx, ids[0], user);
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
