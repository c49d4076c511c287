// The `k6/http` module for one VU: requests with k6's params, redirects, cookies, response
// callback, and the per-request samples (k6-facts §1.3, §1.4, §3.4).
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { parseDuration } from '../metrics/time.ts';
import { InterruptedError, type VU } from '../vu.ts';
import { encodeBody, FileData } from './body.ts';
import { Connection } from './connection.ts';
import { CookieJar } from './cookies.ts';
import { requestFailure } from './errors.ts';
import { DEFAULT_EXPECTED, ExpectedStatuses } from './expected-statuses.ts';
import { headerValues } from './headers.ts';
import { PendingResponse } from './pending.ts';
import { Response, type ResponseRequest, type ResponseType } from './response.ts';
import { type HopResult, sendHop } from './send.ts';

export interface Params {
  headers?: Record<string, string | number>;
  tags?: Record<string, string | number | boolean>;
  timeout?: string | number;
  redirects?: number;
  responseType?: ResponseType;
  responseCallback?: ExpectedStatuses | null;
  jar?: CookieJar | null;
  cookies?: Record<string, string | { value: string; replace?: boolean }>;
}

interface HttpState {
  connections: Map<string, Connection>;
  jar: CookieJar;
  callback: ExpectedStatuses | null;
  /** Parsed request URLs by their text: scripts request the same few URLs over and over. */
  urls: Map<string, URL>;
  tagCache: Map<string, Record<string, string>>;
  tagBase: Record<string, string> | null;
}

/** What `http.url\`...\`` gives: a URL whose name tag is the template, not the filled-in value. */
export class TaggedURL {
  constructor(
    readonly url: string,
    readonly name: string,
  ) {}
  toString(): string {
    return this.url;
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function stateOf(vu: VU): HttpState {
  let s = vu.httpState as HttpState | undefined;
  if (!s) {
    s = {
      connections: new Map(),
      jar: new CookieJar(),
      callback: DEFAULT_EXPECTED,
      urls: new Map(),
      tagCache: new Map(),
      tagBase: null,
    };
    vu.httpState = s;
  }
  return s;
}

/** Closes a VU's connections at the end of the test. */
export async function closeConnections(vu: VU): Promise<void> {
  const s = vu.httpState as HttpState | undefined;
  if (!s) return;
  await Promise.all([...s.connections.values()].map((c) => c.close()));
  s.connections.clear();
}

function maskedURL(u: URL): string {
  if (!u.username && !u.password) return u.href;
  const copy = new URL(u.href);
  copy.username = u.username ? '****' : '';
  copy.password = u.password ? '****' : '';
  return copy.href;
}

function tlsOptionsFor(vu: VU, host: string) {
  const settings = vu.test.http;
  const auth = settings.tlsAuth.find((a) => !a.domains || a.domains.length === 0 || a.domains.includes(host));
  return {
    rejectUnauthorized: !settings.insecureSkipTLSVerify,
    ca: settings.ca,
    cert: auth?.cert,
    key: auth?.key,
    passphrase: auth?.password,
  };
}

function connectionFor(vu: VU, state: HttpState, url: URL): Connection {
  const key = `${url.protocol}//${url.host}`;
  let conn = state.connections.get(key);
  if (!conn) {
    conn = new Connection(url.origin, tlsOptionsFor(vu, url.hostname));
    state.connections.set(key, conn);
  }
  return conn;
}

const URL_CACHE_SIZE = 1024;

function parseURL(state: HttpState, text: string): URL {
  let url = state.urls.get(text);
  if (!url) {
    url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`unsupported protocol ${url.protocol}`);
    if (state.urls.size >= URL_CACHE_SIZE) state.urls.clear();
    state.urls.set(text, url);
  }
  return url;
}

function decodeBody(raw: Buffer[], body: Buffer): Buffer {
  if (body.length === 0) return body;
  const encoding = headerValues(raw, 'content-encoding')[0]?.toLowerCase();
  if (!encoding || encoding === 'identity') return body;
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(body);
    if (encoding === 'deflate') return inflateSync(body);
    if (encoding === 'br') return brotliDecompressSync(body);
  } catch {
    return body;
  }
  return body;
}

