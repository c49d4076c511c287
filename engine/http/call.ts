// One call of http.request() & co., as undici's dispatcher sees a request: built once from the
// script's arguments (prepareCall), then sent hop by hop (sendNextHop) until afterHop has the
// response — following redirects, storing cookies and answering a digest challenge on the way.
import { randomUUID } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { parseDuration } from '../metrics/time.ts';
import { goError, InterruptedError, NotOnThisEngineError } from '../vu-errors.ts';
import { type EncodedBody, encodeBody } from './body.ts';
import type { CookieJar } from './cookies.ts';
import { dumpRequest, dumpResponse } from './debug.ts';
import { decodeBody } from './decompress.ts';
import { digestAuthorization, digestChallenge } from './digest.ts';
import { requestFailure } from './errors.ts';
import type { ExpectedStatuses } from './expected-statuses.ts';
import { canonicalHeaderName, headerValues } from './headers.ts';
import type { Params } from './params.ts';
import { emitRequestSamples } from './request-samples.ts';
import { Response, type ResponseRequest, type ResponseType } from './response.ts';
import { type HopResult, sendHop, ZERO_TIMINGS } from './send.ts';
import type { HttpVU } from './settings.ts';
import { connectionFor, type HttpState, parseURL, stateOf, type Target, targetOf } from './state.ts';
import { TaggedURL, urlText } from './tagged-url.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The body of a request that has none (shared: nothing writes to it). */
const NO_BODY: EncodedBody = Object.freeze({ bytes: null, contentType: null }) as EncodedBody;
/** The script's headers of a request that sets none (shared: copied before anything is added). */
const NO_HEADERS: string[] = Object.freeze([]) as unknown as string[];

/** One call of http.request() & co.: its settings, then one hop per redirect until the response. */
export interface Call {
  vu: HttpVU;
  state: HttpState;
  method: string;
  target: Target;
  userName: string | undefined;
  params: Params;
  timeoutMs: number;
  /** Whether a failed request throws (params.throw, else the throw option). */
  throws: boolean;
  maxRedirects: number;
  /** Whether params.redirects or the maxRedirects option set the limit (k6 warns only when neither did). */
  maxRedirectsSet: boolean;
  /** The URL the call started with (masked), which k6's redirect warning names. */
  firstURL: string;
  /** Where the call started: Go forwards Authorization only to its host and the host's subdomains. */
  firstTarget: { url: URL };
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
  /** Response.request.body: the body as the script gave it (before compression), as in k6. */
  requestBody: string;
  /** The request_id of the hop's http-debug lines. */
  debugId: string;
  /** The cookies the first hop sent (Response.request.cookies). */
  requestCookies: Array<[string, string]>;
  /**
   * Response.request's method, URL and headers: the script's request as its first hop went, as k6
   * builds it once (grafana/k6 lib/netext/httpext/request.go, MakeRequest). Go's client follows a
   * redirect on a new request and adds the Authorization of URL credentials on a copy, so neither
   * shows here. Null until the first hop is sent.
   */
  firstRequest: { method: string; url: string; headers: string[] } | null;
  outcome: CallOutcome;
}

/** Where a call's Response (or the error k6 would throw) goes. */
export interface CallOutcome {
  ok(response: Response): void;
  fail(err: unknown): void;
}

