// httpx (https://jslib.k6.io/httpx/<version>/index.js, 0.0.1–0.1.0) offline: a session over
// k6/http with its own base URL, headers, tags and request params. Written from k6's
// documentation of the library (javascript-api/jslib/httpx) and what the published files
// (github.com/grafana/jslib.k6.io, lib/httpx/<version>/index.js) do, not from their code. Each
// version's Httpx is its own class below (./registry.ts picks the names a version exports), one
// subclass per version in the order the library grew:
// - 0.0.1: the session params live in `session.params`; the constructor takes baseURL, headers,
//   tags and `otherParams` (merged into the params) and ignores every other key (so `timeout`
//   is not applied there).
// - 0.0.2: `lastRequest` (the last response and how long the call took) and
//   `lastRequestChainDuration`.
// - 0.0.3: the params live in `session.k6params`; every constructor key other than baseURL,
//   headers, tags, errorMetric and errorMetricCondition is a request param (timeout …), and those
//   five are deleted from the object the script passed; `errorMetric` gets a sample per request
//   (true when `params.expect` or `errorMetricCondition` says the response failed).
// - 0.0.4: options(), head(), trace().
// - 0.0.5: an `http.url` template as the URL (its name becomes the request's `name` tag).
// - 0.0.6: a URL that starts with `http` is used without the base URL.
// - 0.1.0: the method is checked, request() wants at least two arguments, connect() and the
//   async variants (asyncRequest(), asyncGet() …), and the Head, Connect and Trace classes.
// On async VUs k6/http's blocking calls return a Promise of the Response here: a session call
// then returns a Promise of that same Response (to be awaited, as http.get's), and what the
// published session does after the request (lastRequest, errorMetric) happens when it settles.
// On synchronous VUs every call returns the Response itself, as in k6.
import http from 'k6/http';

type Dict = Record<string, unknown>;
type HttpParams = Dict & { headers?: Dict; tags?: Dict; expect?: unknown };
interface Metric {
  add(value: unknown): void;
}
interface SessionOptions {
  baseURL?: string;
  headers?: Dict;
  tags?: Dict;
  otherParams?: Dict;
  errorMetric?: Metric | null;
  errorMetricCondition?: (response: unknown) => unknown;
  [param: string]: unknown;
}
type BatchEntry = unknown[] | PlainRequest;

/** The version a class stands for (1 = 0.0.1 … 6 = 0.0.6, 7 = 0.1.0), read from `new.target`. */
const LEVEL = Symbol('httpx version');
type Versioned = { [LEVEL]: number };

const VALID_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/**
 * Whether `url` is what `http.url\`…\`` gives. As the published test, an object with `name`,
 * `url` and `clean_url`; `null` throws the TypeError that test throws there.
 */
function isHttpUrl(url: unknown): url is { name: string; url: string } {
  return (
    typeof url === 'object' &&
    'name' in (url as object) &&
    'url' in (url as object) &&
    'clean_url' in (url as object)
  );
}

/**
 * What k6/http is handed: the merged params without `expect`, which only the session reads
 * (0.0.3+) and k6/http ignores; a synchronous VU could not send a function to its request.
 */
function forHttp(params: HttpParams): HttpParams {
  if (!Object.hasOwn(params, 'expect')) return params;
  const { expect: _expect, ...rest } = params;
  return rest;
}

const isThenable = (value: unknown): value is Promise<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

/**
 * `result` (a Response, or on async VUs a Promise of one) passed to `after` once it is there; the
 * same kind of value comes back, so that an async VU's blocking call still reads as one (reading
 * `.status` off the Promise says to await it).
 */
function whenDone<T>(result: T, after: (value: T) => void): T {
  if (!isThenable(result)) {
    after(result);
    return result;
  }
  const settled = result.then((value) => {
    after(value as T);
    return value;
  });
  // Keep the Promise's own prototype (k6/http's PendingResponse on async VUs) for its messages.
  Object.setPrototypeOf(settled, Object.getPrototypeOf(result));
  return settled as T;
}

/**
 * A request to hand to batch() (0.0.1–0.0.4: the URL is used as given). The params object given
 * is the request's own: its `body` is taken out of it, as the published constructor does.
 */
export class PlainRequest {
  method: string;
  url: unknown;
  body: unknown;
  params: HttpParams;

  constructor(method: string, url: unknown, params?: HttpParams | null) {
    const given = params || {};
    this.method = method;
    this.url = url;
    this.body = given.body || null;
    delete given.body;
    this.params = given;
  }

  addHeader(name: string, value: unknown): this {
    this.params.headers = { ...this.params.headers, [name]: value };
    return this;
  }