export function createHttp(vu: VU) {
  const settings = vu.test.http;

  async function send(
    method: string,
    target: unknown,
    body: unknown,
    params: Params = {},
  ): Promise<Response> {
    const state = stateOf(vu);
    method = method.toUpperCase();
    const userName = target instanceof TaggedURL ? target.name : params.tags?.name?.toString();
    let url: URL;
    try {
      url = parseURL(state, String(target));
    } catch (err) {
      const message = `invalid URL ${JSON.stringify(String(target))}: ${(err as Error).message}`;
      if (settings.throw) throw new Error(message);
      vu.test.log('warn', `Request Failed: ${message}`);
      return failedBeforeSending(method, String(target), message);
    }
    const timeoutMs = params.timeout === undefined ? 60_000 : parseDuration(params.timeout, 'params.timeout');
    const maxRedirects = params.redirects ?? settings.maxRedirects;
    const responseType: ResponseType =
      params.responseType ?? (settings.discardResponseBodies ? 'none' : 'text');
    const callback = params.responseCallback === undefined ? state.callback : params.responseCallback;
    const jar = params.jar === undefined ? state.jar : params.jar;
    let encoded = encodeBody(body);
    const userHeaders: Array<[string, string]> = [];
    let hasUserAgent = false;
    let hasContentType = false;
    if (params.headers) {
      for (const [k, v] of Object.entries(params.headers)) {
        const lower = k.toLowerCase();
        if (lower === 'user-agent') hasUserAgent = true;
        if (lower === 'content-type') hasContentType = true;
        userHeaders.push([k, String(v)]);
      }
    }

    for (let hop = 0; ; hop++) {
      const headers: string[] = [];
      for (const [k, v] of userHeaders) headers.push(k, v);
      if (!hasUserAgent && settings.userAgent) headers.push('User-Agent', settings.userAgent);
      if (encoded.contentType && !hasContentType) headers.push('Content-Type', encoded.contentType);
      if (url.username || url.password) {
        const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
        headers.push('Authorization', `Basic ${basic.toString('base64')}`);
      }
      const cookieHeader = cookiesFor(jar, url, hop === 0 ? params.cookies : undefined);
      if (cookieHeader) headers.push('Cookie', cookieHeader);

      const conn = connectionFor(vu, state, url);
      const result = await sendHop(conn, {
        method,
        path: `${url.pathname}${url.search}`,
        headers,
        body: encoded.bytes,
        timeoutMs,
        onInterrupt: (cancel) => vu.onInterrupt(cancel),
      });
      vu.bytesSent += result.bytesSent;
      vu.bytesReceived += result.bytesReceived;
      if (vu.interrupted) throw new InterruptedError();

      const masked = maskedURL(url);
      let error = '';
      let errorCode = 0;
      if (result.error) {
        const failure = requestFailure(result.error, url.host, method, masked);
        error = failure.error;
        errorCode = failure.code;
      } else if (result.status >= 400) {
        errorCode = 1000 + result.status;
      }
      if (!result.error && jar) {
        const setCookies = headerValues(result.rawHeaders, 'set-cookie');
        if (setCookies.length > 0) jar.storeResponse(url, setCookies);
      }
      const expected = callback ? callback.expects(result.status) : null;
      emitRequestSamples(vu, state, result, {
        method,
        url: userName ?? masked,
        name: userName ?? masked,
        status: result.status,
        error,
        errorCode,
        expected,
        userTags: params.tags,
      });

      const location = result.error ? undefined : headerValues(result.rawHeaders, 'location')[0];
      if (REDIRECTS.has(result.status) && location !== undefined && hop < maxRedirects) {
        const next = new URL(location, url);
        if (
          result.status === 303 ||
          ((result.status === 301 || result.status === 302) && method === 'POST')
        ) {
          if (method !== 'HEAD') method = 'GET';
          encoded = { bytes: null, contentType: null };
        }
        url = next;
        continue;
      }

      const request: ResponseRequest = {
        method,
        url: masked,
        headers: requestHeaders(headers),
        body: encoded.bytes ? encoded.bytes.toString('utf8') : '',
        cookies: {},
      };
      if (REDIRECTS.has(result.status) && location !== undefined && maxRedirects > 0 && hop >= maxRedirects) {
        error = `stopped after ${maxRedirects} redirects`;
        vu.test.log(
          'warn',
          `Stopped after ${maxRedirects} redirects and returned the redirection; url=${masked}`,
        );
      }
      if (result.error && settings.throw) throw new Error(error);
      if (result.error) vu.test.log('warn', `Request Failed error="${error}"`);
      return new Response({
        status: result.status,
        statusText: result.statusText,
        rawHeaders: result.rawHeaders,
        bodyBytes: result.error ? null : decodeBody(result.rawHeaders, result.body),
        responseType,
        url: url.href,
        timings: result.timings,
        error,
        errorCode,
        tlsVersion: result.tlsVersion,
        remoteIp: result.remoteAddress,
        remotePort: result.remotePort,
        request,
      });
    }
  }

  function failedBeforeSending(method: string, url: string, message: string): Response {
    const zero = {
      blocked: 0,
      connecting: 0,
      tls_handshaking: 0,
      sending: 0,
      waiting: 0,
      receiving: 0,
      duration: 0,
    };
    return new Response({
      status: 0,
      statusText: '',
      rawHeaders: [],
      bodyBytes: null,
      responseType: 'none',
      url,
      timings: zero,
      error: message,
      errorCode: 1020,
      tlsVersion: '',
      remoteIp: '',
      remotePort: 0,
      request: { method, url, headers: {}, body: '', cookies: {} },
    });
  }

  const pending = (p: Promise<Response>): PendingResponse<Response> =>
    PendingResponse.resolve(p) as PendingResponse<Response>;

  const http = {
    asyncRequest: (method: string, url: unknown, body?: unknown, params?: Params) =>
      send(method, url, body, params),
    request: (method: string, url: unknown, body?: unknown, params?: Params) =>
      pending(send(method, url, body, params)),
    get: (url: unknown, params?: Params) => pending(send('GET', url, null, params)),
    head: (url: unknown, params?: Params) => pending(send('HEAD', url, null, params)),
    post: (url: unknown, body?: unknown, params?: Params) => pending(send('POST', url, body, params)),
    put: (url: unknown, body?: unknown, params?: Params) => pending(send('PUT', url, body, params)),
    patch: (url: unknown, body?: unknown, params?: Params) => pending(send('PATCH', url, body, params)),
    del: (url: unknown, body?: unknown, params?: Params) => pending(send('DELETE', url, body, params)),
    options: (url: unknown, body?: unknown, params?: Params) => pending(send('OPTIONS', url, body, params)),
    batch(requests: unknown[] | Record<string, unknown>): Promise<unknown> {
      const one = (r: unknown): Promise<Response> => {
        if (typeof r === 'string' || r instanceof TaggedURL) return send('GET', r, null);
        if (Array.isArray(r)) return send(String(r[0]), r[1], r[2], r[3] as Params);
        const o = r as { method?: string; url: unknown; body?: unknown; params?: Params };
        return send(o.method ?? 'GET', o.url, o.body, o.params);
      };
      if (Array.isArray(requests)) return Promise.all(requests.map(one));
      const keys = Object.keys(requests);
      return Promise.all(keys.map((k) => one(requests[k]))).then((rs) =>
        Object.fromEntries(rs.map((r, i) => [keys[i], r])),
      );
    },
    file: (data: string | ArrayBuffer, filename = 'file', contentType = 'application/octet-stream') =>
      new FileData(data, filename, contentType),
    cookieJar: () => stateOf(vu).jar,
    CookieJar,
    expectedStatuses: (...args: Array<number | { min: number; max: number }>) => new ExpectedStatuses(args),
    setResponseCallback(callback: ExpectedStatuses | null): void {
      if (callback !== null && !(callback instanceof ExpectedStatuses)) {
        throw new Error('setResponseCallback() takes http.expectedStatuses(...) or null.');
      }
      stateOf(vu).callback = callback;
    },
    url(strings: TemplateStringsArray, ...values: unknown[]): TaggedURL {
      let url = '';
      let name = '';
      strings.forEach((s, i) => {
        url += s;
        name += s;
        if (i < values.length) {
          url += String(values[i]);
          // biome-ignore lint/suspicious/noTemplateCurlyInString: k6 names templated URLs with a literal ${}
          name += '${}';
        }
      });
      return new TaggedURL(url, name);
    },
    TLS_1_0: 'tls1.0',
    TLS_1_1: 'tls1.1',
    TLS_1_2: 'tls1.2',
    TLS_1_3: 'tls1.3',
    OCSP_STATUS_GOOD: 'good',
    OCSP_STATUS_REVOKED: 'revoked',
    OCSP_STATUS_UNKNOWN: 'unknown',
  };
  return http;
}