export function prepareCall(
  vu: HttpVU,
  rawMethod: string,
  target: unknown,
  body: unknown,
  params: Params,
  outcome: CallOutcome,
): Call | null {
  const settings = vu.test.http;
  const state = stateOf(vu);
  const method = rawMethod.toUpperCase();
  // The script's own name tag wins over http.url's template (grafana/k6
  // lib/netext/httpext/request.go: the template names the request only when no name is set).
  const userName =
    params.tags?.name?.toString() ?? (target instanceof TaggedURL ? target.templateName : undefined);
  const text = urlText(target);
  let parsed: Target;
  try {
    parsed = parseURL(state, text);
  } catch (err) {
    const message = `invalid URL ${JSON.stringify(text)}: ${(err as Error).message}`;
    return refuseRequest(vu, method, outcome, text, message);
  }
  const digest = authMethod(params.auth) === 'digest';
  let timeoutMs = 60_000;
  if (params.timeout !== undefined) {
    try {
      timeoutMs = parseDuration(params.timeout, 'params.timeout');
    } catch {
      // k6's handleParseRequestError.
      const text = String(params.timeout);
      const go = /^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(text.trim())
        ? 'missing unit in duration'
        : 'invalid duration';
      const message = `invalid timeout value: time: ${go} ${JSON.stringify(text)}`;
      return refuseRequest(vu, method, outcome, parsed.masked, message, 0);
    }
  }
  if (
    params.responseType !== undefined &&
    !['text', 'binary', 'none'].includes(String(params.responseType))
  ) {
    // A parse error in k6 (its ResponseTypeString).
    const message = `${String(params.responseType)} does not belong to ResponseType values`;
    return refuseRequest(vu, method, outcome, parsed.masked, message, 0);
  }
  // k6 accepts only strings, booleans and numbers as tag values (grafana/k6 js/common/tags.go); any
  // other (an object, null, a Date) is a parse error of the request.
  const tags = params.tags;
  if (tags !== undefined && tags !== null) {
    for (const [k, v] of Object.entries(tags as Record<string, unknown>)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        const message = `invalid HTTP request metric tags: invalid value for metric tag '${k}': only String, Boolean and Number types are accepted as a metric tag values`;
        return refuseRequest(vu, method, outcome, parsed.masked, message, 0);
      }
    }
  }
  const encoded =
    body === null || body === undefined ? NO_BODY : encodeBody(body, (text) => vu.test.log('warn', text, {}));
  const requestBody = encoded.bytes ? encoded.bytes.toString('utf8') : '';
  // Most requests set no header and compress nothing: they share one empty list.
  const compression =
    params.compression !== undefined && params.compression !== null && encoded.bytes !== null;
  let scriptHeaders = NO_SCRIPT_HEADERS;
  if (params.headers || compression) {
    const built = headersOf(vu, method, parsed.masked, params, encoded, compression, outcome);
    if (built === null) return null;
    scriptHeaders = built;
  }
  return {
    vu,
    state,
    method,
    target: parsed,
    userName,
    params,
    timeoutMs,
    // params.throw overrides the throw option for this request, as in k6.
    throws: 'throw' in params ? Boolean(params.throw) : settings.throw,
    maxRedirects: params.redirects ?? settings.maxRedirects,
    maxRedirectsSet:
      (params.redirects !== undefined && params.redirects !== null) || settings.maxRedirectsSet,
    firstURL: parsed.masked,
    firstTarget: parsed,
    responseType: params.responseType ?? (settings.discardResponseBodies ? 'none' : 'text'),
    callback: params.responseCallback === undefined ? state.callback : params.responseCallback,
    // k6 skips a nullish params.jar: the VU's jar stays in use.
    jar: params.jar === undefined || params.jar === null ? state.jar : params.jar,
    encoded,
    userHeaders: scriptHeaders.list,
    hasUserAgent: scriptHeaders.userAgent,
    hasContentType: scriptHeaders.contentType,
    hop: 0,
    headers: scriptHeaders.list,
    digest,
    baseTags: vu.sampleTags(),
    digestAuthorization: null,
    requestCookies: NO_COOKIES,
    firstRequest: null,
    debugId: '',
    requestBody,
    outcome,
  };
}

/** The script's request headers, as k6 sends them, and whether they set User-Agent and Content-Type. */
interface ScriptHeaders {
  list: string[];
  userAgent: boolean;
  contentType: boolean;
}

const NO_SCRIPT_HEADERS: ScriptHeaders = { list: NO_HEADERS, userAgent: false, contentType: false };

/**
 * params.headers, and params.compression applied to the body (`compressBody`); null when the request
 * is refused (the outcome has its Response).
 */