  addTag(name: string, value: unknown): this {
    this.params.tags = { ...this.params.tags, [name]: value };
    return this;
  }
}

/** A request for batch() from 0.0.5 on: an `http.url` template gives its URL and `name` tag. */
export class Request extends PlainRequest {
  constructor(method: string, url: unknown, params?: HttpParams | null) {
    super(method, url, params);
    if (isHttpUrl(url)) {
      this.url = url.url;
      this.addTag('name', url.name);
    }
  }
}

type Params = HttpParams | null | undefined;
const one = (method: string, base: typeof PlainRequest, name: string) => {
  const made = class extends base {
    constructor(url: unknown, params?: Params) {
      super(method, url, params);
    }
  };
  Object.defineProperty(made, 'name', { value: name });
  return made;
};

export const PlainGet = one('GET', PlainRequest, 'Get');
export const PlainPost = one('POST', PlainRequest, 'Post');
export const PlainPut = one('PUT', PlainRequest, 'Put');
export const PlainPatch = one('PATCH', PlainRequest, 'Patch');
export const PlainDelete = one('DELETE', PlainRequest, 'Delete');
export const PlainOptions = one('OPTIONS', PlainRequest, 'Options');
export const Get = one('GET', Request, 'Get');
export const Head = one('HEAD', Request, 'Head');
export const Post = one('POST', Request, 'Post');
export const Put = one('PUT', Request, 'Put');
export const Delete = one('DELETE', Request, 'Delete');
export const Connect = one('CONNECT', Request, 'Connect');
export const Options = one('OPTIONS', Request, 'Options');
export const Trace = one('TRACE', Request, 'Trace');
export const Patch = one('PATCH', Request, 'Patch');
Object.defineProperty(PlainRequest, 'name', { value: 'Request' });

/** The base URL and a URL joined with `+`, as published (a number or an object as `+` makes it). */
const join = (base: unknown, url: unknown): string => (base as string) + (url as string);

/** The version of the class `session` was made with (a script's subclass inherits it). */
const levelOf = (session: object): number => (session.constructor as unknown as Versioned)[LEVEL];

/** The object a session keeps its params in: `params` up to 0.0.2, `k6params` from 0.0.3. */
const storeOf = (session: Httpx001): HttpParams => (levelOf(session) < 3 ? session.params : session.k6params);

/** The method and URL of a call as the session's version resolves them, and the merged params. */
function prepare(
  session: Httpx001,
  call: string,
  given: number,
  method: string,
  url: unknown,
  params: Params,
): [string, unknown, HttpParams] {
  const level = levelOf(session);
  if (level >= 7) {
    if (given < 2)
      throw new Error(`Invalid number of arguments for ${call}(). Provide at least Method and URL.`);
    (session as Httpx010).validateMethod(method);
  }
  const merged = session._getMergedSessionParams(params);
  let target = url;
  if (level >= 5 && isHttpUrl(target)) {
    (merged.tags as Dict).name = target.name;
    target = target.url;
  }
  // 0.0.6 on: "absolute" is what starts with `http` (String.prototype.startsWith, so a URL that
  // is not a string throws the TypeError it throws there).
  if (level < 6 || !(target as string).startsWith('http')) target = join(session.baseURL, target);
  return [method, target, merged];
}

/** What a session notes after request(): the last request (0.0.2), the error metric (0.0.3). */
function afterRequest(
  session: Httpx001,
  response: unknown,
  params: HttpParams,
  start: Date,
  end: Date,
): void {
  if (levelOf(session) >= 3) {
    (session as Httpx003).postRequestHook(response, params, start, end);
    return;
  }
  session.lastRequest.responseObject = response;
  session.lastRequest.responseChainDuration = end.getTime() - start.getTime();
}

/** The session of httpx 0.0.1; the later versions extend it. */
export class Httpx001 {
  static [LEVEL] = 1;
  declare baseURL: unknown;
  /** The session's params up to 0.0.2. */
  declare params: HttpParams;
  /** The session's params from 0.0.3 on. */
  declare k6params: HttpParams;
  declare lastRequest: { responseObject: unknown; responseChainDuration: number | null };
  declare errorMetric: Metric | null;
  declare errorMetricCondition: (response: unknown) => unknown;

