// http.expectedStatuses(): the only kind of response callback k6 supports.

/** One argument of expectedStatuses(): a status code or an inclusive range. */
export type StatusSpec = number | { min: number; max: number };

export class ExpectedStatuses {
  private readonly singles: Set<number>;
  private readonly ranges: Array<{ min: number; max: number }>;

  constructor(args: StatusSpec[]) {
    this.singles = new Set();
    this.ranges = [];
    for (const a of args) {
      if (typeof a === 'number' && Number.isInteger(a)) this.singles.add(a);
      else if (a && typeof a === 'object' && Number.isInteger(a.min) && Number.isInteger(a.max))
        this.ranges.push({ min: a.min, max: a.max });
      else {
        throw new Error(
          `expectedStatuses() takes status codes or {min, max} ranges of integers; got ${JSON.stringify(a)}.`,
        );
      }
    }
  }

  expects(status: number): boolean {
    if (this.singles.has(status)) return true;
    for (const r of this.ranges) if (status >= r.min && status <= r.max) return true;
    return false;
  }

  /** The codes and ranges again, as expectedStatuses() takes them (to send them to another thread). */
  specs(): StatusSpec[] {
    return [...this.singles, ...this.ranges];
  }
}

export const DEFAULT_EXPECTED = new ExpectedStatuses([{ min: 200, max: 399 }]);

/** setResponseCallback()'s argument, checked as k6 does: expectedStatuses(...) or null. */
export function checkResponseCallback(callback: unknown): ExpectedStatuses | null {
  if (callback !== null && !(callback instanceof ExpectedStatuses)) {
    throw new Error('setResponseCallback() takes http.expectedStatuses(...) or null.');
  }
  return callback;
}
