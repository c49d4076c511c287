// The k6/http module (../../modules/http.ts) as a synchronous VU's thread provides it
// (../module-vu.ts httpModule): each request blocks this thread while
// the hub performs it with the engine's HTTP code (timings and samples are taken there) and hands
// back the response's data. The k6/http objects a script passes along (http.url, http.file,
// expectedStatuses, cookie jars) are built by the same code as on async VUs and taken apart for
// the trip (WireRequest); cookie jars live in the hub, so their methods are blocking calls too.
import { htmlOf, type Selection } from '../../api/html.ts';
import { batchEntry } from '../../http/batch.ts';
import { FileData } from '../../http/body.ts';
import type { CookieOptions } from '../../http/cookies.ts';
import { checkResponseCallback, ExpectedStatuses } from '../../http/expected-statuses.ts';
import { responseJSON } from '../../http/json-body.ts';
import { httpValues, requestMethods } from '../../http/methods.ts';
import { formSubmission, linkClick, type Navigation } from '../../http/navigate.ts';
import { TaggedURL, urlText } from '../../http/tagged-url.ts';
import { block, callAsync, notOnThisEngine, unsupported } from '../channel.ts';
import type { JarMethod, WireRequest } from '../protocol.ts';

interface ResponseData {
  url: string;
  body: string | ArrayBuffer | null;
  [field: string]: unknown;
}

const responseMethods = {
  json(this: ResponseData, selector?: string): unknown {
    return responseJSON(this, this.body, this.url, selector);
  },
  html(this: ResponseData, selector?: string): Selection {
    return htmlOf(this.body, selector, this.url);
  },
  // Over plain HTTP the hub sends k6's empty OCSP status as a field of the response, which hides
  // this getter; over TLS the stapled status is not read, so asking for it is refused.
  get ocsp(): never {
    return notOnThisEngine('Response.ocsp (OCSP stapling status) over TLS');
  },
  clickLink(this: ResponseData, args?: unknown): unknown {
    return navigate(linkClick((selector) => htmlOf(this.body, selector, this.url), this.url, args));
  },
  submitForm(this: ResponseData, args?: unknown): unknown {
    return navigate(formSubmission((selector) => htmlOf(this.body, selector, this.url), this.url, args));
  },
};

/** Response.submitForm()/clickLink(): a blocking request, as on async VUs (../../http/navigate.ts). */
function navigate(n: Navigation): unknown {
  return request(n.method, n.url, n.body, n.params);
}

function response(data: unknown): unknown {
  return Object.setPrototypeOf(data as object, responseMethods);
}

/** Its number in the hub's table of this VU's jars (0: the VU's own jar). */
const jarIds = new WeakMap<object, number>();

/** k6's CookieJar; the cookies themselves are kept by the hub. */
class CookieJar {
  constructor() {
    jarIds.set(this, block({ op: 'jar-new' }) as number);
  }
  set(url: string, name: string, value: string, options?: CookieOptions): void {
    jarCall(this, 'set', options === undefined ? [url, name, value] : [url, name, value, options]);
  }
  cookiesForURL(url: string): Record<string, string[]> {
    return jarCall(this, 'cookiesForURL', [url]) as Record<string, string[]>;
  }
  clear(url: string): void {
    jarCall(this, 'clear', [url]);
  }
  delete(url: string, name: string): void {
    jarCall(this, 'delete', [url, name]);
  }
}

function jarCall(jar: CookieJar, method: JarMethod, args: unknown[]): unknown {
  const plain = args.map((a) => (a instanceof TaggedURL ? a.url : a));
  plainArgument(plain, `cookieJar.${method}() with arguments other than strings and plain objects`);
  return block({ op: 'jar', jar: jarIds.get(jar) as number, method, args: plain });
}

let vuJar: CookieJar | null = null;
function cookieJar(): CookieJar {
  if (!vuJar) {
    vuJar = Object.create(CookieJar.prototype) as CookieJar;
    jarIds.set(vuJar, 0);
  }
  return vuJar;
}

/**
 * Objects whose prototype would be lost on the way (class instances, functions) are refused. A
 * Date crosses as a Date (the structured clone keeps it), so it is read on the VU thread as on
 * async VUs (a tag's value, a form field).
 */
function plainArgument(value: unknown, what: string): void {
  if (
    value === null ||
    typeof value !== 'object' ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    value instanceof Date
  )
    return;
  const proto = Object.getPrototypeOf(value);
  const plain =
    proto === Object.prototype || proto === Array.prototype || proto === null || value instanceof FileData;
  if (!plain) unsupported(what);
  for (const v of Object.values(value as object)) {
    if (typeof v === 'function' || typeof v === 'symbol') unsupported(what);
    plainArgument(v, what);
  }
}

const PLAIN_ONLY =
  'Request arguments holding objects other than plain objects, arrays, ArrayBuffers and k6/http objects';

function wireRequest(method: string, url: unknown, body: unknown, params: unknown): WireRequest {
  const wire: WireRequest = { method, url: urlText(url), body: body ?? null, params: null };
  if (url instanceof TaggedURL) wire.name = url.name;
  if (body !== null && typeof body === 'object' && !(body instanceof FileData)) {
    const files = Object.keys(body).filter((k) => (body as Record<string, unknown>)[k] instanceof FileData);
    if (files.length > 0) wire.files = files;
  }
  plainArgument(body, PLAIN_ONLY);
  if (params === null || typeof params !== 'object') return wire;
  const { jar, responseCallback, ...rest } = params as Record<string, unknown>;
  plainArgument(rest, PLAIN_ONLY);
  wire.params = rest;
  if (jar !== undefined) {
    if (jar !== null && !jarIds.has(jar as object))
      throw new TypeError('params.jar takes http.cookieJar(), a new http.CookieJar() or null.');
    wire.jar = jar === null ? null : (jarIds.get(jar as object) as number);
  }
  if (responseCallback !== undefined) {
    if (responseCallback !== null && !(responseCallback instanceof ExpectedStatuses))
      throw new TypeError('params.responseCallback takes http.expectedStatuses(...) or null.');
    wire.expected = responseCallback === null ? null : responseCallback.specs();
  }
  return wire;
}

function request(method: string, url: unknown, body?: unknown, params?: unknown): unknown {
  return response(block({ op: 'request', ...wireRequest(method, url, body, params) }));
}

/** Does not block: the VU's code goes on and awaits the response, as in k6. */
function asyncRequest(method: string, url: unknown, body?: unknown, params?: unknown): Promise<unknown> {
  try {
    return callAsync({ op: 'request', ...wireRequest(method, url, body, params) }).then(response);
  } catch (err) {
    return Promise.reject(err);
  }
}

function batch(requests: unknown[] | Record<string, unknown>): unknown {
  const wire = (r: unknown) => {
    const e = batchEntry(r);
    return wireRequest(e.method, e.url, e.body, e.params);
  };
  const out = block({
    op: 'batch',
    requests: Array.isArray(requests)
      ? requests.map(wire)
      : Object.fromEntries(Object.entries(requests).map(([k, r]) => [k, wire(r)])),
  }) as unknown[] | Record<string, unknown>;
  for (const value of Object.values(out)) response(value);
  return out;
}

function setResponseCallback(callback: ExpectedStatuses | null): void {
  block({ op: 'response-callback', expected: checkResponseCallback(callback)?.specs() ?? null });
}

export default {
  request,
  ...requestMethods((_call: string, method, url, body, params?: unknown) =>
    request(method, url, body, params),
  ),
  batch,
  asyncRequest,
  cookieJar,
  CookieJar,
  setResponseCallback,
  ...httpValues,
};
