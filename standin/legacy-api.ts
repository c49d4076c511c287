// The unversioned API older clients still publish with, R's rsconnect (0.8.x) among them:
// /users/current, /applications (list, create, get, upload, deploy, config) and /tasks/{id}.
// Same records as the v1 API, in the older shapes: numeric ids, `url`, and task lines as `status`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiContext, type Handler, type Params, user } from './api-context.ts';
import { ApiError, badParameter, sendJson, unknownObject } from './api-error.ts';
import { type Content, contentFieldsFrom, rfc3339 } from './content.ts';
import { readJsonObject } from './http-body.ts';
import { addContent, receiveBundle } from './publishing.ts';

/** The one user, with the numeric id the older API uses (rsconnect stores it as accountId). */
const userId = 1;

function appOf(ctx: ApiContext, id: string): Content {
  for (const c of ctx.store.content.values()) if (c.id === id) return c;
  throw unknownObject('application', id);
}

function appJson(ctx: ApiContext, c: Content): Record<string, unknown> {
  return {
    id: Number(c.id),
    guid: c.guid,
    name: c.name,
    title: c.title,
    url: `${ctx.url}/content/${c.guid}/`,
    owner_username: user.username,
    owner_first_name: user.first_name,
    owner_last_name: user.last_name,
    owner_email: user.email,
    owner_guid: user.guid,
    access_type: c.access_type,
    app_mode: c.app_mode,
    bundle_id: c.bundle_id === null ? null : Number(c.bundle_id),
    created_time: c.created_time,
    last_deployed_time: c.last_deployed_time,
  };
}

async function currentUser(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext) {
  const since = rfc3339(ctx.startedAt);
  sendJson(res, 200, {
    ...user,
    id: userId,
    created_time: since,
    updated_time: since,
    active_time: rfc3339(new Date()),
  });
}

/** `?filter=name:x&filter=account_id:1&count=100&offset=0`, answered as one page of {applications, count, total}. */
async function listApplications(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { query }: Params,
) {
  let apps = [...ctx.store.content.values()];
  for (const filter of query.getAll('filter')) {
    const [field, ...rest] = filter.split(':');
    const value = rest.join(':');
    if (field === 'name') apps = apps.filter((c) => c.name === value);
    else if (field === 'guid') apps = apps.filter((c) => c.guid === value);
    else if (field === 'account_id') apps = apps.filter(() => value === String(userId));
    else throw badParameter(`unknown application filter "${field}".`);
  }
  const count = Number(query.get('count') ?? 100);
  const offset = Number(query.get('offset') ?? 0);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(offset) || offset < 0) {
    throw badParameter('count must be a positive whole number and offset a whole number.');
  }
  const page = apps.slice(offset, offset + count);
  sendJson(res, 200, {
    applications: page.map((c) => appJson(ctx, c)),
    count: page.length,
    total: apps.length,
  });
}

async function createApplication(req: IncomingMessage, res: ServerResponse, ctx: ApiContext) {
  const body = await readJsonObject(req);
  const content = await addContent(
    ctx,
    contentFieldsFrom({ name: body.name, title: body.title ?? null }, true),
  );
  sendJson(res, 200, appJson(ctx, content));
}

async function getApplication(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids }: Params) {
  sendJson(res, 200, appJson(ctx, appOf(ctx, ids[0])));
}

async function applicationConfig(
  _req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids }: Params,
) {
  const c = appOf(ctx, ids[0]);
  sendJson(res, 200, {
    config_url: `${ctx.url}/connect/#/apps/${c.guid}`,
    logs_url: `${ctx.url}/connect/#/apps/${c.guid}/logs`,
  });
}

async function uploadApplication(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids }: Params,
) {
  const bundle = await receiveBundle(req, ctx, appOf(ctx, ids[0]));
  sendJson(res, 200, {
    id: Number(bundle.id),
    app_id: Number(appOf(ctx, ids[0]).id),
    created_time: rfc3339(bundle.created),
    size: bundle.size,
  });
}

async function deployApplication(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  { ids }: Params,
) {
  const content = appOf(ctx, ids[0]);
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
  const task = ctx.deployer.deploy(content, bundle, true);
  sendJson(res, 200, legacyTask(task, 0));
}

async function getTask(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids, query }: Params) {
  const task = ctx.tasks.get(ids[0]);
  const first = Number(query.get('first_status') ?? 0);
  if (!Number.isInteger(first) || first < 0 || first > task.output.length) {
    throw badParameter(`first_status must be a whole number from 0 to ${task.output.length} for this task.`);
  }
  sendJson(res, 200, legacyTask(task, first));
}

function legacyTask(
  task: { id: string; output: string[]; finished: boolean; code: number; error: string },
  first: number,
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
