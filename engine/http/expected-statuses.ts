// http.expectedStatuses(): the only kind of response callback k6 supports.
export class ExpectedStatuses {
  private readonly singles: Set<number>;
  private readonly ranges: Array<{ min: number; max: number }>;

  constructor(args: Array<number | { min: number; max: number }>) {
    this.singles = new Set();
    this.ranges = [];
    for (const a of args) {
      if (typeof a === 'number' && Number.isInteger(a)) this.singles.add(a);
      else if (a && typeof a === 'object' && Number.isInteger(a.min) && Number.isInteger(a.max))
        this.ranges.push(a);
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
}

export const DEFAULT_EXPECTED = new ExpectedStatuses([{ min: 200, max: 399 }]);
