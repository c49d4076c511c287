// The fetcher: one iteration = one GET of the Flask stock API, with checks. No sleep: VUs run
// flat out, as in Posit's test. The route mix is in stock-api.ts.

import { check } from 'k6';
import http from 'k6/http';
import { inputs } from './env.ts';
import type { RunData } from './run-setup.ts';
import { fetchRoute, hasExpectedShape } from './stock-api.ts';

// Content set to access_type "all" needs no key, but sending it lets the fetchers reach content
// restricted to the key's user too.
const headers: Record<string, string> = inputs.apiKey ? { Authorization: `Key ${inputs.apiKey}` } : {};

export async function fetch(data: RunData): Promise<void> {
  const route = fetchRoute(__VU, __ITER);
  const res = await http.asyncRequest('GET', `${data.flaskUrl}${route.path}`, null, {
    headers,
    tags: { name: route.name },
  });
  check(res, {
    'fetch status is 200': (r) => r.status === 200,
    'fetch answer has the stock JSON shape': (r) =>
      typeof r.body === 'string' && hasExpectedShape(route, r.body),
  });
}
