// The unversioned API older clients still publish with, R's rsconnect (0.8.x) among them:
// /users/current, /applications (list, create, get, upload, deploy, config) and /tasks/{id}.
// Same records as the v1 API, in the older shapes: numeric ids, `url`, and task lines as `status`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ApiContext,
  canSee,
  currentUserJson,
  type Handler,
  type Params,
  publishedContent,
  type StandinUser,
} from './api-context.ts';
import { ApiError, badParameter, sendJson, unknownObject } from './api-error.ts';
import { type Content, contentFieldsFrom, rfc3339 } from './content.ts';
import { readJsonObject } from './http-body.ts';
import { addContent, checkAppMode, receiveBundle } from './publishing.ts';

/** The application of numeric id `id` that `user` may see (Connect's 404, or 403 code 19). */
function appOf(ctx: ApiContext, id: string, user: StandinUser): Content {
  for (const c of ctx.store.content.values()) {
    if (c.id !== id) continue;
    if (!canSee(user, c))
      throw new ApiError(403, 19, `You don't have permission to access this item: application ${id}.`);
    return c;
  }
  throw unknownObject('application', id);
}

/**
 * The older API's application record. R's rsconnect `applications()` keeps `id, name, title, url,
 * build_status, created_time, last_deployed_time, guid` of each (rstudio/rsconnect R/applications.R)
 * and fails on a record missing one. `build_status` is an integer in that API (rstudio/connectapi
 * R/ptype.R types it so); its values are not publicly documented: the stand-in sends 0 until the
 * content has an active bundle, then 2.
 */
function appJson(ctx: ApiContext, c: Content): Record<string, unknown> {
  const owner = ctx.users.find((u) => u.guid === c.owner_guid);
  return {
    id: Number(c.id),
    guid: c.guid,
    name: c.name,
    title: c.title,
    url: `${ctx.url}/content/${c.guid}/`,
    owner_username: owner?.username ?? null,
    owner_first_name: owner?.first_name ?? null,
    owner_last_name: owner?.last_name ?? null,
    owner_email: owner?.email ?? null,
    owner_guid: c.owner_guid,
    access_type: c.access_type,
    app_mode: c.app_mode,
    bundle_id: c.bundle_id === null ? null : Number(c.bundle_id),
    build_status: c.bundle_id === null ? 0 : 2,
    description: c.description,
    created_time: c.created_time,
    last_deployed_time: c.last_deployed_time,
  };
}

async function currentUser(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { user }: Params) {
  sendJson(res, 200, { ...currentUserJson(user, rfc3339(ctx.startedAt), rfc3339(new Date())), id: user.id });
}

/**
 * `?filter=name:x&filter=account_id:1&count=100&start=0&cont=`, answered as one page of
 * `{applications, count, total, continuation}`. R's rsconnect pages with `start` (older stand-in
 * callers sent `offset`, still read when `start` is absent).
 */
async function listApplications(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { query, user }: Params,
) {
  let apps = [...ctx.store.content.values()].filter((c) => canSee(user, c));
  for (const filter of query.getAll('filter')) {
    const [field, ...rest] = filter.split(':');
    const value = rest.join(':');
    if (field === 'name') apps = apps.filter((c) => c.name === value);
    else if (field === 'guid') apps = apps.filter((c) => c.guid === value);
    else if (field === 'account_id') {
      const owner = ctx.users.find((u) => String(u.id) === value);
      apps = apps.filter((c) => c.owner_guid === owner?.guid);
    } else throw badParameter(`unknown application filter "${field}".`);
  }
  const count = Number(query.get('count') ?? 100);
  const offset = Number(query.get('start') || query.get('offset') || 0);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(offset) || offset < 0) {
    throw badParameter('count must be a positive whole number and offset a whole number.');
  }
  const page = apps.slice(offset, offset + count);
  sendJson(res, 200, {
    applications: page.map((c) => appJson(ctx, c)),
    count: page.length,
    total: apps.length,
    continuation: '',
  });
}

async function createApplication(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { user }: Params,
) {
  const body = await readJsonObject(req);
  const content = await addContent(
    ctx,
    user,
    contentFieldsFrom({ name: body.name, title: body.title ?? null }, true),
  );
  sendJson(res, 200, appJson(ctx, content));
}

async function getApplication(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  sendJson(res, 200, appJson(ctx, appOf(ctx, ids[0], user)));
}

async function applicationConfig(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const c = appOf(ctx, ids[0], user);
  sendJson(res, 200, {
    config_url: `${ctx.url}/connect/#/apps/${c.guid}`,
    logs_url: `${ctx.url}/connect/#/apps/${c.guid}/logs`,
  });
}

async function uploadApplication(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const content = publishedContent(ctx, appOf(ctx, ids[0], user).guid, user);
  const bundle = await receiveBundle(req, ctx, content);
  sendJson(res, 200, {
    id: Number(bundle.id),
    app_id: Number(content.id),
    created_time: rfc3339(bundle.created),
    size: bundle.size,
  });
}

async function deployApplication(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, user }: Params,
) {
  const content = publishedContent(ctx, appOf(ctx, ids[0], user).guid, user);
  const body = await readJsonObject(req);
  const requested = body.bundle ?? content.bundle_id;
  if (requested === null || requested === undefined) {
    throw new ApiError(404, 28, 'There is no bundle to deploy: upload one and pass its id as bundle.');
  }
  const bundle = ctx.store.bundles.get(String(requested));
  if (!bundle) throw new ApiError(404, 28, `There is no bundle ${requested} to deploy. Upload one first.`);
  if (bundle.contentGuid !== content.guid) {
    throw new ApiError(
      400,
      82,
      `Bundle ${requested} belongs to another application; upload it to ${content.id} first.`,
    );
  }
  checkAppMode(content, bundle);
  const task = ctx.deployer.deploy(content, bundle, true);
  sendJson(res, 200, legacyTask(task, 0, user.id));
}

async function getTask(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids, query, user }: Params,
) {
  const task = ctx.tasks.get(ids[0]);
  const first = Number(query.get('first_status') ?? 0);
  if (!Number.isInteger(first) || first < 0 || first > task.output.length) {
    throw badParameter(`first_status must be a whole number from 0 to ${task.output.length} for this task.`);
  }
  sendJson(res, 200, legacyTask(task, first, user.id));
}

function legacyTask(
  task: { id: string; output: string[]; finished: boolean; code: number; error: string },
  first: number,
  userId: number,
) {
  return {
    id: task.id,
    user_id: userId,
    status: task.output.slice(first),
    result: null,
    finished: task.finished,
    code: task.code,
    error: task.error,
    last_status: task.output.length,
  };
}

export const legacyRoutes: Array<{ pattern: RegExp; methods: Record<string, Handler> }> = [
  { pattern: /^users\/current$/, methods: { GET: currentUser } },
  { pattern: /^applications$/, methods: { GET: listApplications, POST: createApplication } },
  { pattern: /^applications\/(\d+)$/, methods: { GET: getApplication } },
  { pattern: /^applications\/(\d+)\/config$/, methods: { GET: applicationConfig } },
  { pattern: /^applications\/(\d+)\/upload$/, methods: { POST: uploadApplication } },
  { pattern: /^applications\/(\d+)\/deploy$/, methods: { POST: deployApplication } },
  { pattern: /^tasks\/([^/]+)$/, methods: { GET: getTask } },
];