function headersOf(
  vu: HttpVU,
  method: string,
  masked: string,
  params: Params,
  encoded: EncodedBody,
  compressBody: boolean,
  outcome: CallOutcome,
): ScriptHeaders | null {
  // k6 sets each header with Go's Header.Set: the name is canonicalized (x-api-key → X-Api-Key)
  // and a later name that canonicalizes the same replaces the earlier one's value.
  const byName = new Map<string, string>();
  if (params.headers) {
    for (const [k, v] of Object.entries(params.headers)) byName.set(canonicalHeaderName(k), String(v));
  }
  if (compressBody && encoded.bytes) {
    const algos = String(params.compression)
      .trim()
      .split(',')
      .map((a) => a.trim());
    if (algos.join('') !== '') {
      const unknown = algos.find((a) => !(a in COMPRESSORS));
      if (unknown !== undefined) {
        // A parse error in k6.
        const message = `unknown compression algorithm ${unknown}, supported algorithms are [gzip deflate zstd br]`;
        return refuseRequest(vu, method, outcome, masked, message, 0);
      }
      let bytes: Buffer = encoded.bytes;
      for (const a of algos) bytes = compress(a, bytes);
      encoded.bytes = bytes;
      const contentEncoding = algos.join(', ');
      const current = byName.get('Content-Encoding');
      if (current === undefined) byName.set('Content-Encoding', contentEncoding);
      else if (current !== contentEncoding) {
        vu.test.log(
          'warn',
          `There's a mismatch between the desired \`compression\` the manually set \`Content-Encoding\` header in the ${method} request for '${masked}', the custom header has precedence and won't be overwritten. This may result in invalid data being sent to the server.`,
          {},
        );
      }
    }
  }
  // k6 drops a Content-Length header (Go sets it from the body) and warns when it was wrong.
  const userLength = byName.get('Content-Length');
  if (userLength !== undefined) {
    byName.delete('Content-Length');
    const actual = encoded.bytes?.length ?? 0;
    if (!/^[+-]?\d+$/.test(userLength) || Number(userLength) !== actual) {
      vu.test.log(
        'warn',
        `The specified Content-Length header ${JSON.stringify(userLength)} in the ${method} request for ${masked} doesn't match the actual request body length of ${actual}, so it will be ignored!`,
        {},
      );
    }
  }
  const list: string[] = [];
  for (const [k, v] of byName) list.push(k, v);
  return { list, userAgent: byName.has('User-Agent'), contentType: byName.has('Content-Type') };
}

export function sendNextHop(call: Call): void {
  const vu = call.vu;
  const settings = vu.test.http;
  if (vu.interrupted) throw new InterruptedError();
  const target = call.target;
  // k6 sets params.cookies again on every hop of a redirect chain (its CheckRedirect).
  const cookies = cookiesFor(call.jar, target.url, call.params.cookies);
  if (call.hop === 0) call.requestCookies = cookies;
  const userAgent = !call.hasUserAgent && settings.userAgent ? settings.userAgent : '';
  const contentType = call.encoded.contentType && !call.hasContentType ? call.encoded.contentType : '';
  let headers: string[];
  // Whether `headers` is a shared list that must be copied before anything is added to it.
  let shared = false;
  if (call.hop === 0 && call.userHeaders === NO_HEADERS && !contentType && cookies.length === 0) {
    // Most requests: no header of the script's, no body, no cookie; only the User-Agent.
    headers = userAgent ? userAgentHeaders(userAgent) : NO_HEADERS;
    shared = true;
  } else {
    headers = call.hop === 0 ? call.userHeaders.slice() : redirectHeaders(call, target.url.hostname);
    if (userAgent) headers.push('User-Agent', userAgent);
    if (contentType) headers.push('Content-Type', contentType);
    if (cookies.length > 0) {
      // One Cookie header, as Go's AddCookie appends to the script's own.
      const line = cookies.map(([k, v]) => `${k}=${v}`).join('; ');
      const own = headers.indexOf('Cookie');
      if (own >= 0 && own % 2 === 0) headers[own + 1] = `${headers[own + 1]}; ${line}`;
      else headers.push('Cookie', line);
    }
  }
  call.firstRequest ??= {
    method: call.method,
    url: target.masked,
    headers: shared ? headers : headers.slice(),
  };
  const authorization =
    call.digestAuthorization || (target.authorization && !call.digest ? target.authorization : '');
  const conn = connectionFor(vu, call.state, target);
  const proxyAuthorization = conn.absoluteForm ? conn.proxyAuthorization : '';
  if (authorization || proxyAuthorization) {
    if (shared) headers = headers.slice();
    if (authorization) headers.push('Authorization', authorization);
    if (proxyAuthorization) headers.push('Proxy-Authorization', proxyAuthorization);
  }
  // Through a proxy, an http:// request names its whole URL (without credentials or fragment).
  const path = conn.absoluteForm ? `${target.url.protocol}//${target.url.host}${target.path}` : target.path;
  call.headers = headers;
  if (settings.httpDebug) {
    call.debugId = randomUUID();
    vu.test.log(
      'info',
      dumpRequest(
        { method: call.method, path, host: target.url.host, headers, body: call.encoded.bytes },
        settings.httpDebug === 'full',
      ),
      debugFields(call),
    );
  }
  sendHop(conn, call.method, path, headers, call.encoded.bytes, call.timeoutMs, call, hopDone);
}

