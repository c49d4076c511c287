// A cookie jar with the RFC 6265 rules that matter for load tests: host-only vs domain cookies,
// path prefixes, Secure, Max-Age/Expires, replacement by (name, domain, path).
export interface Cookie {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  /** Epoch ms, or null for a session cookie. */
  expires: number | null;
}

export interface CookieOptions {
  domain?: string;
  path?: string;
  expires?: string;
  max_age?: number;
  secure?: boolean;
  http_only?: boolean;
}

function defaultPath(pathname: string): string {
  if (!pathname.startsWith('/')) return '/';
  const last = pathname.lastIndexOf('/');
  return last <= 0 ? '/' : pathname.slice(0, last);
}

function domainMatches(cookie: Cookie, host: string): boolean {
  if (cookie.hostOnly) return host === cookie.domain;
  return host === cookie.domain || host.endsWith(`.${cookie.domain}`);
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** Parses one Set-Cookie header value as received from `url`; null when it must be ignored. */
export function parseSetCookie(header: string, url: URL, now = Date.now()): Cookie | null {
  const [pair, ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return null;
  const cookie: Cookie = {
    name: pair.slice(0, eq).trim(),
    value: pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1'),
    domain: url.hostname.toLowerCase(),
    hostOnly: true,
    path: defaultPath(url.pathname),
    secure: false,
    httpOnly: false,
    expires: null,
  };
  let maxAgeSeen = false;
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? '' : attr.slice(i + 1).trim();
    if (key === 'domain' && val) {
      const domain = val.replace(/^\./, '').toLowerCase();
      const host = url.hostname.toLowerCase();
      if (host !== domain && !host.endsWith(`.${domain}`)) return null;
      cookie.domain = domain;
      cookie.hostOnly = false;
    } else if (key === 'path' && val.startsWith('/')) {
      cookie.path = val;
    } else if (key === 'secure') {
      cookie.secure = true;
    } else if (key === 'httponly') {
      cookie.httpOnly = true;
    } else if (key === 'max-age' && /^-?\d+$/.test(val)) {
      maxAgeSeen = true;
      cookie.expires = now + Number(val) * 1000;
    } else if (key === 'expires' && !maxAgeSeen) {
      const t = Date.parse(val);
      if (!Number.isNaN(t)) cookie.expires = t;
    }
  }
  return cookie;
}

/** Whether any jar of this thread has stored a cookie: until then no VU has a jar to reset. */
let anyStored = false;

export function cookiesStored(): boolean {
  return anyStored;
}

export class CookieJar {
  // Private (#): a script that logs its jar sees no cookies list, as on synchronous VUs.
  #cookies: Cookie[] = [];

  store(cookie: Cookie, now = Date.now()): void {
    anyStored = true;
    this.#cookies = this.#cookies.filter(
      (c) => !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path),
    );
    if (cookie.expires === null || cookie.expires > now) this.#cookies.push(cookie);
  }

  /** Stores the Set-Cookie headers of a response received from `url`. */
  storeResponse(url: URL, setCookies: string[]): void {
    for (const header of setCookies) {
      const cookie = parseSetCookie(header, url);
      if (cookie) this.store(cookie);
    }
  }

  /** True when the jar holds no cookie at all (expired ones included). */
  isEmpty(): boolean {
    return this.#cookies.length === 0;
  }

  /** Cookies to send to `url`, most specific path first (RFC 6265 §5.4). */
  matching(url: URL, now = Date.now()): Cookie[] {
    if (this.#cookies.length === 0) return [];
    const host = url.hostname.toLowerCase();
    const secure = url.protocol === 'https:';
    this.#cookies = this.#cookies.filter((c) => c.expires === null || c.expires > now);
    return this.#cookies
      .filter(
        (c) => domainMatches(c, host) && pathMatches(c.path, url.pathname || '/') && (!c.secure || secure),
      )
      .sort((a, b) => b.path.length - a.path.length);
  }

  // k6's CookieJar methods, as scripts call them.

  set(url: string, name: string, value: string, options: CookieOptions = {}): void {
    const u = new URL(url);
    const cookie: Cookie = {
      name,
      value: String(value),
      domain: (options.domain ?? u.hostname).replace(/^\./, '').toLowerCase(),
      hostOnly: options.domain === undefined,
      path: options.path ?? '/',
      secure: options.secure ?? false,
      httpOnly: options.http_only ?? false,
      expires: null,
    };
    if (options.max_age !== undefined) cookie.expires = Date.now() + options.max_age * 1000;
    else if (options.expires) cookie.expires = Date.parse(options.expires);
    this.store(cookie);
  }

  cookiesForURL(url: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const c of this.matching(new URL(url))) {
      out[c.name] ??= [];
      out[c.name].push(c.value);
    }
    return out;
  }

  delete(url: string, name: string): void {
    const u = new URL(url);
    const hit = new Set(this.matching(u).filter((c) => c.name === name));
    this.#cookies = this.#cookies.filter((c) => !hit.has(c));
  }

  clear(url: string): void {
    const hit = new Set(this.matching(new URL(url)));
    this.#cookies = this.#cookies.filter((c) => !hit.has(c));
  }
}
