// GET /__api__/v1/content/{guid}/jobs and .../jobs/{key}: the processes Connect ran for a content
// item, in the shape posit-sdk-py reads (src/posit/connect/jobs.py). Unknown content and unknown
// keys are Connect's "object does not exist" (404, code 4).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiContext, contentOf, type Handler, type Params } from './api-context.ts';
import { sendJson, unknownObject } from './api-error.ts';

async function listJobs(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids, user }: Params) {
  const content = contentOf(ctx, ids[0], user);
  sendJson(res, 200, ctx.deployer.jobs.list(content.guid));
}

async function getJob(_req: IncomingMessage, res: ServerResponse, ctx: ApiContext, { ids, user }: Params) {
  const content = contentOf(ctx, ids[0], user);
  const job = ctx.deployer.jobs.get(content.guid, ids[1]);
  if (!job) throw unknownObject('job', ids[1]);
  sendJson(res, 200, job);
}

export const jobRoutes: Array<{ pattern: RegExp; methods: Record<string, Handler> }> = [
  { pattern: /^v1\/content\/([^/]+)\/jobs$/, methods: { GET: listJobs } },
  { pattern: /^v1\/content\/([^/]+)\/jobs\/([^/]+)$/, methods: { GET: getJob } },
];
