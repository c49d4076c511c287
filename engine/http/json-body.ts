// Response.json(): shared by the Response of the VU thread and the one a synchronous VU gets.
import { gjsonGet } from './gjson.ts';

/**
 * Parses a body as JSON; `selector` is a GJSON path (./gjson.ts). As k6 (grafana/k6,
 * js/modules/k6/http/response.go): with a selector, a body that is not valid JSON and a path that
 * does not exist give undefined; without one, invalid JSON throws k6's sentence. A binary body
 * (responseType 'binary') is parsed from its bytes, as k6 does.
 */
/** The parsed body per Response: k6 parses it once and hands out the same value (res.json().x = 1 sticks). */
const parsed = new WeakMap<object, unknown>();

/** Response.json() of `owner`: without a selector, parsed once per Response as in k6. */
export function responseJSON(
  owner: object,
  body: string | ArrayBuffer | null,
  url: string,
  selector?: string,
): unknown {
  if (selector) return jsonBody(body, url, selector);
  if (parsed.has(owner)) return parsed.get(owner);
  const value = jsonBody(body, url);
  parsed.set(owner, value);
  return value;
}

export function jsonBody(body: string | ArrayBuffer | null, _url: string, selector?: string): unknown {
  if (body === null) {
    throw new Error(
      "the body is null so we can't transform it to JSON - this likely was because of a request error getting the response",
    );
  }
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (selector) return undefined;
    throw new Error(jsonError(text, (err as Error).message));
  }
  if (!selector) return value;
  return gjsonGet(value, selector);
}

/**
 * k6's message for a body that is not JSON: `cannot parse json due to an error at line L,
 * character C , error: <Go's error>`. Go's words for the common cases (an empty body, a body that
 * does not start like JSON, such as an HTML error page); V8's otherwise.
 */
function jsonError(text: string, v8: string): string {
  const start = text.search(/\S/);
  let at: number;
  let go: string;
  if (start < 0) {
    at = -1;
    go = 'unexpected end of JSON input';
  } else if (!/^[[{"\-0-9tfn]/.test(text[start])) {
    at = start;
    go = `invalid character ${quoteChar(text.codePointAt(start) ?? 0)} looking for beginning of value`;
  } else {
    const m = /at position (\d+)/.exec(v8);
    at = m ? Number(m[1]) : text.length - 1;
    go = v8;
  }
  // Line and character (counted in characters, from 1) of the offending one, as k6 counts them.
  let line = 1;
  let character = 0;
  if (at >= 0) {
    const chars = Array.from(text.slice(0, at + 1));
    for (const c of chars) {
      if (c === '\n') {
        line++;
        character = 0;
      } else character++;
    }
    if (chars[chars.length - 1] === '\n') character = 1;
  }
  return `cannot parse json due to an error at line ${line}, character ${character} , error: ${go}`;
}

/** Go's encoding/json quoteChar. */
function quoteChar(cp: number): string {
  const c = String.fromCodePoint(cp);
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  // strconv.Quote's escapes for control characters.
  const named: Record<string, string> = {
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\b': '\\b',
    '\f': '\\f',
    '\v': '\\v',
    '\x07': '\\a',
  };
  if (named[c]) return `'${named[c]}'`;
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}
