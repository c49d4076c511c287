// Where a VU's connection to an origin really goes, worked out once per connection: the `hosts`
// option (k6's DNS overrides, `*.` wildcards, optional ports), the proxy from the environment
// (HTTP_PROXY / HTTPS_PROXY / NO_PROXY, upper or lower case, with the rules of Go's
// http.ProxyFromEnvironment that k6 uses), `blockHostnames` and `blacklistIPs`. When none of them is set the
// engine never calls in here, so ordinary requests pay nothing for it.
import { BlockList, isIP } from 'node:net';

/** How one origin is reached; `null` from `Routing.route` means directly, as written. */
export interface Route {
  /** The host and port the socket connects to: the origin's, a `hosts` entry's, or the proxy's. */
  dialHost: string;
  dialPort: number;
  /** An http:// request through a proxy: the request line carries the absolute URL. */
  absoluteForm: boolean;
  /** An https:// origin through a proxy: `host:port` asked for with CONNECT before TLS. */
  tunnel: string | null;
  /** `Basic …` for a proxy URL with credentials, else ''. */
  proxyAuthorization: string;
  /** The blockHostnames pattern that matches the host being dialled, if any. */
  blockedBy: string | null;
  /** blacklistIPs: the range an address is in, or null; null when no ranges are set. */
  blacklisted: ((ip: string) => string | null) | null;
}

interface Proxy {
  host: string;
  port: number;
  authorization: string;
}

interface NoProxyName {
  /** Lower-case suffix with a leading dot. */
  suffix: string;
  /** Also matches the name itself (entries written without a leading dot). */
  exact: boolean;
  port: string;
}

/** Go's proxy settings from an environment: which proxy for http and https, and what bypasses them. */
export interface ProxyEnv {
  http: Proxy | null;
  https: Proxy | null;
  /** NO_PROXY=* : nothing goes through a proxy. */
  all: boolean;
  names: NoProxyName[];
  ips: BlockList;
  ipPorts: Array<{ ip: string; port: string }>;
}

const pick = (env: NodeJS.ProcessEnv, upper: string): string => env[upper] || env[upper.toLowerCase()] || '';

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/** A proxy URL as Go reads it: a missing scheme means http://; only http:// proxies are supported here. */
function parseProxy(value: string, variable: string): Proxy {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new Error(`${variable}="${value}" is not a proxy URL.`);
  }
  if (url.protocol !== 'http:') {
    throw new Error(
      `${variable} uses a ${url.protocol.slice(0, -1)}:// proxy; the node engine reaches proxies over http:// only — run this script with the k6 binary (--engine k6).`,
    );
  }
  let authorization = '';
  if (url.username || url.password) {
    const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || 80, authorization };
}

/** The proxy settings of `env` (the process environment); null when no proxy is set. */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxyEnv | null {
  const httpValue = pick(env, 'HTTP_PROXY');
  const httpsValue = pick(env, 'HTTPS_PROXY');
  // Go ignores HTTP_PROXY in a CGI request (REQUEST_METHOD set): the header Proxy: could set it.
  const http = httpValue && !env.REQUEST_METHOD ? parseProxy(httpValue, 'HTTP_PROXY') : null;
  const https = httpsValue ? parseProxy(httpsValue, 'HTTPS_PROXY') : null;
  if (!http && !https) return null;
  const settings: ProxyEnv = { http, https, all: false, names: [], ips: new BlockList(), ipPorts: [] };
  for (const raw of pick(env, 'NO_PROXY').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') {
      settings.all = true;
      continue;
    }
    const slash = entry.indexOf('/');
    if (slash > 0 && isIP(entry.slice(0, slash))) {
      const family = isIP(entry.slice(0, slash)) === 6 ? 'ipv6' : 'ipv4';
      settings.ips.addSubnet(entry.slice(0, slash), Number(entry.slice(slash + 1)), family);
      continue;
    }
    const { host, port } = splitHostPort(entry);
    if (isIP(host)) {
      settings.ipPorts.push({ ip: host, port });
      continue;
    }
    const name = host.startsWith('*.') ? host.slice(1) : host;
    settings.names.push({
      suffix: name.startsWith('.') ? name : `.${name}`,
      exact: !name.startsWith('.'),
      port,
    });
  }
  return settings;
}

function splitHostPort(text: string): { host: string; port: string } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) return { host: bracket[1], port: bracket[2] ?? '' };
  const colon = text.lastIndexOf(':');
  if (colon > 0 && text.indexOf(':') === colon && /^\d+$/.test(text.slice(colon + 1)))
    return { host: text.slice(0, colon), port: text.slice(colon + 1) };
  return { host: text, port: '' };
}

function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 4) return host.startsWith('127.');
  if (family === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** Go's useProxy: localhost and loopback addresses never, then the NO_PROXY rules. */
function useProxy(p: ProxyEnv, host: string, port: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || isLoopback(h)) return false;
  if (p.all) return false;
  const family = isIP(h);
  if (family) {
    if (p.ips.check(h, family === 6 ? 'ipv6' : 'ipv4')) return false;
    return !p.ipPorts.some((e) => e.ip === h && (e.port === '' || e.port === port));
  }
  for (const n of p.names) {
    if (n.port !== '' && n.port !== port) continue;
    if (h.endsWith(n.suffix) || (n.exact && h === n.suffix.slice(1))) return false;
  }
  return true;
}