/** ['User-Agent', value], one shared frozen list per value (the option rarely changes). */
let userAgentList: string[] = NO_HEADERS;
function userAgentHeaders(userAgent: string): string[] {
  if (userAgentList[1] !== userAgent) userAgentList = Object.freeze(['User-Agent', userAgent]) as string[];
  return userAgentList;
}

function hopDone(call: Call, result: HopResult): void {
  try {
    const response = afterHop(call, result);
    if (response) call.outcome.ok(response);
  } catch (err) {
    call.outcome.fail(err);
  }
}

/** Records the hop; returns the response, or null when a redirect was followed. */
function afterHop(call: Call, hop: HopResult): Response | null {
  let result = hop;
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
  let errorDetail = '';
  if (result.error) {
    const failure = requestFailure(result.error, url.host);
    error = failure.error;
    errorCode = failure.code;
    errorDetail = failure.detail;
  } else if (result.status >= 400) {
    errorCode = 1000 + result.status;
  }
  let head = result.error ? null : result.head;
  // k6 logs no response for a request that got none.
  if (settings.httpDebug && head) {
    vu.test.log('info', dumpResponse(head, result.body, settings.httpDebug === 'full'), debugFields(call));
  }
  const challenge =
    call.digest && result.status === 401 && head && call.digestAuthorization === null
      ? digestChallenge(headerValues(head.raw, 'www-authenticate'))
      : null;
  const location = head?.location;
  const redirect = REDIRECTS.has(result.status) && location !== undefined;
  const follow = challenge === null && redirect && call.hop < maxRedirects;
  // The body of the response the script gets: k6 reads (and decodes) only that one, unless its
  // responseType is 'none', and a body that does not decode fails the request, as if no
  // response had come (status 0, no headers).
  let bodyBytes: Buffer | null = null;
  if (head && challenge === null && !follow && call.responseType !== 'none') {
    const decoded = decodeBody(result.status, head.contentEncoding, result.body);
    bodyBytes = decoded.bytes;
    if (decoded.failure) {
      ({ error, code: errorCode, detail: errorDetail } = decoded.failure);
      result = { ...result, status: 0, statusText: '', head: null, tlsVersion: '', tlsCipherSuite: '' };
      head = null;
    }
  }
  if (head?.hasSetCookie && jar) {
    jar.storeResponse(url, headerValues(head.raw, 'set-cookie'));
  }
  const failed = error !== '';
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

  if (follow) {
    const next = new URL(location as string, url);
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

  const first = call.firstRequest ?? { method, url: masked, headers: call.headers };
  const request: ResponseRequest = {
    method: first.method,
    url: first.url,
    headers: requestHeaders(first.headers),
    body: call.requestBody,
    cookies: requestCookiesObject(call.requestCookies),
  };
  // Like Go's http.Client with k6's CheckRedirect (grafana/k6 lib/netext/httpext/request.go): the
  // last redirection is the response, without an error; only the default limit (neither
  // params.redirects nor maxRedirects given) logs a warning, counting every response so far and
  // naming the URL the call started with.
  if (redirect && !call.maxRedirectsSet) {
    vu.test.log(
      'warn',
      `Stopped after ${call.hop + 1} redirects and returned the redirection; pass { redirects: n } in request params or set global maxRedirects to silence this`,
      { url: call.firstURL },
    );
  }
  if (failed) {
    // What Go's http.Client returns, and k6 logs or throws (`throw: true`): a url.Error, `Get
    // "http://host/path": <Go's error>`; res.error and the error tag have k6's short message.
    const clientError = `${method.slice(0, 1)}${method.slice(1).toLowerCase()} ${JSON.stringify(masked)}: ${errorDetail}`;
    if (call.throws) throw goError(clientError);
    vu.test.log('warn', 'Request Failed', { error: clientError });
  }
  return new Response({
    status: result.status,
    statusText: result.statusText,
    head: result.head,
    bodyBytes,
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

/**
 * The script's headers on a redirect hop, as Go's http.Client copies them (net/http client.go,
 * shouldCopyHeaderOnRedirect): Authorization and Www-Authenticate only to the first host or
 * its subdomains; the Cookie header never, as k6 replaces it with the jar's and params'
 * cookies on every hop.
 */
function redirectHeaders(call: Call, hostname: string): string[] {
  const host = hostname.toLowerCase();
  const first = call.firstTarget.url.hostname.toLowerCase();
  const sameDomain = host === first || host.endsWith(`.${first}`);
  const out: string[] = [];
  for (let i = 0; i < call.userHeaders.length; i += 2) {
    const name = call.userHeaders[i];
    if (name === 'Cookie') continue;
    if (!sameDomain && (name === 'Authorization' || name === 'Www-Authenticate')) continue;
    out.push(name, call.userHeaders[i + 1]);
  }
  return out;
}

/** params.compression's algorithms, as k6 applies them one after the other (Go's zlib for deflate). */
const COMPRESSORS: Record<string, ((b: Buffer) => Buffer) | null> = {
  gzip: (b) => gzipSync(b),
  deflate: (b) => deflateSync(b),
  br: (b) => brotliCompressSync(b),
  zstd: null,
};

function compress(algo: string, bytes: Buffer): Buffer {
  const fn = COMPRESSORS[algo];
  // Node 20's zlib has no zstd.
  if (!fn) throw new NotOnThisEngineError(`params.compression '${algo}'`);
  return fn(bytes);
}

/** The fields of k6's http-debug lines: the request's tags, vu, iter, source and request_id. */
function debugFields(call: Call): Record<string, string> {
  const fields: Record<string, string> = { ...call.baseTags };
  for (const [k, v] of Object.entries(call.params.tags ?? {})) fields[k] = String(v);
  Object.assign(fields, {
    source: 'http-debug',
    vu: String(call.vu.id),
    iter: String(call.vu.iter),
    request_id: call.debugId,
  });
  return fields;
}

/**
 * A request k6 fails before sending it (a URL, timeout, responseType or compression it cannot
 * use): the request fails, not the iteration. With the throw option it throws; else it logs
 * "Request Failed" and the script gets a Response that carries the error.
 */
function refuseRequest(
  vu: HttpVU,
  method: string,
  outcome: CallOutcome,
  url: string,
  message: string,
  errorCode?: number,
): null {
  if (vu.test.http.throw) throw goError(message);
  vu.test.log('warn', 'Request Failed', { error: message });
  outcome.ok(failedBeforeSending(method, url, message, errorCode));
  return null;
}

export function failedBeforeSending(
  method: string,
  url: string,
  message: string,
  errorCode = 1020,
): Response {
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
    errorCode,
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

/**
 * The cookies of one hop, in the order of k6's SetRequestCookies (grafana/k6
 * lib/netext/httpext/request.go): every params.cookies entry first, then the jar's cookies for
 * the URL except those a params cookie with `replace: true` replaces. A params cookie without
 * `replace` is sent next to the jar's cookie of the same name, as in k6.
 */
function cookiesFor(jar: CookieJar | null, url: URL, extra: Params['cookies']): Array<[string, string]> {
  if (!extra && (jar === null || jar.isEmpty())) return NO_COOKIES;
  const pairs: Array<[string, string]> = [];
  const replaced = new Set<string>();
  if (extra) {
    for (const [name, v] of Object.entries(extra)) {
      if (v === null || v === undefined) continue;
      if (typeof v === 'object') {
        pairs.push([name, v.value === undefined || v.value === null ? '' : String(v.value)]);
        if (v.replace === true) replaced.add(name);
      } else pairs.push([name, String(v)]);
    }
  }
  if (jar && !jar.isEmpty())
    for (const c of jar.matching(url)) if (!replaced.has(c.name)) pairs.push([c.name, c.value]);
  return pairs;
}

/** The cookies of a hop that has none (most requests): one shared, empty list. */
const NO_COOKIES = Object.freeze([]) as unknown as Array<[string, string]>;

/** Response.request.cookies: `{ name: [{ name, value, replace: false }] }`, as k6 reports them. */
function requestCookiesObject(pairs: Array<[string, string]>): ResponseRequest['cookies'] {
  const out: ResponseRequest['cookies'] = {};
  for (const [name, value] of pairs) {
    out[name] ??= [];
    out[name].push({ name, value, replace: false });
  }
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
