// The corpus runner's stand-in for the public sites k6 examples talk to (httpbin-like echo
// routes, test.k6.io-like PHP pages, a quickpizza-like API, test-api-like crocodiles, jslib's
// files from a local folder), on two loopback ports: plain HTTP and HTTPS (the corpus preload
// sends each connection to one or the other). TLS certificates are made per server name on first
// use, signed by a throwaway CA made with openssl at start; the engine trusts it through
// NODE_EXTRA_CA_CERTS. Generic and small on purpose: the point is to exercise the engine, not to
// clone sites.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MAX_DELAY_S = 3;

export interface Mock {
  port: number;
  tlsPort: number;
  caFile: string;
  close(): Promise<void>;
}

interface Req {
  method: string;
  host: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

async function makeCa(dir: string): Promise<void> {
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'ca.key')]);
  await run('openssl', [
    'ecparam',
    '-name',
    'prime256v1',
    '-genkey',
    '-noout',
    '-out',
    join(dir, 'leaf.key'),
  ]);
  await run('openssl', [
    ...[
      'req',
      '-x509',
      '-new',
      '-key',
      join(dir, 'ca.key'),
      '-days',
      '2',
      '-subj',
      '/CN=corpus throwaway CA',
    ],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ...['-out', join(dir, 'ca.pem')],
  ]);
}

async function leafContext(dir: string, name: string): Promise<{ key: Buffer; cert: Buffer }> {
  const safe = createHash('sha256').update(name).digest('hex').slice(0, 16);
  const cert = join(dir, `${safe}.pem`);
  const san = isIP(name) ? `IP:${name}` : `DNS:${name}`;
  await run('openssl', [
    ...['req', '-x509', '-new', '-key', join(dir, 'leaf.key'), '-CA', join(dir, 'ca.pem')],
    ...['-CAkey', join(dir, 'ca.key'), '-days', '2', '-subj', '/CN=corpus-mock'],
    ...['-addext', `subjectAltName=${san}`, '-addext', 'basicConstraints=CA:FALSE'],
    ...['-addext', 'extendedKeyUsage=serverAuth', '-out', cert],
  ]);
  return { key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(cert) };
}

interface Reply {
  status: number;
  body: string | Buffer;
  type: string;
  headers?: Record<string, string | string[]>;
}

const reply = (
  status: number,
  body: string | Buffer,
  type: string,
  headers: Record<string, string | string[]> = {},
): Reply => ({
  status,
  body,
  type,
  headers,
});

const json = (value: unknown, status = 200, headers: Record<string, string | string[]> = {}): Reply =>
  reply(status, JSON.stringify(value), 'application/json', headers);

function page(title: string, extra = ''): string {
  return `<!DOCTYPE html><html><head><title>${title}</title><link rel="stylesheet" href="/static/css/site.css"></head><body>
<h1>${title}</h1>${extra}
<a href="/contacts.php">Contacts</a> <a href="/news.php">News</a> <a href="/my_messages.php">Messages</a> <a href="/pi.php?decimals=3">Pi</a>
<form method="post" action="/login.php"><input type="hidden" name="csrftoken" value="${randomUUID()}"><input type="hidden" name="redir" value="1">
<input type="text" name="login"><input type="password" name="password"><input type="submit" value="Go!"></form>
<script src="/static/js/prisms.js"></script></body></html>`;
}

function cookies(req: Req): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function echo(req: Req): Record<string, unknown> {
  const text = req.body.toString('utf8');
  const type = String(req.headers['content-type'] ?? '');
  let parsed: unknown = null;
  if (type.includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  const form: Record<string, string | string[]> = {};
  if (type.includes('x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(text)) {
      const had = form[k];
      form[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
    }
  }
  return {
    args: Object.fromEntries(req.url.searchParams),
    data: type.includes('multipart') ? '' : text,
    files: {},
    form,
    headers: Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k.replace(/(^|-)\w/g, (c) => c.toUpperCase()), String(v)]),
    ),
    json: parsed,
    method: req.method,
    origin: '127.0.0.1',
    url: req.url.href,
  };
}

