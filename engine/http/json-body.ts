// Response.json(): shared by the Response of the VU thread and the one a synchronous VU gets.

/** Parses a body as JSON; `selector` is a gjson-style dot path (`data.items.0.name`). */
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
    throw new Error(`cannot parse the response body of ${url} as JSON: ${(err as Error).message}`);
  }
  if (!selector) return value;
  for (const part of selector.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    if (part === '#' && Array.isArray(value)) return value.length;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
