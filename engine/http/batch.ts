// One entry of http.batch() as k6 accepts it: a URL (string or http.url), an array
// [method, url, body, params] or an object { method, url, body, params }; the method defaults to GET.
import type { Params } from './params.ts';
import { TaggedURL } from './tagged-url.ts';

export interface BatchEntry {
  method: string;
  url: unknown;
  body: unknown;
  params: Params | undefined;
}

export function batchEntry(r: unknown): BatchEntry {
  if (typeof r === 'string' || r instanceof TaggedURL)
    return { method: 'GET', url: r, body: null, params: undefined };
  if (Array.isArray(r)) return { method: String(r[0]), url: r[1], body: r[2], params: r[3] as Params };
  const o = r as { method?: string; url: unknown; body?: unknown; params?: Params };
  return { method: o.method ?? 'GET', url: o.url, body: o.body, params: o.params };
}