  constructor(opts: SessionOptions = {}) {
    const level = levelOf(this);
    if (level < 3) {
      const { baseURL = '', headers = {}, tags = {}, otherParams = {} } = opts;
      this.params = { headers, tags };
      Object.assign(this.params, otherParams);
      this.baseURL = baseURL;
      if (level >= 2) this.lastRequest = { responseObject: null, responseChainDuration: null };
      return;
    }
    const {
      baseURL = '',
      errorMetricCondition = (r: unknown) => {
        const status = (r as { status: number }).status;
        return status >= 200 && status <= 399;
      },
      errorMetric = null,
      headers = {},
      tags = {},
    } = opts;
    this.k6params = { headers, tags };
    // As published: the rest of the script's own options object is the params, and these five
    // keys are deleted from that object.
    for (const key of ['baseURL', 'errorMetricCondition', 'headers', 'tags', 'errorMetric']) delete opts[key];
    Object.assign(this.k6params, opts);
    this.baseURL = baseURL;
    this.lastRequest = { responseObject: null, responseChainDuration: null };
    this.errorMetric = errorMetric;
    this.errorMetricCondition = errorMetricCondition;
  }

  setBaseUrl(baseURL: unknown): void {
    this.baseURL = baseURL;
  }

  addHeaders(headers: Dict): void {
    storeOf(this).headers = Object.assign(storeOf(this).headers as Dict, headers);
  }

  addHeader(name: string, value: unknown): void {
    storeOf(this).headers = Object.assign(storeOf(this).headers as Dict, { [name]: value });
  }

  addTags(tags: Dict): void {
    storeOf(this).tags = Object.assign(storeOf(this).tags as Dict, tags);
  }

  addTag(name: string, value: unknown): void {
    storeOf(this).tags = Object.assign(storeOf(this).tags as Dict, { [name]: value });
  }

  clearTag(name: string): void {
    delete (storeOf(this).tags as Dict)[name];
  }

  clearHeader(name: string): void {
    delete (storeOf(this).headers as Dict)[name];
  }

  /** `second` over `first`, their headers and tags merged key by key; neither is changed. */
  _merge_params(first: Params, second: Params): HttpParams {
    const a = first || {};
    const b = second || {};
    return {
      ...a,
      ...b,
      headers: { ...(a.headers || {}), ...(b.headers || {}) },
      tags: { ...(a.tags || {}), ...(b.tags || {}) },
    };
  }

  _getMergedSessionParams(params: Params): HttpParams {
    return this._merge_params(storeOf(this), params);
  }

  execute(r: PlainRequest): unknown {
    return this.request(r.method, r.url, r.body, r.params);
  }

  request(...args: [method: string, url: unknown, body?: unknown, params?: Params]): unknown {
    const [method, url, body, params] = args;
    const [m, target, merged] = prepare(this, 'request', args.length, method, url, params);
    if (levelOf(this) < 2) return http.request(m, target as string, body as never, forHttp(merged) as never);
    const start = new Date();
    const result = http.request(m, target as string, body as never, forHttp(merged) as never) as unknown;
    return whenDone(result, (response) => afterRequest(this, response, merged, start, new Date()));
  }

  get(url: unknown, body?: unknown, params?: Params): unknown {
    return this.request('GET', url, body, params);
  }

  post(url: unknown, body?: unknown, params?: Params): unknown {
    return this.request('POST', url, body, params);
  }

  put(url: unknown, body?: unknown, params?: Params): unknown {
    return this.request('PUT', url, body, params);
  }

  delete(url: unknown, body?: unknown, params?: Params): unknown {
    return this.request('DELETE', url, body, params);
  }

  patch(url: unknown, body?: unknown, params?: Params): unknown {
    return this.request('PATCH', url, body, params);
  }

  /**
   * k6's http.batch() of `requests` (arrays `[method, url, body, params]` or Request objects),
   * each with `shared` then its own params over the session's. As published in every version:
   * the base URL is put before every URL, even one that starts with `http`, and an entry that is
   * neither an array nor a Request is left out.
   */
  batch(requests: BatchEntry[], shared?: Params): unknown {
    const level = levelOf(this);
    const RequestClass = level >= 5 ? Request : PlainRequest;
    const entries: unknown[][] = [];
    // forEach, as published: what is not an array throws its TypeError.
    requests.forEach((entry) => {
      if (Array.isArray(entry)) {
        const own = this._merge_params(shared, entry[3] as Params);
        entries.push([
          entry[0],
          join(this.baseURL, entry[1]),
          entry[2] || null,
          forHttp(this._getMergedSessionParams(own)),
        ]);
      } else if (entry instanceof RequestClass) {
        const own = this._merge_params(shared, entry.params);
        entries.push([
          entry.method,
          join(this.baseURL, entry.url),
          entry.body,
          forHttp(this._getMergedSessionParams(own)),
        ]);
      }
    });
    if (level < 2) return http.batch(entries as never);
    const start = new Date();
    const result = http.batch(entries as never) as unknown;
    return whenDone(result, (responses) => {
      this.lastRequest.responseObject = responses;
      this.lastRequest.responseChainDuration = Date.now() - start.getTime();
    });
  }
}

