// The `k6/metrics` module: custom Counter, Gauge, Rate and Trend metrics.
import type { MetricType, ValueType } from '../metrics/types.ts';
import type { VU } from '../vu.ts';

export function createMetrics(vu: VU) {
  class Metric {
    readonly name: string;
    readonly type: MetricType;
    constructor(name: string, type: MetricType, contains: ValueType) {
      if (vu.phase !== 'init') {
        throw new Error(
          `new metric "${name}" must be created in the init context (top level of the script), like in k6.`,
        );
      }
      vu.test.registry.define(name, type, contains);
      this.name = name;
      this.type = type;
    }

    add(value: number | boolean, tags?: Record<string, string | number | boolean>): boolean {
      let v: number;
      if (this.type === 'rate') v = value ? 1 : 0;
      else if (typeof value === 'boolean') v = value ? 1 : 0;
      else v = Number(value);
      if (Number.isNaN(v)) {
        throw new Error(`${this.name}.add() was given ${String(value)}, which is not a number.`);
      }
      let sampleTags = vu.sampleTags();
      if (tags) {
        sampleTags = { ...sampleTags };
        for (const [k, t] of Object.entries(tags)) sampleTags[k] = String(t);
      }
      vu.test.emit({ metric: this.name, time: Date.now(), value: v, tags: sampleTags });
      return true;
    }
  }

  class Counter extends Metric {
    constructor(name: string) {
      super(name, 'counter', 'default');
    }
  }
  class Gauge extends Metric {
    constructor(name: string, isTime = false) {
      super(name, 'gauge', isTime ? 'time' : 'default');
    }
  }
  class Rate extends Metric {
    constructor(name: string) {
      super(name, 'rate', 'default');
    }
  }
  class Trend extends Metric {
    constructor(name: string, isTime = false) {
      super(name, 'trend', isTime ? 'time' : 'default');
    }
  }
  return { Counter, Gauge, Rate, Trend };
}
