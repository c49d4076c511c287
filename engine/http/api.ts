// The `k6/http` module for one VU: the functions scripts call (k6 docs: https://grafana.com/docs/k6/latest/javascript-api/k6-http/). A
// request is a Call (call.ts) sent hop by hop over the VU's connections (state.ts); each hop's
// samples are emitted by request-samples.ts.

import { opened, openPromise } from '../open-promise.ts';
import { batchEntry } from './batch.ts';
import { type Call, type CallOutcome, prepareCall, sendNextHop } from './call.ts';
import { CookieJar } from './cookies.ts';
import { checkResponseCallback, type ExpectedStatuses } from './expected-statuses.ts';
import { httpValues, requestMethods } from './methods.ts';
import type { Navigation } from './navigate.ts';
import type { Params } from './params.ts';
import { PendingResponse } from './pending.ts';
import { bindNavigator, type Response } from './response.ts';
import type { HttpVU } from './settings.ts';
import { stateOf } from './state.ts';
import { TaggedURL, urlText } from './tagged-url.ts';

export type { Params } from './params.ts';
export { closeConnections } from './state.ts';

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
    return new URL(urlText(url)).host;
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

/**
 * How one request's outcome reaches the script: its Promise settles, then the VU's note of the
 * call is closed — at once for a blocking call (http.get() & co.), a turn later for one the script
 * may await later (http.asyncRequest(), batch entries), so that what the script does with the
 * answer still belongs to the iteration. One object per request instead of a closure for each step.
 */
class Settlement implements CallOutcome {
  private open = true;

  constructor(
    private readonly vu: HttpVU,
    private readonly resolve: (r: Response) => void,
    private readonly reject: (err: unknown) => void,
    private readonly navigate: (n: Navigation) => PendingResponse<Response>,
    /** The token of the VU's openBlocking() or, when `later`, openAwaitable(). */
    private readonly token: number,
    private readonly later: boolean,
  ) {}

  ok(response: Response): void {
    bindNavigator(response, this.navigate);
    this.resolve(response);
    this.close();
  }

  fail(err: unknown): void {
    this.reject(err);
    this.close();
  }

  private close(): void {
    if (!this.open) return;
    this.open = false;
    if (this.later) setImmediate(closeAwaitable, this.vu, this.token);
    else this.vu.closeBlocking(this.token);
  }
}

function closeAwaitable(vu: HttpVU, token: number): void {
  vu.closeAwaitable(token);
}

export function createHttp(vu: HttpVU) {
  /** Starts a request; its Response (or the error k6 would throw) settles the returned Promise. */
  function start(
    method: string,
    target: unknown,
    body: unknown,
    params: Params | undefined,
    token: number,
    later: boolean,
  ): Promise<Response> {
    // A blocking call's Promise is a PendingResponse (reading the Response off it says what to do).
    const promise = openPromise<Response>(later ? undefined : PendingResponse);
    const outcome = new Settlement(vu, opened.resolve, opened.reject, navigate, token, later);
    try {
      const call: Call | null = prepareCall(vu, method, target, body, params ?? NO_PARAMS, outcome);
      if (call) sendNextHop(call);
    } catch (err) {
      outcome.fail(err);
    }
    return promise;
  }

  /** k6 throws on a request made by init code (grafana/k6 js/modules/k6/http/request.go). */
  const notInInit = (what = 'Making http requests'): void => {
    if (vu.phase === 'init') throw new Error(`${what} in the init context is not supported`);
  };
  /** A request as k6 scripts see it: a PendingResponse that resolves with the Response itself. */
  const pending = (call: string, method: string, url: unknown, body: unknown, params?: Params) => {
    notInInit();
    return start(method, url, body, params, vu.openBlocking(call), false) as PendingResponse<Response>;
  };
  /** http.asyncRequest(): settled a turn later, so that what the script does with the answer belongs to the iteration. */
  const request = (method: string, url: unknown, body: unknown, params?: Params): Promise<Response> => {
    notInInit();
    return start(method, url, body, params, vu.openAwaitable(), true);
  };

  /** Response.submitForm()/clickLink(): a request like http.request(), blocking as it is. */
  function navigate(n: Navigation): PendingResponse<Response> {
    return pending(n.call, n.method, n.url, n.body, n.params as Params | undefined);
  }

  const http = {
    asyncRequest: (method: string, url: unknown, body?: unknown, params?: Params) =>
      request(method, url, body, params),
    request: (method: string, url: unknown, body?: unknown, params?: Params) =>
      pending('http.request()', method, url, body, params),
    ...requestMethods(pending),
    batch(requests: unknown[] | Record<string, unknown>): Promise<unknown> {
      notInInit('Using batch');
      const one = (r: unknown): Promise<Response> => {
        const e = batchEntry(r);
        return request(e.method, e.url, e.body, e.params);
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
    cookieJar: () => stateOf(vu).jar,
    CookieJar,
    setResponseCallback(callback: ExpectedStatuses | null): void {
      stateOf(vu).callback = checkResponseCallback(callback);
    },
    ...httpValues,
  };
  return http;
}
