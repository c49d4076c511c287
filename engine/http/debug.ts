// --http-debug / httpDebug: each hop's request and response logged as k6 logs them (grafana/k6
// lib/netext/httpext/httpdebug_transport.go): an info line "Request:\n<dump>\n" and one
// "Response:\n<dump>\n" with the fields source=http-debug, vu, iter, request_id and the request's
// tags. The dumps are Go's httputil.DumpRequestOut / DumpResponse with "\r\n" turned into "\n";
// bodies only with `full`.
import { canonicalHeaderName } from './headers.ts';
import type { ResponseHead } from './response-head.ts';

export interface DebugRequest {
  method: string;
  /** The request target as sent (path, or the absolute URL through a proxy). */
  path: string;
  host: string;
  headers: string[];
  body: Buffer | null;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Go's Header.Write: one line per value, names in sorted order, minus `skip`. */
function sortedHeaderLines(flat: string[], skip: Set<string>): string {
  const byName = new Map<string, string[]>();
  for (let i = 0; i < flat.length; i += 2) {
    const name = canonicalHeaderName(flat[i]);
    if (skip.has(name)) continue;
    const values = byName.get(name) ?? [];
    values.push(flat[i + 1]);
    byName.set(name, values);
  }
  let out = '';
  for (const name of [...byName.keys()].sort())
    for (const v of byName.get(name) ?? []) out += `${name}: ${v}\n`;
  return out;
}

function headerValue(flat: string[], name: string): string | undefined {
  for (let i = 0; i < flat.length; i += 2) if (canonicalHeaderName(flat[i]) === name) return flat[i + 1];
  return undefined;
}

const REQUEST_SKIP = new Set(['Host', 'User-Agent', 'Content-Length', 'Transfer-Encoding', 'Trailer']);

/**
 * The "Request:" message: Go writes Host, User-Agent, Content-Length (also 0 for a POST, PUT or
 * PATCH without body), the other headers sorted, then the Accept-Encoding: gzip its dumping
 * transport adds when the request has none.
 */
export function dumpRequest(req: DebugRequest, full: boolean): string {
  let dump = `${req.method} ${req.path} HTTP/1.1\nHost: ${headerValue(req.headers, 'Host') ?? req.host}\n`;
  const ua = headerValue(req.headers, 'User-Agent');
  if (ua !== undefined) dump += `User-Agent: ${ua}\n`;
  const length = req.body?.length ?? 0;
  if (length > 0 || BODY_METHODS.has(req.method)) dump += `Content-Length: ${length}\n`;
  dump += sortedHeaderLines(req.headers, REQUEST_SKIP);
  if (
    req.method !== 'HEAD' &&
    headerValue(req.headers, 'Accept-Encoding') === undefined &&
    headerValue(req.headers, 'Range') === undefined
  )
    dump += 'Accept-Encoding: gzip\n';
  dump += '\n';
  if (full && req.body) dump += req.body.toString('latin1');
  return `Request:\n${dump}\n`;
}

const RESPONSE_SKIP = new Set(['Content-Length', 'Transfer-Encoding', 'Trailer']);

/** The "Response:" message: status line, Content-Length or Transfer-Encoding, the other headers sorted. */
export function dumpResponse(head: ResponseHead, body: Buffer | null, full: boolean): string {
  const raw = head.raw;
  const chunked = (headerValue(raw, 'Transfer-Encoding') ?? '').toLowerCase().includes('chunked');
  let dump = `HTTP/1.1 ${head.status} ${head.statusText}\n`;
  const length = headerValue(raw, 'Content-Length');
  if (chunked) dump += 'Transfer-Encoding: chunked\n';
  else if (length !== undefined) dump += `Content-Length: ${length}\n`;
  dump += sortedHeaderLines(raw, RESPONSE_SKIP);
  dump += '\n';
  if (full && body && body.length > 0) {
    const text = body.toString('latin1');
    dump += chunked ? `${body.length.toString(16)}\n${text}\n0\n\n` : text;
  }
  return `Response:\n${dump}\n`;
}
