// A VU's HTTP state and the request targets: keep-alive connections (one per origin, more while
// it is busy), the cookie jar, the response callback, parsed URLs (scripts request the same few
// URLs over and over) and the tag sets its requests reuse. Everything here is worked out once per
// VU or per URL.

import { Connection } from './connection.ts';
import { CookieJar, cookiesStored } from './cookies.ts';
import { DEFAULT_EXPECTED, type ExpectedStatuses } from './expected-statuses.ts';
import type { HttpVU } from './settings.ts';

/** The last tag set made without user tags or error, checked first: loops repeat the same request. */
export interface LastTags {
  base: Record<string, string>;
  method: string;
  status: number;
  expected: boolean | null;
  tlsVersion: string;
  name: string;
  tags: Record<string, string>;
}

export interface HttpState {
  /** Every connection of the VU: the first one per origin under `protocol//host`, more under `…#n`. */
  connections: Map<string, Connection>;
  /** Further connections per origin, opened while the others were busy (http.batch, asyncRequest). */
  spares: Map<string, Connection[]>;
  jar: CookieJar;
  callback: ExpectedStatuses | null;
  /** Parsed request URLs by their text: scripts request the same few URLs over and over. */
  urls: Map<string, Target>;
  tagCache: Map<string, Record<string, string>>;
  /** options.systemTags, or null for k6's default set. */
  systemTags: ReadonlySet<string> | null;
  tagBase: Record<string, string> | null;
  lastTags: LastTags | null;
}

export function stateOf(vu: HttpVU): HttpState {
  let s = vu.httpState as HttpState | undefined;
  if (!s) {
    s = {
      connections: new Map(),
      spares: new Map(),
      jar: new CookieJar(),
      callback: DEFAULT_EXPECTED,
      urls: new Map(),
      tagCache: new Map(),
      systemTags: vu.test.http.systemTags,
      tagBase: null,
      lastTags: null,
    };
    vu.httpState = s;
    const state = s;
    vu.interruptRequests = (err) => {
      for (const conn of state.connections.values()) conn.cancelAll(err);
    };
    vu.iterationStarting = iterationStarting;
  }
  return s;
}

/**
 * A new iteration of `this` VU begins. One function for every VU, which reads the VU's jar only
 * once some cookie was stored: at hundreds of VUs, each VU's own closure and jar are cold memory.
 */
function iterationStarting(this: HttpVU): void {
  const settings = this.test.http;
  const state = this.httpState as HttpState;
  // k6 gives every iteration an empty cookie jar unless noCookiesReset.
  if (!settings.noCookiesReset && cookiesStored() && !state.jar.isEmpty()) state.jar = new CookieJar();
  if (settings.noVUConnectionReuse && state.connections.size > 0) dropConnections(state);
}

/** noVUConnectionReuse: the next iteration opens new connections. */
function dropConnections(state: HttpState): void {
  for (const conn of state.connections.values()) void conn.close();
  state.connections.clear();
  state.spares.clear();
  for (const target of state.urls.values()) target.connection = null;
}

/** Closes a VU's connections at the end of the test. */
export async function closeConnections(vu: HttpVU): Promise<void> {
  const s = vu.httpState as HttpState | undefined;
  if (!s) return;
  await Promise.all([...s.connections.values()].map((c) => c.close()));
  s.connections.clear();
  s.spares.clear();
  s.urls.clear();
}

function maskedURL(u: URL): string {
  if (!u.username && !u.password) return u.href;
  const copy = new URL(u.href);
  copy.username = u.username ? '****' : '';
  copy.password = u.password ? '****' : '';
  return copy.href;
}

/**
 * The parts of an absolute URL written only with characters that Go's url.URL String() prints as
 * they are: scheme, authority (userinfo and host), path, query, fragment. Anything else (spaces,
 * non-ASCII, dot segments, a stray %) is left to the WHATWG serialisation.
 */
