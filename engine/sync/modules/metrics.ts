// `import { Counter, Gauge, Rate, Trend } from 'k6/metrics'` in a synchronous VU's thread: the
// hub defines the metrics and turns each add() into a sample with the VU's tags.
import { currentGroup, post, state } from '../channel.ts';

type Kind = 'counter' | 'gauge' | 'rate' | 'trend';

class Metric {
  readonly name: string;
  readonly type: Kind;
  constructor(name: string, type: Kind, isTime: boolean) {
    if (!state.init) {
      throw new Error(
        `new metric "${name}" must be created in the init context (top level of the script), like in k6.`,
      );
    }
    this.name = name;
    this.type = type;
    post({ t: 'metric-new', name, type, isTime });
  }

  add(value: number | boolean, tags?: Record<string, string | number | boolean>): boolean {
    const v = typeof value === 'boolean' || this.type === 'rate' ? (value ? 1 : 0) : Number(value);
    if (Number.isNaN(v))
      throw new Error(`${this.name}.add() was given ${String(value)}, which is not a number.`);
    const extra = tags ? Object.fromEntries(Object.entries(tags).map(([k, t]) => [k, String(t)])) : undefined;
    post({ t: 'metric-add', name: this.name, value: v, group: currentGroup(), tags: extra });
    return true;
  }
}

export class Counter extends Metric {
  constructor(name: string) {
    super(name, 'counter', false);
  }
}
export class Gauge extends Metric {
  constructor(name: string, isTime = false) {
    super(name, 'gauge', isTime);
  }
}
export class Rate extends Metric {
  constructor(name: string) {
    super(name, 'rate', false);
  }
}
export class Trend extends Metric {
  constructor(name: string, isTime = false) {
    super(name, 'trend', isTime);
  }
}

export default { Counter, Gauge, Rate, Trend };
