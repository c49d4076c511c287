// --http-debug / httpDebug: each hop's request and response written to stderr as k6 prints them
// (Go's request/response dumps under "Request:" and "Response:"); bodies only with `full`.
import type { ResponseHead } from './response-head.ts';

export interface DebugRequest {
  method: string;
  /** The request target as sent (path, or the absolute URL through a proxy). */
  path: string;
  host: string;
  headers: string[];
  body: Buffer | null;
}

function headerLines(flat: string[]): string {
  let out = '';
  for (let i = 0; i < flat.length; i += 2) out += `${flat[i]}: ${flat[i + 1]}\r\n`;
  return out;
}

export function dumpRequest(req: DebugRequest, full: boolean): string {
  const body = full && req.body ? req.body.toString('utf8') : '';
  return `Request:\n${req.method} ${req.path} HTTP/1.1\r\nHost: ${req.host}\r\n${headerLines(req.headers)}\r\n${body}\n`;
}

export function dumpResponse(
  head: ResponseHead | null,
  body: Buffer | null,
  error: string,
  full: boolean,
): string {
  if (!head) return `Request failed: ${error}\n`;
  const text = full && body ? body.toString('utf8') : '';
  return `Response:\nHTTP/1.1 ${head.status} ${head.statusText}\r\n${headerLines(head.raw)}\r\n${text}\n`;
}
