// One call of http.request() & co., as undici's dispatcher sees a request: built once from the
// script's arguments (prepareCall), then sent hop by hop (sendNextHop) until afterHop has the
// response — following redirects, storing cookies and answering a digest challenge on the way.
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { parseDuration } from '../metrics/time.ts';
import { InterruptedError, NotOnThisEngineError } from '../vu-errors.ts';
import { type EncodedBody, encodeBody } from './body.ts';
import type { CookieJar } from './cookies.ts';
import { dumpRequest, dumpResponse } from './debug.ts';
import { digestAuthorization, digestChallenge } from './digest.ts';
import { requestFailure } from './errors.ts';
import type { ExpectedStatuses } from './expected-statuses.ts';
import { headerValues } from './headers.ts';
import type { Params } from './params.ts';
import { emitRequestSamples } from './request-samples.ts';
import { Response, type ResponseRequest, type ResponseType } from './response.ts';
import type { ResponseHead } from './response-head.ts';
import { type HopResult, sendHop, ZERO_TIMINGS } from './send.ts';
import type { HttpVU } from './settings.ts';
import { connectionFor, type HttpState, parseURL, stateOf, type Target, targetOf } from './state.ts';
import { TaggedURL } from './tagged-url.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One call of http.request() & co.: its settings, then one hop per redirect until the response. */
export interface Call {
  vu: HttpVU;
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

export function prepareCall(
  vu: HttpVU,
  rawMethod: string,
  target: unknown,
  body: unknown,
  params: Params,
  resolve: (r: Response) => void,
  reject: (err: unknown) => void,
): Call | null {
  const settings = vu.test.http;
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
    vu,
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

export function sendNextHop(call: Call): void {
  const vu = call.vu;
  const settings = vu.test.http;
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
  const conn = connectionFor(vu, call.state, target);
  let path = target.path;
  if (conn.absoluteForm) {
    // Through a proxy, an http:// request names its whole URL (without credentials or fragment).
    path = `${target.url.protocol}//${target.url.host}${target.path}`;
    if (conn.proxyAuthorization) headers.push('Proxy-Authorization', conn.proxyAuthorization);
  }
  call.headers = headers;
  if (settings.httpDebug) {
    process.stderr.write(
      dumpRequest(
        { method: call.method, path, host: target.url.host, headers, body: call.encoded.bytes },
        settings.httpDebug === 'full',
      ),
    );
  }
  sendHop(
    conn,
    {
      method: call.method,
      path,
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
  const vu = call.vu;
  const settings = vu.test.http;
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
  if (settings.httpDebug) {
    const full = settings.httpDebug === 'full';
    process.stderr.write(
      dumpResponse(head, full && head ? decodeBody(head, result.body) : null, error, full),
    );
  }
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
  emitRequestSamples(vu, state, {
    base: call.baseTags,
    result,
    method,
    name,
    error,
    errorCode,
    expected,
    userTags: call.params.tags,
  });
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
    tlsCipherSuite: result.tlsCipherSuite,
    remoteIp: result.remoteAddress,
    remotePort: result.remotePort,
    request,
  });
}

export function failedBeforeSending(method: string, url: string, message: string): Response {
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
    tlsCipherSuite: '',
    remoteIp: '',
    remotePort: 0,
    request: { method, url, headers: {}, body: '', cookies: {} },
  });
}

export function authMethod(auth: unknown): 'basic' | 'digest' | '' {
  if (auth === undefined || auth === null || auth === '') return '';
  if (auth === 'basic' || auth === 'digest') return auth;
  if (auth === 'ntlm') {
    throw new NotOnThisEngineError("params.auth 'ntlm'");
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
