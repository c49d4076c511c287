// The http module's settings from the script's options: TLS trust and client certificates, user
// agent, redirects, body handling, connection reuse, where connections go (hosts, the
// environment's proxy, blockHostnames), debugging.
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { proxyFromEnv, Routing } from './http/route.ts';
import type { HttpSettings } from './http/settings.ts';

export const ENGINE_VERSION = '0.1.0';

export function defaultHttpSettings(): HttpSettings {
  return {
    insecureSkipTLSVerify: false,
    ca: undefined,
    tlsAuth: [],
    tlsMinVersion: undefined,
    tlsMaxVersion: undefined,
    userAgent: `connect-perf-engine/${ENGINE_VERSION} (k6-compatible; https://k6.io/)`,
    maxRedirects: 10,
    maxRedirectsSet: false,
    discardResponseBodies: false,
    throw: false,
    routing: null,
    noConnectionReuse: false,
    noVUConnectionReuse: false,
    noCookiesReset: false,
    httpDebug: '',
    batch: 20,
    batchPerHost: 6,
    systemTags: null,
  };
}

const TLS_VERSIONS = {
  'tls1.0': 'TLSv1',
  'tls1.1': 'TLSv1.1',
  'tls1.2': 'TLSv1.2',
  'tls1.3': 'TLSv1.3',
} as const;

/** k6's tlsVersion: one version (`http.TLS_1_2`) or `{ min, max }`; checked in options.ts. */
function tlsVersions(v: unknown): Pick<HttpSettings, 'tlsMinVersion' | 'tlsMaxVersion'> {
  const node = (x: unknown) => TLS_VERSIONS[x as keyof typeof TLS_VERSIONS];
  if (typeof v === 'string') return { tlsMinVersion: node(v), tlsMaxVersion: node(v) };
  if (v && typeof v === 'object') {
    const { min, max } = v as { min?: unknown; max?: unknown };
    return { tlsMinVersion: node(min), tlsMaxVersion: node(max) };
  }
  return { tlsMinVersion: undefined, tlsMaxVersion: undefined };
}

function httpDebugOf(value: unknown): HttpSettings['httpDebug'] {
  if (value === 'full') return 'full';
  return value === 'headers' || value === true ? 'headers' : '';
}

/**
 * Settings for `o` (merged options); NODE_EXTRA_CA_CERTS from the process or `-e` is trusted too.
 * The proxy comes from the process environment, as k6 (Go) takes it.
 */
export function httpSettings(o: Record<string, unknown>, env: Record<string, string>): HttpSettings {
  const extra: string[] = [];
  for (const caFile of new Set([process.env.NODE_EXTRA_CA_CERTS, env.NODE_EXTRA_CA_CERTS])) {
    if (caFile && existsSync(caFile)) extra.push(readFileSync(caFile, 'utf8'));
  }
  const settings = defaultHttpSettings();
  return {
    ...settings,
    insecureSkipTLSVerify: o.insecureSkipTLSVerify === true,
    ca: extra.length > 0 ? [...rootCertificates, ...extra] : undefined,
    tlsAuth: Array.isArray(o.tlsAuth) ? o.tlsAuth : [],
    ...tlsVersions(o.tlsVersion),
    maxRedirects: typeof o.maxRedirects === 'number' ? o.maxRedirects : 10,
    maxRedirectsSet: typeof o.maxRedirects === 'number',
    discardResponseBodies: o.discardResponseBodies === true,
    throw: o.throw === true,
    userAgent: typeof o.userAgent === 'string' ? o.userAgent : settings.userAgent,
    routing: Routing.of({
      hosts: o.hosts as Record<string, string> | undefined,
      proxy: proxyFromEnv(process.env),
      blockHostnames: Array.isArray(o.blockHostnames) ? o.blockHostnames.map(String) : [],
      blacklistIPs: Array.isArray(o.blacklistIPs) ? o.blacklistIPs.map(String) : [],
    }),
    noConnectionReuse: o.noConnectionReuse === true,
    noVUConnectionReuse: o.noVUConnectionReuse === true,
    noCookiesReset: o.noCookiesReset === true,
    httpDebug: httpDebugOf(o.httpDebug),
    batch: typeof o.batch === 'number' && o.batch > 0 ? o.batch : settings.batch,
    systemTags: Array.isArray(o.systemTags) ? new Set(o.systemTags.map(String)) : null,
    batchPerHost:
      typeof o.batchPerHost === 'number' && o.batchPerHost >= 0
        ? o.batchPerHost || Number.POSITIVE_INFINITY
        : settings.batchPerHost,
  };
}
