// Response.json(): shared by the Response of the VU thread and the one a synchronous VU gets.
import { gjsonGet } from './gjson.ts';

/**
 * Parses a body as JSON; `selector` is a GJSON path (./gjson.ts). As k6 (grafana/k6,
 * js/modules/k6/http/response.go): with a selector, a body that is not valid JSON and a path that
 * does not exist give undefined; without one, invalid JSON throws.
 */
export function jsonBody(body: string | ArrayBuffer | null, url: string, selector?: string): unknown {
  if (typeof body !== 'string') {
    throw new Error(
      `cannot parse the response body as JSON: the body is ${body === null ? 'empty (responseType none?)' : 'binary'}.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    if (selector) return undefined;
    throw new Error(`cannot parse the response body of ${url} as JSON: ${(err as Error).message}`);
  }
  if (!selector) return value;
  return gjsonGet(value, selector);
}
