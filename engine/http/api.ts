// The `k6/http` module for one VU: requests with k6's params, redirects, cookies, response
// callback, and the per-request samples (k6-facts §1.3, §1.4, §3.4).
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { RequestSamples } from '../metrics/sample-groups.ts';
import { parseDuration } from '../metrics/time.ts';
import { InterruptedError, type VU } from '../vu.ts';
import { type EncodedBody, encodeBody, FileData } from './body.ts';
import { Connection } from './connection.ts';
import { CookieJar } from './cookies.ts';
import { digestAuthorization, digestChallenge } from './digest.ts';
import { requestFailure } from './errors.ts';
import { DEFAULT_EXPECTED, ExpectedStatuses } from './expected-statuses.ts';
import { headerValues } from './headers.ts';
import { PendingResponse } from './pending.ts';
import { Response, type ResponseRequest, type ResponseType } from './response.ts';
import type { ResponseHead } from './response-head.ts';
import { type HopResult, sendHop, ZERO_TIMINGS } from './send.ts';

export interface Params {
  /** 'basic' (the default for credentials in the URL) or 'digest'. */
  auth?: string;
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
  urls: Map<string, Target>;
  tagCache: Map<string, Record<string, string>>;
  tagBase: Record<string, string> | null;
  lastTags: LastTags | null;
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
      lastTags: null,
    };
    vu.httpState = s;
    const connections = s.connections;
    vu.interruptRequests = (err) => {
      for (const conn of connections.values()) conn.cancelAll(err);
    };
  }
  return s;
}

/** Closes a VU's connections at the end of the test. */
export async function closeConnections(vu: VU): Promise<void> {
  const s = vu.httpState as HttpState | undefined;
  if (!s) return;
  await Promise.all([...s.connections.values()].map((c) => c.close()));
  s.connections.clear();
  s.urls.clear();
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

/** A request URL with the parts every request needs, worked out once (URL getters allocate). */
interface Target {
  url: URL;
  href: string;
  /** Path and query, as in the request line. */
  path: string;
  /** `href` with credentials masked as k6 shows it in tags and errors. */
  masked: string;
  /** The Authorization header for credentials in the URL, or ''. */
  authorization: string;
  connection: Connection | null;
}

function targetOf(url: URL): Target {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`unsupported protocol ${url.protocol}`);
  let authorization = '';
  if (url.username || url.password) {
    const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
    authorization = `Basic ${basic.toString('base64')}`;
  }
  return {
    url,
    href: url.href,
    path: `${url.pathname}${url.search}`,
    masked: maskedURL(url),
    authorization,
    connection: null,
  };
}

function connectionFor(vu: VU, state: HttpState, target: Target): Connection {
  if (target.connection !== null) return target.connection;
  const url = target.url;
  const key = `${url.protocol}//${url.host}`;
  let conn = state.connections.get(key);
  if (!conn) {
    conn = new Connection(url.origin, tlsOptionsFor(vu, url.hostname));
    state.connections.set(key, conn);
  }
  target.connection = conn;
  return conn;
}

const URL_CACHE_SIZE = 1024;

function parseURL(state: HttpState, text: string): Target {
  let target = state.urls.get(text);
  if (!target) {
    target = targetOf(new URL(text));
    if (state.urls.size >= URL_CACHE_SIZE) state.urls.clear();
    state.urls.set(text, target);
  }
  return target;
}

