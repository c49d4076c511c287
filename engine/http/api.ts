// The `k6/http` module for one VU: the functions scripts call (k6-facts §1.3, §1.4, §3.4). A
// request is a Call (call.ts) sent hop by hop over the VU's connections (state.ts); each hop's
// samples are emitted by request-samples.ts.
import type { VU } from '../vu.ts';
import { FileData } from './body.ts';
import { type Call, prepareCall, sendNextHop } from './call.ts';
import { CookieJar } from './cookies.ts';
import { ExpectedStatuses } from './expected-statuses.ts';
import type { Params } from './params.ts';
import { PendingResponse } from './pending.ts';
import type { Response } from './response.ts';
import { stateOf, TaggedURL } from './state.ts';

export type { Params } from './params.ts';
export { closeConnections, TaggedURL } from './state.ts';

const NO_PARAMS: Params = {};

/** The host a batch entry goes to ('' when its URL does not parse: it fails on its own). */
function hostOf(r: unknown): string {
  const url =
    typeof r === 'string' || r instanceof TaggedURL
      ? r
      : Array.isArray(r)
        ? r[1]
        : (r as { url?: unknown } | null)?.url;
  try {
    return new URL(String(url)).host;
  } catch {
    return '';
  }
}

/**
 * `start` for every item with at most `limit` running at once (the `batch` option) and at most
 * `perHost` to one host (`batchPerHost`), in the order given; results in order.
 */
function limited<T, R>(
  items: T[],
  limit: number,
  perHost: number,
  host: (item: T) => string,
  start: (item: T) => Promise<R>,
): Promise<R[]> {
  if (items.length <= Math.min(limit, perHost)) return Promise.all(items.map(start));
  const results = new Array<R>(items.length);
  const hosts = items.map(host);
  const running = new Map<string, number>();
  const waiting = items.map((_, i) => i);
  let active = 0;
  return new Promise<R[]>((resolve, reject) => {
    let left = items.length;
    const pump = (): void => {
      for (let w = 0; w < waiting.length && active < limit; ) {
        const i = waiting[w];
        const h = hosts[i];
        if ((running.get(h) ?? 0) >= perHost) {
          w++;
          continue;
        }
        waiting.splice(w, 1);
        active++;
        running.set(h, (running.get(h) ?? 0) + 1);
        start(items[i]).then((r) => {
          results[i] = r;
          active--;
          running.set(h, (running.get(h) ?? 1) - 1);
          if (--left === 0) resolve(results);
          else pump();
        }, reject);
      }
    };
    pump();
  });
}

export function createHttp(vu: VU) {
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
      const call: Call | null = prepareCall(vu, method, target, body, params ?? NO_PARAMS, resolve, reject);
      if (call) sendNextHop(call);
    } catch (err) {
      reject(err);
    }
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
      const { batch, batchPerHost } = vu.test.http;
      if (Array.isArray(requests)) return limited(requests, batch, batchPerHost, hostOf, one).finally(settle);
      const keys = Object.keys(requests);
      return limited(
        keys,
        batch,
        batchPerHost,
        (k) => hostOf(requests[k]),
        (k) => one(requests[k]),
      )
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
