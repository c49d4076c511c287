// `import http from 'k6/http'` in a synchronous VU's thread: each request blocks this thread while
// the hub performs it with the engine's HTTP code (timings and samples are taken there) and hands
// back the response's data.
import { jsonBody } from '../../http/json-body.ts';
import { block, callAsync, unsupported } from '../channel.ts';

interface ResponseData {
  url: string;
  body: string | ArrayBuffer | null;
  [field: string]: unknown;
}

const responseMethods = {
  json(this: ResponseData, selector?: string): unknown {
    return jsonBody(this.body, this.url, selector);
  },
  html(): never {
    return unsupported('Response.html()');
  },
  clickLink(): never {
    return unsupported('Response.clickLink()');
  },
  submitForm(): never {
    return unsupported('Response.submitForm()');
  },
};

function response(data: unknown): unknown {
  return Object.setPrototypeOf(data as object, responseMethods);
}

function plainArgument(value: unknown, what: string): void {
  if (value === null || typeof value !== 'object' || value instanceof ArrayBuffer) return;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) unsupported(what);
  for (const v of Object.values(value as object)) {
    if (typeof v === 'function') unsupported(what);
    plainArgument(v, what);
  }
}

function requestCall(method: string, url: unknown, body?: unknown, params?: unknown) {
  if (typeof url !== 'string') unsupported('A request URL that is not a string (http.url`…`)');
  plainArgument(body, 'A request body other than a string, ArrayBuffer or plain object (http.file())');
  plainArgument(params, 'Request params with objects from k6/http (expectedStatuses, a cookie jar)');
  return { op: 'request' as const, method, url: url as string, body: body ?? null, params: params ?? null };
}

export function request(method: string, url: unknown, body?: unknown, params?: unknown): unknown {
  return response(block(requestCall(method, url, body, params)));
}

/** Does not block: the VU's code goes on and awaits the response, as in k6. */
export function asyncRequest(
  method: string,
  url: unknown,
  body?: unknown,
  params?: unknown,
): Promise<unknown> {
  return callAsync(requestCall(method, url, body, params)).then(response);
}

export const get = (url: unknown, params?: unknown) => request('GET', url, null, params);
export const head = (url: unknown, params?: unknown) => request('HEAD', url, null, params);
export const post = (url: unknown, body?: unknown, params?: unknown) => request('POST', url, body, params);
export const put = (url: unknown, body?: unknown, params?: unknown) => request('PUT', url, body, params);
export const patch = (url: unknown, body?: unknown, params?: unknown) => request('PATCH', url, body, params);
export const del = (url: unknown, body?: unknown, params?: unknown) => request('DELETE', url, body, params);
export const options = (url: unknown, body?: unknown, params?: unknown) =>
  request('OPTIONS', url, body, params);

export function batch(requests: unknown[] | Record<string, unknown>): unknown {
  plainArgument(requests, 'http.batch() with objects from k6/http (http.url`…`, http.file())');
  const out = block({ op: 'batch', requests }) as unknown[] | Record<string, unknown>;
  for (const value of Object.values(out)) response(value);
  return out;
}

const missing = (name: string) => (): never => unsupported(`http.${name}()`);
export const file = missing('file');
export const cookieJar = missing('cookieJar');
export const expectedStatuses = missing('expectedStatuses');
export const setResponseCallback = missing('setResponseCallback');
export const url = missing('url');

export default {
  request,
  get,
  head,
  post,
  put,
  patch,
  del,
  options,
  batch,
  asyncRequest,
  file,
  cookieJar,
  expectedStatuses,
  setResponseCallback,
  url,
};