const PIZZA = {
  pizza: {
    id: 1,
    name: 'Corpus Special',
    dough: { id: 1, name: 'Thin', caloriesPerSlice: 150 },
    ingredients: [
      { id: 1, name: 'Mozzarella', caloriesPerSlice: 50, vegetarian: true },
      { id: 2, name: 'Tomato', caloriesPerSlice: 10, vegetarian: true },
      { id: 3, name: 'Basil', caloriesPerSlice: 1, vegetarian: true },
    ],
    tool: 'Pizza cutter',
  },
  calories: 211,
  vegetarian: true,
};

const CROC = (id: number) => ({ id, name: `Croc ${id}`, sex: 'M', date_of_birth: '2010-01-01', age: 14 });

function digest(req: Req, user: string, pass: string): Reply {
  const header = String(req.headers.authorization ?? '');
  const fields = Object.fromEntries(
    [...header.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)].map((m) => [m[1], m[2] ?? m[3]]),
  );
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  if (header.startsWith('Digest ') && fields.username === user) {
    const ha1 = md5(`${user}:${fields.realm}:${pass}`);
    const ha2 = md5(`${req.method}:${fields.uri}`);
    const want = fields.qop
      ? md5(`${ha1}:${fields.nonce}:${fields.nc}:${fields.cnonce}:${fields.qop}:${ha2}`)
      : md5(`${ha1}:${fields.nonce}:${ha2}`);
    if (want === fields.response) return json({ authenticated: true, user });
  }
  const nonce = randomUUID().replace(/-/g, '');
  return reply(401, '', 'text/plain', {
    'www-authenticate': `Digest realm="me@kennethreitz.com", nonce="${nonce}", qop="auth", opaque="${nonce}", algorithm=MD5, stale=FALSE`,
  });
}