/** 0.0.2: the last request is kept. */
export class Httpx002 extends Httpx001 {
  static override [LEVEL] = 2;

  /** How long the last request() or batch() call took, in milliseconds. */
  get lastRequestChainDuration(): number | null {
    return this.lastRequest.responseChainDuration;
  }
}

/** 0.0.3: the error metric, and the constructor's other keys as params. */
export class Httpx003 extends Httpx002 {
  static override [LEVEL] = 3;

  /**
   * After each request() (not batch(), not asyncRequest()): `errorMetric` gets whether the
   * response failed, by the call's `params.expect` or else `errorMetricCondition`.
   */
  postRequestHook(response: unknown, params: HttpParams, start: Date, end: Date): void {
    if (this.errorMetric) {
      const condition = (params.expect || this.errorMetricCondition) as (r: unknown) => unknown;
      this.errorMetric.add(!condition(response));
    }
    this.lastRequest.responseObject = response;
    this.lastRequest.responseChainDuration = end.getTime() - start.getTime();
  }
}

/** 0.0.4: options(), head() and trace(). */
export class Httpx004 extends Httpx003 {
  static override [LEVEL] = 4;

  options(url: unknown, body?: unknown, params?: Params): unknown {
    return this.request('OPTIONS', url, body, params);
  }

  head(url: unknown, body?: unknown, params?: Params): unknown {
    return this.request('HEAD', url, body, params);
  }

  trace(url: unknown, body?: unknown, params?: Params): unknown {
    return this.request('TRACE', url, body, params);
  }
}

/** 0.0.5: `http.url` templates. */
export class Httpx005 extends Httpx004 {
  static override [LEVEL] = 5;
}

/** 0.0.6: URLs that start with `http` are used without the base URL. */
export class Httpx006 extends Httpx005 {
  static override [LEVEL] = 6;
}

/** 0.1.0: checked methods, connect() and the async variants. */
export class Httpx010 extends Httpx006 {
  static override [LEVEL] = 7;

  validateMethod(method: string): void {
    if (!VALID_METHODS.includes(method))
      throw new Error(`Invalid method: ${method}. Expected one of ${VALID_METHODS}`);
  }

  connect(url: unknown, body?: unknown, params?: Params): unknown {
    return this.request('CONNECT', url, body, params);
  }

  /**
   * http.asyncRequest() with the session's params and URL: a Promise on both kinds of VU. As
   * published, neither lastRequest nor the error metric is updated.
   */
  asyncRequest(...args: [method: string, url: unknown, body?: unknown, params?: Params]): Promise<unknown> {
    const [method, url, body, params] = args;
    const [m, target, merged] = prepare(this, 'asyncRequest', args.length, method, url, params);
    return http.asyncRequest(
      m,
      target as string,
      body as never,
      forHttp(merged) as never,
    ) as Promise<unknown>;
  }

  asyncGet(url: unknown, body?: unknown, params?: Params): Promise<unknown> {
    return this.asyncRequest('GET', url, body, params);
  }

  asyncHead(url: unknown, body?: unknown, params?: Params): Promise<unknown> {
    return this.asyncRequest('HEAD', url, body, params);
  }

  asyncPost(url: unknown, body?: unknown, params?: Params): Promise<unknown> {
    return this.asyncRequest('POST', url, body, params);
  }

  asyncPut(url: unknown, body?: unknown, params?: Params): Promise<unknown> {
    return this.asyncRequest('PUT', url, body, params);
  }

  asyncDelete(url: unknown, body?: unknown, params?: Params): Promise<unknown> {
    return this.asyncRequest('DELETE', url, body, params);
  }

  asyncConnect(url: unknown, body?: unknown, params?: Params): Promise<unknown> {
    return this.asyncRequest('CONNECT', url, body, params);
  }

  asyncOptions(url: unknown, body?: unknown, params?: Params): Promise<unknown> {
    return this.asyncRequest('OPTIONS', url, body, params);
  }

  asyncTrace(url: unknown, body?: unknown, params?: Params): Promise<unknown> {
    return this.asyncRequest('TRACE', url, body, params);
  }

  asyncPatch(url: unknown, body?: unknown, params?: Params): Promise<unknown> {
    return this.asyncRequest('PATCH', url, body, params);
  }
}

for (const session of [Httpx001, Httpx002, Httpx003, Httpx004, Httpx005, Httpx006, Httpx010])
  Object.defineProperty(session, 'name', { value: 'Httpx' });
