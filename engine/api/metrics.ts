// The `k6/metrics` module: custom Counter, Gauge, Rate and Trend metrics, for both kinds of VU.
import type { MetricType } from '../metrics/types.ts';
import { extraTags, type ModuleVU } from './module-vu.ts';

export function createMetrics(vu: ModuleVU) {
  class Metric {
    readonly name: string;
    readonly type: MetricType;
    constructor(name: string, type: MetricType, isTime: boolean) {
      if (vu.phase !== 'init') {
        throw new Error(
          `new metric "${name}" must be created in the init context (top level of the script), like in k6.`,
        );
      }
      vu.defineMetric(name, type, isTime);
      this.name = name;
      this.type = type;
    }

    add(value: number | boolean, tags?: Record<string, string | number | boolean>): boolean {
      const v = typeof value === 'boolean' || this.type === 'rate' ? (value ? 1 : 0) : Number(value);
      if (Number.isNaN(v)) {
        throw new Error(`${this.name}.add() was given ${String(value)}, which is not a number.`);
      }
      vu.emitMetric(this.name, v, extraTags(tags));
      return true;
    }
  }

  class Counter extends Metric {
    constructor(name: string) {
      super(name, 'counter', false);
    }
  }
  class Gauge extends Metric {
    constructor(name: string, isTime = false) {
      super(name, 'gauge', isTime);
    }
  }
  class Rate extends Metric {
    constructor(name: string) {
      super(name, 'rate', false);
    }
  }
  class Trend extends Metric {
    constructor(name: string, isTime = false) {
      super(name, 'trend', isTime);
    }
  }
  return { Counter, Gauge, Rate, Trend };
}
