// The set of metrics a test knows about: k6's built-ins plus custom metrics created in init code
// (`new Trend('name', true)`). Defining the same name twice returns the first definition, as in k6,
// so every VU's init code can run `new Trend(...)` without clashing.
import type { MetricInfo, MetricType, ValueType } from './types.ts';

// k6's rule, as its regular expression has it (grafana/k6 metrics/registry.go): 2 to 129 characters.
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'rate', 'trend']);
const CONTAINS: ReadonlySet<string> = new Set(['default', 'time', 'data']);

export class MetricRegistry {
  private readonly metrics = new Map<string, MetricInfo>();

  define(name: string, type: MetricType, contains: ValueType = 'default'): MetricInfo {
    if (!NAME.test(name)) {
      throw new Error(
        `Invalid metric name: '${name}'. Metric names must only include up to 128 ASCII letters, numbers, or underscores and start with a letter or an underscore.`,
      );
    }
    if (!TYPES.has(type)) throw new Error(`Metric "${name}" has unknown type "${type}".`);
    if (!CONTAINS.has(contains)) throw new Error(`Metric "${name}" has unknown value type "${contains}".`);
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.type !== type || existing.contains !== contains) {
        throw new Error(
          `Metric "${name}" already exists as a ${existing.type} (${existing.contains}); ` +
            `it cannot be redefined as a ${type} (${contains}). Pick another name.`,
        );
      }
      return existing;
    }
    const info: MetricInfo = { name, type, contains, thresholds: [], submetrics: null };
    this.metrics.set(name, info);
    return info;
  }

  get(name: string): MetricInfo | undefined {
    return this.metrics.get(name);
  }

  all(): MetricInfo[] {
    return [...this.metrics.values()];
  }
}

/** k6's built-in metrics (k6 docs: https://grafana.com/docs/k6/latest/using-k6/metrics/reference/). */
export function registerBuiltins(registry: MetricRegistry): void {
  registry.define('http_reqs', 'counter');
  for (const part of [
    'duration',
    'blocked',
    'connecting',
    'tls_handshaking',
    'sending',
    'waiting',
    'receiving',
  ]) {
    registry.define(`http_req_${part}`, 'trend', 'time');
  }
  registry.define('http_req_failed', 'rate');
  registry.define('iterations', 'counter');
  registry.define('iteration_duration', 'trend', 'time');
  registry.define('dropped_iterations', 'counter');
  registry.define('vus', 'gauge');
  registry.define('vus_max', 'gauge');
  registry.define('data_sent', 'counter', 'data');
  registry.define('data_received', 'counter', 'data');
  registry.define('checks', 'rate');
  registry.define('group_duration', 'trend', 'time');
}