const GO_VERBATIM =
  /^([A-Za-z][A-Za-z0-9+.-]*):\/\/((?:([^@/?#]*)@)?[A-Za-z0-9\-._~!$&'()*+,;=:%[\]]*)([A-Za-z0-9\-._~!$&'()*+,;=:@%/]*)(\?[\x21-\x22\x24-\x7e]*)?(#[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?$/;

/**
 * The URL as k6 names it in the url and name tags: Go's url.URL String() of the parsed request URL
 * (grafana/k6 lib/netext/httpext/transport.go), credentials masked as k6's URL.Clean() masks them.
 * Unlike the WHATWG serialisation it adds no '/' to an empty path, keeps the host's case, a
 * default port and the query as written; only the scheme is lower-cased.
 */
function goStyleURL(raw: string, url: URL): string {
  const m = GO_VERBATIM.exec(raw);
  if (!m || /%(?![0-9A-Fa-f]{2})/.test(raw) || /(^|\/)\.\.?(\/|$)/.test(m[4])) return maskedURL(url);
  const [, scheme, authority, userinfo, path, query = '', fragment = ''] = m;
  let shownAuthority = authority;
  if (userinfo !== undefined) {
    const host = authority.slice(userinfo.length + 1);
    shownAuthority = `${userinfo.includes(':') ? '****:****' : '****'}@${host}`;
  }
  return `${scheme.toLowerCase()}://${shownAuthority}${path}${query}${fragment === '#' ? '' : fragment}`;
}

function tlsOptionsFor(vu: HttpVU, host: string) {
  const settings = vu.test.http;
  const auth = settings.tlsAuth.find((a) => !a.domains || a.domains.length === 0 || a.domains.includes(host));
  return {
    rejectUnauthorized: !settings.insecureSkipTLSVerify,
    ca: settings.ca,
    cert: auth?.cert,
    key: auth?.key,
    passphrase: auth?.password,
    minVersion: settings.tlsMinVersion,
    maxVersion: settings.tlsMaxVersion,
  };
}

/** A request URL with the parts every request needs, worked out once (URL getters allocate). */
export interface Target {
  url: URL;
  /** Response.url: the URL as the script wrote it (k6 keeps that string), or the redirect's URL. */
  href: string;
  /** Path and query, as in the request line. */
  path: string;
  /** The URL as k6 shows it in tags and errors: Go's serialisation, credentials masked (goStyleURL). */
  masked: string;
  /** The Authorization header for credentials in the URL, or ''. */
  authorization: string;
  connection: Connection | null;
}

export function targetOf(url: URL, raw?: string): Target {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`unsupported protocol ${url.protocol}`);
  let authorization = '';
  if (url.username || url.password) {
    const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
    authorization = `Basic ${basic.toString('base64')}`;
  }
  return {
    url,
    href: raw ?? url.href,
    path: `${url.pathname}${url.search}`,
    masked: raw === undefined ? maskedURL(url) : goStyleURL(raw, url),
    authorization,
    connection: null,
  };
}

function openConnection(vu: HttpVU, url: URL): Connection {
  const settings = vu.test.http;
  const route = settings.routing ? settings.routing.route(url) : null;
  return new Connection(url.origin, tlsOptionsFor(vu, url.hostname), route, settings.noConnectionReuse);
}

/**
 * The connection a request to `target` goes on: the origin's first one, or — when a request is
 * already on it (http.batch, asyncRequest) — an idle or new further one, as Go's transport opens
 * another connection rather than queueing behind a busy one.
 */
export function connectionFor(vu: HttpVU, state: HttpState, target: Target): Connection {
  const first = target.connection;
  if (first !== null && !first.busy) return first;
  const url = target.url;
  const key = `${url.protocol}//${url.host}`;
  let conn = state.connections.get(key);
  if (!conn) {
    conn = openConnection(vu, url);
    state.connections.set(key, conn);
  }
  target.connection = conn;
  if (!conn.busy) return conn;
  let spares = state.spares.get(key);
  if (!spares) {
    spares = [];
    state.spares.set(key, spares);
  }
  const idle = spares.find((c) => !c.busy);
  if (idle) return idle;
  const spare = openConnection(vu, url);
  spares.push(spare);
  state.connections.set(`${key}#${spares.length}`, spare);
  return spare;
}

const URL_CACHE_SIZE = 1024;

export function parseURL(state: HttpState, text: string): Target {
  let target = state.urls.get(text);
  if (!target) {
    target = targetOf(new URL(text), text);
    if (state.urls.size >= URL_CACHE_SIZE) state.urls.clear();
    state.urls.set(text, target);
  }
  return target;
}