function route(req: Req, jslibDir: string | undefined): Reply | Promise<Reply> {
  const path = req.url.pathname;
  const wantsJson =
    String(req.headers.accept ?? '').includes('json') ||
    String(req.headers['content-type'] ?? '').includes('json');
  const parts = path.split('/').filter(Boolean);
  if (req.host === 'jslib.k6.io') {
    const file = jslibDir ? normalize(join(jslibDir, path)) : '';
    if (jslibDir && file.startsWith(jslibDir) && existsSync(file) && !file.endsWith('/')) {
      return reply(200, readFileSync(file), 'application/javascript');
    }
    return reply(404, 'not found', 'text/plain');
  }
  if (/^\/(get|post|put|patch|delete|anything)(\/|$)/.test(path)) return json(echo(req));
  if (parts[0] === 'status') {
    const code = Number((parts[1] ?? '200').split(',')[0]);
    return reply(
      code >= 100 && code < 600 ? code : 400,
      '',
      'text/plain',
      code >= 300 && code < 400 ? { location: '/get' } : {},
    );
  }
  if (parts[0] === 'delay') {
    const seconds = Math.min(MAX_DELAY_S, Math.max(0, Number(parts[1]) || 0));
    return new Promise((resolve) => setTimeout(() => resolve(json(echo(req))), seconds * 1000));
  }
  if (path === '/cookies') return json({ cookies: cookies(req) });
  if (path === '/cookies/set') {
    const set = [...req.url.searchParams].map(([k, v]) => `${k}=${v}; Path=/`);
    return reply(302, '', 'text/plain', { location: '/cookies', 'set-cookie': set });
  }
  if (path === '/cookies/delete') {
    const set = [...req.url.searchParams.keys()].map(
      (k) => `${k}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`,
    );
    return reply(302, '', 'text/plain', { location: '/cookies', 'set-cookie': set });
  }
  if (parts[0] === 'basic-auth' || parts[0] === 'hidden-basic-auth') {
    const want = `Basic ${Buffer.from(`${parts[1]}:${parts[2]}`).toString('base64')}`;
    if (req.headers.authorization === want) return json({ authenticated: true, user: parts[1] });
    return reply(401, '', 'text/plain', { 'www-authenticate': 'Basic realm="Fake Realm"' });
  }
  if (parts[0] === 'digest-auth') return digest(req, parts[2] ?? '', parts[3] ?? '');
  if (/^(redirect|relative-redirect|absolute-redirect)$/.test(parts[0] ?? '')) {
    const n = Math.min(20, Number(parts[1]) || 1);
    return reply(302, '', 'text/plain', { location: n > 1 ? `/${parts[0]}/${n - 1}` : '/get' });
  }
  if (path === '/redirect-to')
    return reply(302, '', 'text/plain', { location: req.url.searchParams.get('url') ?? '/get' });
  if (path === '/headers') return json({ headers: echo(req).headers });
  if (path === '/ip') return json({ origin: '127.0.0.1' });
  if (path === '/user-agent') return json({ 'user-agent': req.headers['user-agent'] ?? '' });
  if (path === '/uuid') return json({ uuid: randomUUID() });
  if (path === '/json')
    return json({
      slideshow: { author: 'corpus', title: 'Sample', slides: [{ title: 'One', type: 'all' }] },
    });
  if (path === '/xml')
    return reply(
      200,
      '<?xml version="1.0"?><slideshow title="Sample"><slide><title>One</title></slide></slideshow>',
      'application/xml',
    );
  if (parts[0] === 'bytes')
    return reply(200, Buffer.alloc(Math.min(1 << 20, Number(parts[1]) || 0), 7), 'application/octet-stream');
  if (path === '/login.php' && req.method === 'POST') {
    return reply(302, '', 'text/html', {
      location: '/my_messages.php',
      'set-cookie': ['sid=corpus-session; Path=/'],
    });
  }
  if (path === '/my_messages.php') {
    const ok = cookies(req).sid === 'corpus-session';
    return reply(
      200,
      page('My messages', ok ? '<h2>Welcome, admin!</h2>' : '<h2>Unauthorized</h2>'),
      'text/html',
    );
  }
  if (path === '/flip_coin.php') {
    const bet = req.url.searchParams.get('bet') ?? 'heads';
    return reply(200, page('Flip coin', `<p>Result: ${bet.toUpperCase()}. You WIN!</p>`), 'text/html');
  }
  if (path === '/pi.php') {
    const d = Math.min(20, Number(req.url.searchParams.get('decimals')) || 3);
    return reply(200, `3.${'14159265358979323846'.slice(0, d)}`, 'text/plain');
  }
  if (path.startsWith('/api/')) return api(req, parts.slice(1));
  if (/^\/(public|my|auth|user)\//.test(path)) return crocodiles(req, parts);
  if (/\.(css|js|ico|png|jpg|svg)$/.test(path)) return reply(200, '/* static */', 'text/plain');
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(echo(req));
  if (wantsJson) return json({ ok: true, path });
  return reply(200, page('Corpus mock'), 'text/html; charset=utf-8');
}

function api(req: Req, parts: string[]): Reply {
  const [what, id] = parts;
  if (what === 'pizza') return json(PIZZA);
  if (what === 'ratings') {
    if (req.method === 'POST') return json({ id: 1, stars: 5, pizza_id: 1 }, 201);
    if (req.method === 'DELETE') return reply(204, '', 'text/plain');
    return id
      ? json({ id: Number(id), stars: 5, pizza_id: 1 })
      : json({ ratings: [{ id: 1, stars: 5, pizza_id: 1 }] });
  }
  if (what === 'users') {
    if (id === 'token') return json({ token: 'corpus0123456789' });
    return json({ id: 1, username: 'corpus' }, req.method === 'POST' ? 201 : 200);
  }
  if (what === 'csrf-token')
    return json({ csrf: 'corpus-csrf' }, 200, { 'set-cookie': ['csrf_token=corpus-csrf; Path=/'] });
  if (what === 'tools') return json({ tools: ['Pizza cutter', 'Knife', 'Scissors'] });
  if (what === 'quotes') return json({ quotes: ['Pizza is life.'] });
  if (what === 'names') return json({ names: ['Corpus Special'] });
  if (what === 'doughs') return json({ doughs: [{ id: 1, name: 'Thin', caloriesPerSlice: 150 }] });
  if (what === 'ingredients') return json({ ingredients: PIZZA.pizza.ingredients });
  return json({ ok: true }, req.method === 'POST' ? 201 : 200);
}

function crocodiles(req: Req, parts: string[]): Reply {
  const path = parts.join('/');
  if (path.startsWith('auth/token/login'))
    return json({ access: 'corpus.access.token', refresh: 'corpus.refresh.token' });
  if (path.startsWith('auth/cookie/login') || path.startsWith('auth/basic/login')) {
    return json({ id: 1, username: 'corpus' }, 200, { 'set-cookie': ['sessionid=corpus; Path=/'] });
  }
  if (path.startsWith('user/register'))
    return json({ id: 1, username: 'corpus', first_name: 'C', last_name: 'M', email: 'c@example.com' }, 201);
  const id = Number(parts[2]);
  if (req.method === 'DELETE') return reply(204, '', 'text/plain');
  if (req.method === 'POST') return json({ ...CROC(7), ...safeJson(req.body) }, 201);
  if (req.method === 'PUT' || req.method === 'PATCH')
    return json({ ...CROC(id || 7), ...safeJson(req.body) });
  if (id) return json(CROC(id));
  return json([1, 2, 3, 4, 5, 6, 7, 8].map(CROC));
}

function safeJson(body: Buffer): Record<string, unknown> {
  try {
    const value = JSON.parse(body.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) out[k] = v;
    return out;
  }
}

/** Starts the mock's HTTP and HTTPS servers on free loopback ports; `jslibDir` holds jslib.k6.io's `lib/` tree. */
export async function startMock(jslibDir?: string): Promise<Mock> {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-mock-'));
  await makeCa(dir);
  const contexts = new Map<string, Promise<SecureContext>>();
  const fallback = await leafContext(dir, '127.0.0.1');
  const handler = (request: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const host = String(request.headers.host ?? 'localhost')
        .replace(/:\d+$/, '')
        .toLowerCase();
      const secure = request.socket instanceof TLSSocket;
      const req: Req = {
        method: request.method ?? 'GET',
        host,
        url: new URL(
          request.url ?? '/',
          `${secure ? 'https' : 'http'}://${request.headers.host ?? 'localhost'}`,
        ),
        headers: request.headers,
        body: Buffer.concat(chunks),
      };
      new Promise<Reply>((resolve) => resolve(route(req, jslibDir ? normalize(jslibDir) : undefined)))
        .catch((err: Error) => reply(500, `corpus mock: ${err.message}`, 'text/plain'))
        .then((r) => {
          res.writeHead(r.status, { 'content-type': r.type, ...r.headers });
          res.end(r.body);
        });
    });
  };
  const http: Server = createServer(handler);
  const https: Server = createHttpsServer(
    {
      // A client that sends no server name (an IP address) gets the one for 127.0.0.1.
      ...fallback,
      SNICallback: (name, cb) => {
        let ctx = contexts.get(name);
        if (!ctx) {
          ctx = leafContext(dir, name).then(createSecureContext);
          contexts.set(name, ctx);
        }
        ctx.then(
          (c) => cb(null, c),
          (err: Error) => cb(err),
        );
      },
    },
    handler,
  );
  for (const server of [http, https]) {
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }
  const portOf = (server: Server) => (server.address() as AddressInfo).port;
  return {
    port: portOf(http),
    tlsPort: portOf(https),
    caFile: join(dir, 'ca.pem'),
    close: async () => {
      for (const server of [http, https]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
