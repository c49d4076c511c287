import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ApiContext, handleApi } from './api.ts';
import { adminGuid, type StandinUser, type UserRole } from './api-context.ts';
import {
  ApiError,
  badKey,
  missingKey,
  nothingDeployed,
  sendError,
  unknownEndpoint,
  unknownObject,
} from './api-error.ts';
import { type BundleLimits, defaultBundleLimits } from './archive/limits.ts';
import { Deployer, type RunningProcess } from './deployer.ts';
import { proxyToApp } from './proxy.ts';
import { Store } from './store.ts';
import { TaskBoard } from './tasks.ts';
import { UpstreamTimings } from './upstream-timings.ts';

/** A further user of the stand-in, with the API key its clients send. */
export interface StandinUserOptions {
  username: string;
  role: UserRole;
  apiKey: string;
}

export interface StandinOptions {
  /** The key clients send as `Authorization: Key <apiKey>`: the administrator's (username `standin-admin`). */
  apiKey: string;
  /** Other users, each with a key of its own (e.g. a publisher owning content of the same name). */
  users?: StandinUserOptions[];
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Where bundles and extracted apps live; default a temp folder removed on stop. */
  dataDir?: string;
  log?: (line: string) => void;
  /** Caps on uploaded bundles (defaults: 100 MiB archive, 50 MiB per file, 250 MiB in all, 10,000 entries). */
  limits?: Partial<BundleLimits>;
}

export interface Standin {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:3939 */
  url: string;
  dataDir: string;
  /** The folder holding one content item's bundles and extracted versions. */
  contentDir(guid: string): string;
  /** The app processes now running (gunicorn masters, whose workers are their children, and R processes). */
  processes(): RunningProcess[];
  /** Stops serving and stops every app process it started. */
  stop(): Promise<void>;
}

export { standinVersion } from './api.ts';
export type { RunningProcess } from './deployer.ts';

const contentPrefix = '/content/';
/** The proxy's upstream time per second (see upstream-timings.ts); needs the API key. */
export const upstreamTimingsPath = '/__standin__/upstream-timings';
const guidLength = 36;