function cookiesFor(jar: CookieJar | null, url: URL, extra: Params['cookies']): string {
  const pairs = new Map<string, string>();
  if (jar) for (const c of jar.matching(url)) if (!pairs.has(c.name)) pairs.set(c.name, c.value);
  if (extra) {
    for (const [name, v] of Object.entries(extra)) {
      const value = typeof v === 'object' ? v.value : String(v);
      const replace = typeof v === 'object' ? v.replace === true : false;
      if (replace || !pairs.has(name)) pairs.set(name, value);
    }
  }
  let out = '';
  for (const [k, v] of pairs) out += `${out ? '; ' : ''}${k}=${v}`;
  return out;
}

function requestHeaders(flat: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < flat.length; i += 2) {
    out[flat[i]] ??= [];
    out[flat[i]].push(flat[i + 1]);
  }
  return out;
}

interface RequestTags {
  method: string;
  url: string;
  name: string;
  status: number;
  error: string;
  errorCode: number;
  expected: boolean | null;
  userTags: Params['tags'];
}

/** Tag sets are shared by all samples of a request and reused across requests with the same values. */
const TAG_CACHE_SIZE = 256;

function requestTags(vu: VU, state: HttpState, tlsVersion: string, t: RequestTags): Record<string, string> {
  const base = vu.sampleTags();
  let key = '';
  if (!t.userTags && !t.error) {
    key = `${t.method} ${t.status} ${t.expected} ${tlsVersion} ${t.url} ${t.name}`;
    if (state.tagBase === base) {
      const hit = state.tagCache.get(key);
      if (hit) return hit;
    } else {
      state.tagBase = base;
      state.tagCache.clear();
    }
  }
  const tags: Record<string, string> = { ...base };
  if (t.status !== 0) tags.proto = 'HTTP/1.1';
  tags.status = String(t.status);
  tags.method = t.method;
  tags.url = t.url;
  tags.name = t.name;
  if (t.expected !== null) tags.expected_response = t.expected ? 'true' : 'false';
  if (tlsVersion) tags.tls_version = tlsVersion;
  if (t.error) tags.error = t.error;
  if (t.errorCode) tags.error_code = String(t.errorCode);
  if (t.userTags) for (const k in t.userTags) tags[k] = String(t.userTags[k]);
  if (key) {
    if (state.tagCache.size >= TAG_CACHE_SIZE) state.tagCache.clear();
    state.tagCache.set(key, tags);
  }
  return tags;
}

function emitRequestSamples(vu: VU, state: HttpState, result: HopResult, t: RequestTags): void {
  const tags = requestTags(vu, state, result.tlsVersion, t);
  const time = result.endTime;
  const tm = result.timings;
  const test = vu.test;
  test.emit({ metric: 'http_reqs', time, value: 1, tags });
  test.emit({ metric: 'http_req_duration', time, value: tm.duration, tags });
  test.emit({ metric: 'http_req_blocked', time, value: tm.blocked, tags });
  test.emit({ metric: 'http_req_connecting', time, value: tm.connecting, tags });
  test.emit({ metric: 'http_req_tls_handshaking', time, value: tm.tls_handshaking, tags });
  test.emit({ metric: 'http_req_sending', time, value: tm.sending, tags });
  test.emit({ metric: 'http_req_waiting', time, value: tm.waiting, tags });
  test.emit({ metric: 'http_req_receiving', time, value: tm.receiving, tags });
  if (t.expected !== null) test.emit({ metric: 'http_req_failed', time, value: t.expected ? 0 : 1, tags });
  test.countRequest(t.expected === false || t.status === 0);
}