/** The `hosts` option compiled: exact names (with or without port) and `*.` wildcards. */
class Hosts {
  private readonly exact = new Map<string, string>();
  private readonly wildcards: Array<{ suffix: string; port: string; to: string }> = [];

  constructor(hosts: Record<string, string>) {
    for (const [name, to] of Object.entries(hosts)) {
      const lower = name.toLowerCase();
      if (lower.startsWith('*.')) {
        const { host, port } = splitHostPort(lower.slice(1));
        this.wildcards.push({ suffix: host, port, to });
      } else {
        this.exact.set(lower, to);
      }
    }
    // The most specific wildcard first.
    this.wildcards.sort((a, b) => b.suffix.length - a.suffix.length || b.port.length - a.port.length);
  }

  /** The address `host:port` is sent to instead, or null. */
  lookup(host: string, port: number): { host: string; port: number } | null {
    const h = host.toLowerCase();
    const to =
      this.exact.get(`${h}:${port}`) ??
      this.exact.get(h) ??
      this.wildcards.find((w) => h.endsWith(w.suffix) && (w.port === '' || w.port === String(port)))?.to;
    if (to === undefined) return null;
    const { host: toHost, port: toPort } = splitHostPort(to);
    return { host: toHost, port: toPort ? Number(toPort) : port };
  }
}

/** blockHostnames: exact names and `*.` patterns (k6: one leading `*` matches any prefix). */
function blockedBy(patterns: string[], host: string): string | null {
  const h = host.toLowerCase();
  for (const p of patterns) {
    const lower = p.toLowerCase();
    if (lower.startsWith('*') ? h.endsWith(lower.slice(1)) : h === lower) return p;
  }
  return null;
}

export interface RoutingOptions {
  hosts?: Record<string, string>;
  proxy?: ProxyEnv | null;
  blockHostnames?: string[];
  /** CIDR ranges (k6's blacklistIPs). */
  blacklistIPs?: string[];
}

/** blacklistIPs compiled: each range with its text, for k6's error message. */
function blacklist(ranges: string[]): (ip: string) => string | null {
  const lists = ranges.map((text) => {
    const [address, bits] = text.split('/');
    const family = isIP(address);
    if (!family || !/^\d+$/.test(bits ?? ''))
      throw new Error(`blacklistIPs: "${text}" is not an IP range in CIDR form (e.g. 10.0.0.0/8).`);
    const list = new BlockList();
    list.addSubnet(address, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
    return { text, list, type: family === 6 ? ('ipv6' as const) : ('ipv4' as const) };
  });
  return (ip) => {
    const family = isIP(ip);
    if (!family) return null;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    return lists.find((l) => l.type === type && l.list.check(ip, type))?.text ?? null;
  };
}

export class Routing {
  private readonly hosts: Hosts | null;
  private readonly proxy: ProxyEnv | null;
  private readonly block: string[];
  private readonly blacklisted: ((ip: string) => string | null) | null;

  constructor(o: RoutingOptions) {
    this.hosts = o.hosts && Object.keys(o.hosts).length > 0 ? new Hosts(o.hosts) : null;
    this.proxy = o.proxy ?? null;
    this.block = o.blockHostnames ?? [];
    this.blacklisted = o.blacklistIPs && o.blacklistIPs.length > 0 ? blacklist(o.blacklistIPs) : null;
  }

  /** Null when nothing is configured: callers then skip routing altogether. */
  static of(o: RoutingOptions): Routing | null {
    const r = new Routing(o);
    return r.hosts || r.proxy || r.block.length > 0 || r.blacklisted ? r : null;
  }

  route(url: URL): Route {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port) || defaultPort(url.protocol);
    const proxy = this.proxy ? (url.protocol === 'https:' ? this.proxy.https : this.proxy.http) : null;
    const viaProxy = proxy !== null && useProxy(this.proxy as ProxyEnv, host, String(port));
    // k6 resolves (hosts, blockHostnames) the name it dials: the proxy's when there is one.
    const dialName = viaProxy ? (proxy as Proxy).host : host;
    const dialPort = viaProxy ? (proxy as Proxy).port : port;
    const mapped = this.hosts?.lookup(dialName, dialPort) ?? null;
    return {
      dialHost: mapped?.host ?? dialName,
      dialPort: mapped?.port ?? dialPort,
      absoluteForm: viaProxy && url.protocol === 'http:',
      tunnel: viaProxy && url.protocol === 'https:' ? (url.port ? url.host : `${url.host}:${port}`) : null,
      proxyAuthorization: viaProxy ? (proxy as Proxy).authorization : '',
      blockedBy: this.block.length > 0 ? blockedBy(this.block, dialName) : null,
      blacklisted: this.blacklisted,
    };
  }
}
