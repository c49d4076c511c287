// k6's REST API on --address (k6 docs: https://grafana.com/docs/k6/latest/reference/k6-rest-api/;
// shapes and error answers as in grafana/k6's api/v1/*.go): GET/PATCH /v1/status, GET /v1/metrics
// and /v1/metrics/{id}, GET /v1/groups and /v1/groups/{id}, each a JSON:API document. PATCH
// /v1/status un-pauses a test started with --paused, or stops it. The setup endpoints
// (/v1/setup, /v1/teardown) are refused with a JSON:API error, since this engine runs setup() and
// teardown() itself.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObservedMetric } from './metrics/engine.ts';
import type { SummaryGroup } from './metrics/types.ts';

/** The attributes of GET /v1/status, in k6's order (api/v1/status.go). */
export interface RestStatus {
  /** k6's lib.ExecutionStatus number: 1 init VUs, 4 paused before the run, 5 started, 6 setup, 7 running, 8 teardown, 9 ended, 10 interrupted, 11 marked as failed. */
  status: number;
  paused: boolean;
  vus: number;
  'vus-max': number;
  stopped: boolean;
  running: boolean;
  tainted: boolean;
}

/** What the REST API may read and do of the running test (k6's ControlSurface). */
export interface ControlSurface {
  status(): RestStatus;
  /** Pauses or un-pauses; the error detail when that cannot be done. */
  setPaused(paused: boolean): string | null;
  /** Ends the test as k6's "test run stopped from REST API" (exit 103). */
  stop(): void;
  metrics(): ObservedMetric[];
  groups(): SummaryGroup;
}

export interface RestApi {
  /** The address the server listens on, host:port. */
  readonly address: string;
  close(): Promise<void>;
}

/** Bodies larger than this are not read (a PATCH is a few hundred bytes). */
const MAX_BODY = 64 * 1024;

/**
 * `host:port` as Go's net.Listen takes it: `[::1]:6565`, `127.0.0.1:0`, `:6565` (every
 * interface). Throws a sentence when it is not one.
 */
export function parseAddress(address: string): { host: string | undefined; port: number } {
  const colon = address.lastIndexOf(':');
  if (colon < 0) throw new Error(`address ${address}: missing port in address`);
  let host = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new Error(`address ${address}: invalid port "${portText}"`);
  return { host: host === '' ? undefined : host, port };
}

/** Starts the server; rejects with the listen error (address in use, bad address). */
export async function startRestApi(address: string, surface: ControlSurface): Promise<RestApi> {
  const { host, port } = parseAddress(address);
  const server: Server = createServer((req, res) => {
    void handle(surface, req, res).catch((err: Error) => {
      if (!res.headersSent) apiError(res, 'Internal error', err.message, 500);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shown =
    bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  return {
    address: shown,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, doc: unknown): void {
  const body = JSON.stringify(doc);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** k6's error document: `{"errors":[{"status":"404","title":…,"detail":…}]}`. */
function apiError(res: ServerResponse, title: string, detail: string, status: number): void {
  send(res, status, { errors: [{ status: String(status), title, detail }] });
}

function notAllowed(res: ServerResponse): void {
  res.writeHead(405, { 'Content-Length': 0 });
  res.end();
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const statusDoc = (s: RestStatus) => ({ data: { type: 'status', id: 'default', attributes: s } });

function metricDoc(m: ObservedMetric) {
  return {
    type: 'metrics',
    id: m.name,
    attributes: { type: m.type, contains: m.contains, tainted: m.tainted, sample: m.sample },
  };
}

interface FlatGroup {
  group: SummaryGroup;
  parent: SummaryGroup | null;
}

function flatten(group: SummaryGroup, parent: SummaryGroup | null = null): FlatGroup[] {
  return [{ group, parent }, ...group.groups.flatMap((g) => flatten(g, group))];
}

/** One group as k6's api/v1/group_jsonapi.go writes it, with its parent and child groups as relationships. */
function groupDoc({ group, parent }: FlatGroup) {
  return {
    type: 'groups',
    id: group.id,
    attributes: {
      path: group.path,
      name: group.name,
      checks:
        group.checks.length === 0
          ? null
          : group.checks.map((c) => ({
              id: c.id,
              path: c.path,
              name: c.name,
              passes: c.passes,
              fails: c.fails,
            })),
    },
    relationships: {
      groups: { data: group.groups.map((g) => ({ type: 'groups', id: g.id })) },
      parent: { data: parent ? { type: 'groups', id: parent.id } : null },
    },
  };
}

async function handle(surface: ControlSurface, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const method = req.method ?? 'GET';
  if (path === '/v1/status') {
    if (method === 'GET') return send(res, 200, statusDoc(surface.status()));
    if (method !== 'PATCH') return notAllowed(res);
    const body = await readBody(req);
    if (body === null) return apiError(res, "Couldn't read request", 'the request body is too large', 400);
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch (err) {
      return apiError(res, 'Invalid data', (err as Error).message, 400);
    }
    const attributes = (doc as { data?: { attributes?: Record<string, unknown> } } | null)?.data?.attributes;
    const attrs = attributes && typeof attributes === 'object' ? attributes : {};
    for (const key of ['paused', 'stopped'] as const) {
      const v = attrs[key];
      if (v !== undefined && v !== null && typeof v !== 'boolean')
        return apiError(res, 'Invalid data', `${key} must be true or false`, 400);
    }
    if (attrs.stopped === true) surface.stop();
    else {
      if (typeof attrs.paused === 'boolean') {
        const problem = surface.setPaused(attrs.paused);
        if (problem) return apiError(res, 'Pause error', problem, 500);
      }
      const set = (k: string) => attrs[k] !== undefined && attrs[k] !== null;
      if (set('vus') || set('vus-max'))
        return apiError(
          res,
          'Execution config error',
          'live VU configuration updates are not supported',
          500,
        );
    }
    return send(res, 200, statusDoc(surface.status()));
  }
  if (path === '/v1/metrics' || path.startsWith('/v1/metrics/')) {
    if (method !== 'GET') return notAllowed(res);
    const metrics = surface.metrics();
    if (path === '/v1/metrics') return send(res, 200, { data: metrics.map(metricDoc) });
    const id = decodeURIComponent(path.slice('/v1/metrics/'.length));
    const metric = metrics.find((m) => m.name === id);
    if (!metric) return apiError(res, 'Not Found', 'No metric with that ID was found', 404);
    return send(res, 200, { data: metricDoc(metric) });
  }
  if (path === '/v1/groups' || path.startsWith('/v1/groups/')) {
    if (method !== 'GET') return notAllowed(res);
    const groups = flatten(surface.groups());
    if (path === '/v1/groups') return send(res, 200, { data: groups.map(groupDoc) });
    const id = path.slice('/v1/groups/'.length);
    const group = groups.find((g) => g.group.id === id);
    if (!group) return apiError(res, 'Not Found', 'No group with that ID was found', 404);
    return send(res, 200, { data: groupDoc(group) });
  }
  if (path === '/v1/setup' || path === '/v1/teardown') {
    return apiError(
      res,
      'Not supported',
      `${path} is not supported by the node engine, which runs setup() and teardown() itself; run this script with the k6 binary (--engine k6) to drive them over the REST API.`,
      501,
    );
  }
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('404 page not found\n');
}
