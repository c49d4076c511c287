// A small Connect on loopback for the tests of the suite's own requests: the Server API calls the
// harness and the workload make, the Flask and Plumber routes they load, and (optionally) the
// content's jobs. It checks X-Content-Checksum as Connect's API reference describes it (the
// Base64 MD5 of the archive; 400 code 104 otherwise) and records every API request. It ignores
// owner_guid in the list on purpose (the worst a server can do), so the clients' own owner check is
// what keeps another user's item safe.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer } from '../engine-fixtures.ts';

export interface FakeItem {
  guid: string;
  name: string;
  owner_guid: string;
  access_type: string;
  max_processes?: number | null;
}

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  checksum?: string;
  bodyMd5Base64?: string;
}

export interface FakeConnectOptions {
  apiKey: string;
  /** The API key's user. */
  me: string;
  items: FakeItem[];
  /** The job list for the n-th poll (1-based) of GET /v1/content/{guid}/jobs; absent = 404. */
  jobs?: (poll: number, guid: string) => unknown[];
}

const TICKER = /^\/content\/[^/]+\/stocks\/([A-Z]+)$/;
const HISTORY = /^\/content\/[^/]+\/stocks\/([A-Z]+)\/history$/;

export async function fakeConnect(options: FakeConnectOptions) {
  const { apiKey, me, items } = options;
  const seen: SeenRequest[] = [];
  let next = 0;
  let jobPolls = 0;
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const view = (item: FakeItem, server: string) => ({
    max_processes: null,
    min_processes: null,
    ...item,
    title: null,
    app_mode: 'python-api',
    bundle_id: '1',
    content_url: `${server}/content/${item.guid}/`,
  });
  const server = await startServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = Buffer.concat(chunks);
      const path = url.pathname;
      const base = `http://${req.headers.host}`;
      // The content routes the load hits: answered, not recorded.
      if (path.startsWith('/content/')) {
        if (/^\/content\/[^/]+\/stocks\/$/.test(path)) return send(res, 200, { tickers: ['AAPL', 'MSFT'] });
        const history = HISTORY.exec(path);
        if (history)
          return send(res, 200, { ticker: history[1], history: [{ date: '2020-01-02', close: 1.5 }] });
        const ticker = TICKER.exec(path);
        if (ticker) return send(res, 200, { ticker: ticker[1], price: 1, volatility: 0.1 });
        if (/^\/content\/[^/]+\/volatility$/.test(path)) {
          return send(res, 200, { ticker: [url.searchParams.get('ticker')], volatility: [0.2] });
        }
        return send(res, 404, { code: 4, error: 'no such route' });
      }
      const entry: SeenRequest = { method: req.method ?? '', path, query: url.searchParams };
      seen.push(entry);
      const item = /^\/__api__\/v1\/content\/([^/]+)$/.exec(path);
      const bundles = /^\/__api__\/v1\/content\/([^/]+)\/bundles$/.exec(path);
      const jobs = /^\/__api__\/v1\/content\/([^/]+)\/jobs$/.exec(path);
      if (req.headers.authorization !== `Key ${apiKey}`)
        return send(res, 401, { code: 30, error: 'bad key' });
      if (path === '/__api__/server_settings') return send(res, 200, { version: '2023.09.0' });
      if (path === '/__api__/v1/user') {
        return send(res, 200, { guid: me, username: 'perf', user_role: 'administrator', locked: false });
      }
      if (path === '/__api__/v1/content' && req.method === 'GET') {
        const name = url.searchParams.get('name');
        return send(
          res,
          200,
          items.filter((i) => i.name === name).map((i) => view(i, base)),
        );
      }
      if (path === '/__api__/v1/content' && req.method === 'POST') {
        const fields = JSON.parse(body.toString()) as { name: string; access_type?: string };
        if (items.some((i) => i.name === fields.name && i.owner_guid === me)) {
          return send(res, 409, { code: 26, error: 'An object with that name already exists.' });
        }
        const created: FakeItem = {
          guid: `00000000-0000-4000-8000-00000000000${next++}`,
          name: fields.name,
          owner_guid: me,
          access_type: fields.access_type ?? 'acl',
        };
        items.push(created);
        return send(res, 200, view(created, base));
      }
      if (item) {
        const index = items.findIndex((i) => i.guid === item[1]);
        if (index === -1) return send(res, 404, { code: 4, error: 'not found' });
        if (req.method === 'DELETE') {
          items.splice(index, 1);
          return res.writeHead(204).end();
        }
        if (req.method === 'PATCH') Object.assign(items[index], JSON.parse(body.toString()));
        return send(res, 200, view(items[index], base));
      }
      if (jobs) {
        if (!options.jobs) return send(res, 404, { code: 4, error: 'Not found' });
        jobPolls += 1;
        return send(res, 200, options.jobs(jobPolls, jobs[1]));
      }
      if (bundles) {
        entry.checksum = req.headers['x-content-checksum'] as string | undefined;
        entry.bodyMd5Base64 = createHash('md5').update(body).digest('base64');
        if (entry.checksum !== undefined && entry.checksum !== entry.bodyMd5Base64) {
          return send(res, 400, { code: 104, error: 'The bundle checksum does not match.' });
        }
        return send(res, 200, { id: '41', content_guid: bundles[1] });
      }
      if (/^\/__api__\/v1\/content\/[^/]+\/deploy$/.test(path)) return send(res, 200, { task_id: 't-1' });
      if (path === '/__api__/v1/tasks/t-1') {
        return send(res, 200, { id: 't-1', output: ['done'], finished: true, code: 0, error: '', last: 1 });
      }
      send(res, 404, { code: 4, error: `no route ${req.method} ${path}` });
    });
  });
  /** API requests that changed or wrote to an item. */
  const writesTo = (guid: string) =>
    seen.filter((s) => s.method !== 'GET' && s.path.startsWith(`/__api__/v1/content/${guid}`));
  return { ...server, seen, items, writesTo, jobPolls: () => jobPolls };
}
