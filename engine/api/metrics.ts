// The `k6/metrics` module: custom Counter, Gauge, Rate and Trend metrics, for both kinds of VU.
import type { MetricType } from '../metrics/types.ts';
import { extraTags, type ModuleVU } from './module-vu.ts';

export function createMetrics(vu: ModuleVU) {
  // What a script sees of a metric is k6's object: `name` and `add` (console.log gives
  // { name: "…", add: [object Function] }); the type stays private.
  class Metric {
    readonly name: string;
    readonly #type: MetricType;
    constructor(name: string, type: MetricType, isTime: boolean) {
      if (vu.phase !== 'init') {
        throw new Error(
          `new metric "${name}" must be created in the init context (top level of the script), like in k6.`,
        );
      }
      vu.defineMetric(name, type, isTime);
      this.name = name;
      this.#type = type;
      Object.defineProperty(this, 'add', {
        value: Metric.prototype.add,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }

    /**
     * As k6's add() (grafana/k6 internal/js/modules/k6/metrics/metrics.go): the value as a
     * number, a truthy value that is 0 as a number (`[]`) as 1; null, undefined and what is not a
     * number (`'abc'`) add nothing and log a warning (throw with the `throw` option) and give
     * false. A Rate counts every non-zero value as true.
     */
    add(...args: [value?: unknown, tags?: Record<string, string | number | boolean>]): boolean {
      const [value, tags] = args;
      if (vu.phase === 'init') throw new Error('Adding to metrics in the init context is not supported');
      let v = value === null ? Number.NaN : Number(value);
      if (v === 0 && value) v = 1;
      if (Number.isNaN(v)) {
        const message =
          args.length === 0
            ? `no value was provided for metric '${this.name}', a number or a boolean value is expected`
            : `'${limitValue(String(value))}' is an invalid value for metric '${this.name}', a number or a boolean value is expected`;
        if ((vu.options as { throw?: unknown } | undefined)?.throw === true) throw new Error(message);
        vu.warn(message);
        return false;
      }
      let extra: ReturnType<typeof extraTags>;
      try {
        extra = extraTags(tags);
      } catch (err) {
        throw new Error(`cannot add tags for the '${this.name}' custom metric: ${(err as Error).message}`);
      }
      vu.emitMetric(this.name, this.#type === 'rate' ? (v !== 0 ? 1 : 0) : v, extra);
      return true;
    }
  }

  // k6 takes isTime for every kind of metric (grafana/k6 internal/js/modules/k6/metrics/metrics.go).
  class Counter extends Metric {
    constructor(name: string, isTime = false) {
      super(name, 'counter', isTime);
    }
  }
  class Gauge extends Metric {
    constructor(name: string, isTime = false) {
      super(name, 'gauge', isTime);
    }
  }
  class Rate extends Metric {
    constructor(name: string, isTime = false) {
      super(name, 'rate', isTime);
    }
  }
  class Trend extends Metric {
    constructor(name: string, isTime = false) {
      super(name, 'trend', isTime);
    }
  }
  return { Counter, Gauge, Rate, Trend };
}

/** A value in a warning, at most 100 characters around an omission note, as k6's limitValue. */
function limitValue(text: string): string {
  const chars = [...text];
  if (chars.length < 100) return text;
  return `${chars.slice(0, 50).join('')}... omitting ${chars.length - 100} characters ...${chars.slice(-50).join('')}`;
}