function decodeBody(head: ResponseHead, body: Buffer): Buffer {
  if (body.length === 0) return body;
  const encoding = head.contentEncoding?.toLowerCase();
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

  /** One call of http.request() & co.: its settings, then one hop per redirect until the response. */
  interface Call {
    state: HttpState;
    method: string;
    target: Target;
    userName: string | undefined;
    params: Params;
    timeoutMs: number;
    maxRedirects: number;
    responseType: ResponseType;
    callback: ExpectedStatuses | null;
    jar: CookieJar | null;
    encoded: EncodedBody;
    userHeaders: string[];
    hasUserAgent: boolean;
    hasContentType: boolean;
    hop: number;
    headers: string[];
    digest: boolean;
    /** The VU's tags when the request was made: its group, even when the answer comes after the group ended. */
    baseTags: Record<string, string>;
    /** The Digest Authorization answering the server's challenge, once it came. */
    digestAuthorization: string | null;
    resolve: (r: Response) => void;
    reject: (err: unknown) => void;
  }

  const NO_PARAMS: Params = {};

  /** Starts a request; the response (or the error k6 would throw) is handed to resolve/reject. */
  function send(
    method: string,
    target: unknown,
    body: unknown,
    params: Params | undefined,
    resolve: (r: Response) => void,
    reject: (err: unknown) => void,
  ): void {
    try {
      const call = prepare(method, target, body, params ?? NO_PARAMS, resolve, reject);
      if (call) sendNextHop(call);
    } catch (err) {
      reject(err);
    }
  }

  function prepare(
    rawMethod: string,
    target: unknown,
    body: unknown,
    params: Params,
    resolve: (r: Response) => void,
    reject: (err: unknown) => void,
  ): Call | null {
    const state = stateOf(vu);
    const method = rawMethod.toUpperCase();
    const userName = target instanceof TaggedURL ? target.name : params.tags?.name?.toString();
    let parsed: Target;
    try {
      parsed = parseURL(state, String(target));
    } catch (err) {
      const message = `invalid URL ${JSON.stringify(String(target))}: ${(err as Error).message}`;
      if (settings.throw) throw new Error(message);
      vu.test.log('warn', `Request Failed: ${message}`);
      resolve(failedBeforeSending(method, String(target), message));
      return null;
    }
    const digest = authMethod(params.auth) === 'digest';
    const timeoutMs = params.timeout === undefined ? 60_000 : parseDuration(params.timeout, 'params.timeout');
    const userHeaders: string[] = [];
    let hasUserAgent = false;
    let hasContentType = false;
    if (params.headers) {
      for (const [k, v] of Object.entries(params.headers)) {
        const lower = k.toLowerCase();
        if (lower === 'user-agent') hasUserAgent = true;
        if (lower === 'content-type') hasContentType = true;
        userHeaders.push(k, String(v));
      }
    }
    return {
      state,
      method,
      target: parsed,
      userName,
      params,
      timeoutMs,
      maxRedirects: params.redirects ?? settings.maxRedirects,
      responseType: params.responseType ?? (settings.discardResponseBodies ? 'none' : 'text'),
      callback: params.responseCallback === undefined ? state.callback : params.responseCallback,
      jar: params.jar === undefined ? state.jar : params.jar,
      encoded: encodeBody(body),
      userHeaders,
      hasUserAgent,
      hasContentType,
      hop: 0,
      headers: userHeaders,
      digest,
      baseTags: vu.sampleTags(),
      digestAuthorization: null,
      resolve,
      reject,
    };
  }

  function sendNextHop(call: Call): void {
    if (vu.interrupted) throw new InterruptedError();
    const target = call.target;
    const headers = call.userHeaders.slice();
    if (!call.hasUserAgent && settings.userAgent) headers.push('User-Agent', settings.userAgent);
    if (call.encoded.contentType && !call.hasContentType)
      headers.push('Content-Type', call.encoded.contentType);
    if (call.digestAuthorization) headers.push('Authorization', call.digestAuthorization);
    else if (target.authorization && !call.digest) headers.push('Authorization', target.authorization);
    const cookieHeader = cookiesFor(call.jar, target.url, call.hop === 0 ? call.params.cookies : undefined);
    if (cookieHeader) headers.push('Cookie', cookieHeader);
    call.headers = headers;
    const conn = connectionFor(vu, call.state, target);
    sendHop(
      conn,
      {
        method: call.method,
        path: target.path,
        headers,
        body: call.encoded.bytes,
        timeoutMs: call.timeoutMs,
      },
      call,
      hopDone,
    );
  }

  function hopDone(call: Call, result: HopResult): void {
    try {
      const response = afterHop(call, result);
      if (response) call.resolve(response);
    } catch (err) {
      call.reject(err);
    }
  }

  /** Records the hop; returns the response, or null when a redirect was followed. */
  function afterHop(call: Call, result: HopResult): Response | null {
    vu.bytesSent += result.bytesSent;
    vu.bytesReceived += result.bytesReceived;
    if (vu.interrupted) throw new InterruptedError();
    const { method, target, jar, callback, maxRedirects, state } = call;
    const url = target.url;
    const masked = target.masked;
    let error = '';
    let errorCode = 0;
    if (result.error) {
      const failure = requestFailure(result.error, url.host, method, masked);
      error = failure.error;
      errorCode = failure.code;
    } else if (result.status >= 400) {
      errorCode = 1000 + result.status;
    }
    const head = result.error ? null : result.head;
    if (head?.hasSetCookie && jar) {
      jar.storeResponse(url, headerValues(head.raw, 'set-cookie'));
    }
    const challenge =
      call.digest && result.status === 401 && head && call.digestAuthorization === null
        ? digestChallenge(headerValues(head.raw, 'www-authenticate'))
        : null;
    // k6 counts the challenge of a digest exchange as an expected response.
    const expected = callback ? challenge !== null || callback.expects(result.status) : null;
    const name = call.userName ?? masked;
    emitRequestSamples(
      vu,
      state,
      call.baseTags,
      result,
      method,
      name,
      error,
      errorCode,
      expected,
      call.params.tags,
    );
    if (challenge) {
      call.digestAuthorization = digestAuthorization(
        challenge,
        decodeURIComponent(url.username),
        decodeURIComponent(url.password),
        method,
        target.path,
      );
      sendNextHop(call);
      return null;
    }

    const location = head?.location;
    const redirect = REDIRECTS.has(result.status) && location !== undefined;
    if (redirect && call.hop < maxRedirects) {
      const next = new URL(location, url);
      if (result.status === 303 || ((result.status === 301 || result.status === 302) && method === 'POST')) {
        if (method !== 'HEAD') call.method = 'GET';
        call.encoded = { bytes: null, contentType: null };
      }
      call.target = targetOf(next);
      call.digestAuthorization = null;
      call.hop++;
      sendNextHop(call);
      return null;
    }

    const encoded = call.encoded;
    const request: ResponseRequest = {
      method,
      url: masked,
      headers: requestHeaders(call.headers),
      body: encoded.bytes ? encoded.bytes.toString('utf8') : '',
      cookies: {},
    };
    if (redirect && maxRedirects > 0 && call.hop >= maxRedirects) {
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
      head: result.head,
      bodyBytes: head ? decodeBody(head, result.body) : null,
      responseType: call.responseType,
      url: target.href,
      timings: result.timings,
      error,
      errorCode,
      tlsVersion: result.tlsVersion,
      remoteIp: result.remoteAddress,
      remotePort: result.remotePort,
      request,
    });
  }

  function failedBeforeSending(method: string, url: string, message: string): Response {
    const zero = { ...ZERO_TIMINGS };
    return new Response({
      status: 0,
      statusText: '',
      head: null,
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

  /** A request as k6 scripts see it: a PendingResponse that resolves with the Response itself. */
  const pending = (call: string, method: string, url: unknown, body: unknown, params: Params | undefined) => {
    const settle = vu.blocking(call);
    return new PendingResponse<Response>((resolve, reject) =>
      send(
        method,
        url,
        body,
        params,
        (r) => {
          settle();
          resolve(r);
        },
        (e) => {
          settle();
          reject(e);
        },
      ),
    );
  };
  const request = (method: string, url: unknown, body: unknown, params?: Params): Promise<Response> =>
    new Promise<Response>((resolve, reject) => send(method, url, body, params, resolve, reject));

  const http = {
    asyncRequest: (method: string, url: unknown, body?: unknown, params?: Params) =>
      request(method, url, body, params),
    request: (method: string, url: unknown, body?: unknown, params?: Params) =>
      pending('http.request()', method, url, body, params),
    get: (url: unknown, params?: Params) => pending('http.get()', 'GET', url, null, params),
    head: (url: unknown, params?: Params) => pending('http.head()', 'HEAD', url, null, params),
    post: (url: unknown, body?: unknown, params?: Params) =>
      pending('http.post()', 'POST', url, body, params),
    put: (url: unknown, body?: unknown, params?: Params) => pending('http.put()', 'PUT', url, body, params),
    patch: (url: unknown, body?: unknown, params?: Params) =>
      pending('http.patch()', 'PATCH', url, body, params),
    del: (url: unknown, body?: unknown, params?: Params) =>
      pending('http.del()', 'DELETE', url, body, params),
    options: (url: unknown, body?: unknown, params?: Params) =>
      pending('http.options()', 'OPTIONS', url, body, params),
    batch(requests: unknown[] | Record<string, unknown>): Promise<unknown> {
      const one = (r: unknown): Promise<Response> => {
        if (typeof r === 'string' || r instanceof TaggedURL) return request('GET', r, null);
        if (Array.isArray(r)) return request(String(r[0]), r[1], r[2], r[3] as Params);
        const o = r as { method?: string; url: unknown; body?: unknown; params?: Params };
        return request(o.method ?? 'GET', o.url, o.body, o.params);
      };
      const settle = vu.blocking('http.batch()');
      if (Array.isArray(requests)) return Promise.all(requests.map(one)).finally(settle);
      const keys = Object.keys(requests);
      return Promise.all(keys.map((k) => one(requests[k])))
        .then((rs) => Object.fromEntries(rs.map((r, i) => [keys[i], r])))
        .finally(settle);
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

function authMethod(auth: unknown): 'basic' | 'digest' | '' {
  if (auth === undefined || auth === null || auth === '') return '';
  if (auth === 'basic' || auth === 'digest') return auth;
  if (auth === 'ntlm') {
    throw new Error(
      "params.auth 'ntlm' is not supported by the node engine; run this script with the k6 binary (--engine k6).",
    );
  }
  throw new Error(`params.auth must be 'basic' or 'digest'; got ${JSON.stringify(auth)}.`);
}

function cookiesFor(jar: CookieJar | null, url: URL, extra: Params['cookies']): string {
  if (!extra && (jar === null || jar.isEmpty())) return '';
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

/** Tag sets are shared by all samples of a request and reused across requests with the same values. */
const TAG_CACHE_SIZE = 256;

/** The last tag set made without user tags or error, checked first: loops repeat the same request. */
interface LastTags {
  base: Record<string, string>;
  method: string;
  status: number;
  expected: boolean | null;
  tlsVersion: string;
  name: string;
  tags: Record<string, string>;
}

function requestTags(
  state: HttpState,
  base: Record<string, string>,
  result: HopResult,
  method: string,
  name: string,
  error: string,
  errorCode: number,
  expected: boolean | null,
  userTags: Params['tags'],
): Record<string, string> {
  const status = result.status;
  const tlsVersion = result.tlsVersion;
  let key = '';
  if (!userTags && !error) {
    const last = state.lastTags;
    if (
      last !== null &&
      last.base === base &&
      last.status === status &&
      last.name === name &&
      last.method === method &&
      last.expected === expected &&
      last.tlsVersion === tlsVersion
    ) {
      return last.tags;
    }
    key = `${method} ${status} ${expected} ${tlsVersion} ${name}`;
    if (state.tagBase === base) {
      const hit = state.tagCache.get(key);
      if (hit) {
        state.lastTags = { base, method, status, expected, tlsVersion, name, tags: hit };
        return hit;
      }
    } else {
      state.tagBase = base;
      state.tagCache.clear();
    }
  }
  const tags: Record<string, string> = { ...base };
  if (status !== 0) tags.proto = 'HTTP/1.1';
  tags.status = String(status);
  tags.method = method;
  tags.url = name;
  tags.name = name;
  if (expected !== null) tags.expected_response = expected ? 'true' : 'false';
  if (tlsVersion) tags.tls_version = tlsVersion;
  if (error) tags.error = error;
  if (errorCode) tags.error_code = String(errorCode);
  if (userTags) for (const k in userTags) tags[k] = String(userTags[k]);
  if (key) {
    if (state.tagCache.size >= TAG_CACHE_SIZE) state.tagCache.clear();
    state.tagCache.set(key, tags);
    state.lastTags = { base, method, status, expected, tlsVersion, name, tags };
  }
  return tags;
}

function emitRequestSamples(
  vu: VU,
  state: HttpState,
  base: Record<string, string>,
  result: HopResult,
  method: string,
  name: string,
  error: string,
  errorCode: number,
  expected: boolean | null,
  userTags: Params['tags'],
): void {
  const tags = requestTags(state, base, result, method, name, error, errorCode, expected, userTags);
  const failed = expected === null ? -1 : expected ? 0 : 1;
  vu.test.emit(new RequestSamples(result.endTime, tags, result.timings, failed));
  vu.test.countRequest(expected === false || result.status === 0);
}