export async function startStandin(options: StandinOptions): Promise<Standin> {
  if (!options.apiKey)
    throw new Error('The stand-in needs an API key: pass apiKey (or set CONNECT_API_KEY).');
  // Before anything is created: a refused user list leaves nothing behind.
  const users = usersOf(options);
  const log = options.log ?? (() => {});
  const ownDataDir = options.dataDir === undefined;
  const dataDir = ownDataDir ? await mkdtemp(join(tmpdir(), 'connect-standin-')) : resolve(options.dataDir!);
  await mkdir(join(dataDir, 'content'), { recursive: true });
  const contentDir = (guid: string) => join(dataDir, 'content', guid);
  const limits = { ...defaultBundleLimits, ...options.limits };
  const store = new Store();
  const tasks = new TaskBoard();
  const deployer = new Deployer(store, tasks, limits, contentDir, log);
  const upstream = new UpstreamTimings();

  const ctx: ApiContext = {
    store,
    tasks,
    deployer,
    limits,
    url: '',
    startedAt: new Date(),
    users,
    contentDir,
    ensureContentDir: async (guid) => {
      await mkdir(contentDir(guid), { recursive: true });
      return contentDir(guid);
    },
    removeContentDir: (guid) => rm(contentDir(guid), { recursive: true, force: true }),
  };

  /** The user whose key the request carries; every key is compared, so timing says nothing of which. */
  const authenticate = (req: IncomingMessage): StandinUser => {
    const header = req.headers.authorization;
    if (!header) throw missingKey();
    const match = /^Key\s+(\S+)\s*$/.exec(header);
    if (!match) throw badKey();
    const sent = digest(match[1]);
    let found: StandinUser | undefined;
    for (const u of users) if (timingSafeEqual(sent, u.keyDigest) && !found) found = u;
    if (!found) throw badKey();
    return found;
  };

  const serveContent = (req: IncomingMessage, res: ServerResponse, url: string) => {
    const guid = url.slice(contentPrefix.length, contentPrefix.length + guidLength);
    let rest = url.slice(contentPrefix.length + guidLength);
    const content = store.content.get(guid);
    if (!content || (rest !== '' && rest[0] !== '/' && rest[0] !== '?')) throw unknownObject('content', guid);
    // `all`: anyone; `logged_in`: any user's key; `acl`: the owner's (the stand-in keeps no access lists).
    if (content.access_type !== 'all') {
      const user = authenticate(req);
      if (content.access_type === 'acl' && user.guid !== content.owner_guid) {
        throw new ApiError(403, 19, `You don't have permission to access this item: content ${guid}.`);
      }
    }
    let base = `${contentPrefix}${guid}`;
    // A built bundle by id, active or draft: what rsconnect opens after `deploy --draft`.
    const draft = /^\/_bundle(\d+)(?=$|[/?])/.exec(rest);
    if (draft) {
      base += `/_bundle${draft[1]}`;
      rest = rest.slice(draft[0].length);
    }
    const version = draft ? deployer.built(guid, draft[1]) : deployer.serving(guid);
    if (!version) {
      if (draft) throw unknownObject('built bundle', draft[1]);
      throw nothingDeployed(guid);
    }
    if (rest === '' || rest[0] === '?') {
      res.writeHead(301, { location: `${base}/${rest}` }).end();
      return;
    }
    proxyToApp(req, res, version, base, rest, upstream);
  };

  const serveApi = async (req: IncomingMessage, res: ServerResponse, url: string) => {
    const user = authenticate(req);
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const parsed = new URL(url, 'http://standin');
    await handleApi(
      req,
      res,
      ctx,
      parsed.pathname.slice('/__api__/'.length),
      parsed.searchParams,
      abort.signal,
      user,
    );
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const fail = (err: unknown) => {
      if (!(err instanceof ApiError))
        log(`Internal error on ${req.method} ${url.split('?')[0]}: ${String(err)}`);
      sendError(res, err instanceof ApiError ? err : new ApiError(500, 1, `Internal error: ${String(err)}`));
      // The body may still be arriving; it is not needed any more.
      req.resume();
    };
    try {
      if (url.startsWith(contentPrefix)) serveContent(req, res, url);
      else if (url.startsWith('/__api__/')) serveApi(req, res, url).catch(fail);
      else if (url === upstreamTimingsPath && req.method === 'GET') {
        authenticate(req);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(upstream.snapshot()));
      } else throw unknownEndpoint(req.method ?? 'GET', url.split('?')[0]);
    } catch (err) {
      fail(err);
    }
  });
  server.keepAliveTimeout = 30_000;
  try {
    await new Promise<void>((ready, failed) => {
      server.once('error', failed);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => ready());
    });
  } catch (err) {
    // Nothing was served: the data folder this call made goes with it (a given one is the caller's).
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  ctx.url = `http://${host}:${port}`;

  let stopping: Promise<void> | undefined;
  return {
    url: ctx.url,
    dataDir,
    contentDir,
    processes: () => deployer.processes(),
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise((done) => server.close(done));
        server.closeAllConnections();
        await deployer.stopAll();
        await closed;
        if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

const roles: readonly string[] = ['administrator', 'publisher', 'viewer'];

/** The administrator of `apiKey` first, then `users`; refuses a bad entry with one sentence. */
function usersOf(options: StandinOptions): StandinUser[] {
  const admin: StandinUser = {
    guid: adminGuid,
    id: 1,
    username: 'standin-admin',
    email: 'standin-admin@localhost',
    first_name: 'Stand-in',
    last_name: 'Administrator',
    user_role: 'administrator',
    keyDigest: digest(options.apiKey),
  };
  const all = [admin];
  for (const [i, u] of (options.users ?? []).entries()) {
    if (typeof u?.username !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(u.username)) {
      throw new Error(`Stand-in user ${i + 1} needs a username of letters, digits, ".", "-" or "_".`);
    }
    if (!roles.includes(u.role)) {
      throw new Error(`Stand-in user ${u.username} needs a role of administrator, publisher or viewer.`);
    }
    if (typeof u.apiKey !== 'string' || u.apiKey.length < 8 || /\s/.test(u.apiKey)) {
      throw new Error(
        `Stand-in user ${u.username} needs an API key of at least 8 characters without spaces.`,
      );
    }
    const digested = digest(u.apiKey);
    if (all.some((o) => o.username === u.username))
      throw new Error(`Stand-in user ${u.username} is given twice.`);
    if (all.some((o) => o.keyDigest.equals(digested))) {
      throw new Error(`Stand-in user ${u.username} has the same API key as another user; give each its own.`);
    }
    all.push({
      guid: randomUUID(),
      id: all.length + 1,
      username: u.username,
      email: `${u.username}@localhost`,
      first_name: u.username,
      last_name: '',
      user_role: u.role,
      keyDigest: digested,
    });
  }
  return all;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
