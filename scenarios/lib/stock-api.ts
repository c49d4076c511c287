// The two stock APIs as the workload sees them: which Flask route one fetch iteration requests,
// and what good answers from Flask and Plumber look like. Pure.
//
// The Flask mix, out of every 10 consecutive iterations of a VU:
//   8 × GET /stocks/{ticker}          small JSON (price, volatility): the main load
//   1 × GET /stocks/                  the ticker list, cheapest
//   1 × GET /stocks/{ticker}/history  ~2,200 rows, the heavy one
// The position in the cycle is offset by the VU number, so VUs started together do not all ask for
// the heavy route at once; the ticker rotates too, so every ticker gets each route.

export const TICKERS = ['AAPL', 'AMZN', 'FB', 'GOOG', 'INTC', 'MSFT'] as const;

export type RouteName = 'GET /stocks/' | 'GET /stocks/{ticker}' | 'GET /stocks/{ticker}/history';

export interface FetchRoute {
  /** The request's `name` tag. */
  name: RouteName;
  /** Path relative to the content URL (no leading slash). */
  path: string;
  ticker: string | null;
}

const LIST_SLOT = 0;
const HISTORY_SLOT = 5;

/** The route of iteration `iter` (0-based, k6's __ITER) of VU `vu` (1-based, k6's __VU). */
export function fetchRoute(vu: number, iter: number): FetchRoute {
  const turn = vu + iter;
  const slot = turn % 10;
  const ticker = TICKERS[(turn + Math.floor(turn / 10)) % TICKERS.length];
  if (slot === LIST_SLOT) return { name: 'GET /stocks/', path: 'stocks/', ticker: null };
  if (slot === HISTORY_SLOT) {
    return { name: 'GET /stocks/{ticker}/history', path: `stocks/${ticker}/history`, ticker };
  }
  return { name: 'GET /stocks/{ticker}', path: `stocks/${ticker}`, ticker };
}

/**
 * Whether `body` has the shape the route answers with (the Flask fixture's routes in fixtures/). The history body
 * is large, so only its first row is parsed: the load generator's CPU belongs to sending requests.
 */
export function hasExpectedShape(route: FetchRoute, body: string): boolean {
  try {
    if (route.name === 'GET /stocks/') {
      const list = JSON.parse(body) as { tickers?: unknown };
      return Array.isArray(list.tickers) && list.tickers.length > 0;
    }
    if (route.name === 'GET /stocks/{ticker}') {
      const stock = JSON.parse(body) as { ticker?: unknown; price?: unknown; volatility?: unknown };
      return (
        stock.ticker === route.ticker &&
        typeof stock.price === 'number' &&
        typeof stock.volatility === 'number'
      );
    }
    const start = body.indexOf('[');
    const end = body.indexOf('}', start);
    if (start === -1 || end === -1) return false;
    const row = JSON.parse(body.slice(start + 1, end + 1)) as { date?: unknown; close?: unknown };
    return typeof row.date === 'string' && typeof row.close === 'number';
  } catch {
    return false;
  }
}

/** Whether a Plumber `/volatility` body is right: plumber boxes scalars (`["AAPL"]`), so accept both. */
export function isVolatilityAnswer(body: string, ticker: string): boolean {
  try {
    const answer = JSON.parse(body) as { ticker?: unknown; volatility?: unknown };
    const unbox = (v: unknown) => (Array.isArray(v) && v.length === 1 ? v[0] : v);
    return unbox(answer.ticker) === ticker && typeof unbox(answer.volatility) === 'number';
  } catch {
    return false;
  }
}
