// What k6/http is the same for both kinds of VU: the shorthand methods over one request function
// (get and head take no body; the others take one), and the helpers that only build values
// (https://grafana.com/docs/k6/latest/javascript-api/k6-http/).
import { FileData } from './body.ts';
import { HTTP_CONSTANTS } from './constants.ts';
import { ExpectedStatuses, type StatusSpec } from './expected-statuses.ts';
import { type TaggedURL, taggedURL } from './tagged-url.ts';

/** `call` names the function the script called (k6's message for a call made without await). */
export type RequestFn<P, R> = (call: string, method: string, url: unknown, body: unknown, params?: P) => R;

export function requestMethods<P, R>(request: RequestFn<P, R>) {
  const withBody =
    (name: string, method: string) =>
    (url: unknown, body?: unknown, params?: P): R =>
      request(`http.${name}()`, method, url, body, params);
  return {
    get: (url: unknown, params?: P): R => request('http.get()', 'GET', url, null, params),
    head: (url: unknown, params?: P): R => request('http.head()', 'HEAD', url, null, params),
    post: withBody('post', 'POST'),
    put: withBody('put', 'PUT'),
    patch: withBody('patch', 'PATCH'),
    del: withBody('del', 'DELETE'),
    options: withBody('options', 'OPTIONS'),
  };
}

/** http.file(), http.expectedStatuses(), http.url`…` and the TLS/OCSP constants. */
export const httpValues = {
  file: (data: string | ArrayBuffer, filename?: string, contentType?: string) =>
    new FileData(data, filename, contentType),
  expectedStatuses: (...args: StatusSpec[]) => new ExpectedStatuses(args),
  url: (strings: TemplateStringsArray, ...values: unknown[]): TaggedURL => taggedURL(strings, values),
  ...HTTP_CONSTANTS,
};
