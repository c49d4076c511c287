// What `--summary-mode=full` adds to the end-of-test summary: each metric again for every group
// and every scenario, each with its own sinks. Kept as k6's summary output keeps it
// (grafana/k6 internal/output/summary/summary.go and data.go, flushSample):
// - a sample tagged with a scenario other than `default` counts for that scenario;
// - a sample tagged with a group counts for that group (and not for its parent groups), under its
//   scenario when the scenario is not `default`, else under the test; setup() and teardown()
//   samples count for no group;
// - only metrics by their own name (no sub-metric), and a node's checks by name in the order
//   their first result came.
// Trends keep every value per node (8 bytes per sample per node), as k6 keeps separate sinks.
import { newSink, type Sink } from './sinks.ts';
import type { MetricType, ValueType } from './types.ts';

export interface BreakdownCheck {
  name: string;
  passes: number;
  fails: number;
}

export interface BreakdownMetric {
  type: MetricType;
  contains: ValueType;
  sink: Sink;
}

export class BreakdownNode {
  readonly metrics = new Map<string, BreakdownMetric>();
  readonly checks = new Map<string, BreakdownCheck>();
  /** Sub-groups by name, in the order their first sample came. */
  readonly groups = new Map<string, BreakdownNode>();

  add(name: string, type: MetricType, contains: ValueType, value: number, check: string | undefined): void {
    let metric = this.metrics.get(name);
    if (metric === undefined) {
      metric = { type, contains, sink: newSink(type) };
      this.metrics.set(name, metric);
    }
    metric.sink.add(value);
    if (name === 'checks' && check !== undefined) noteCheck(this.checks, check, value !== 0);
  }

  group(name: string): BreakdownNode {
    let node = this.groups.get(name);
    if (node === undefined) {
      node = new BreakdownNode();
      this.groups.set(name, node);
    }
    return node;
  }
}

/** Adds one check result to `checks` (kept in the order each name's first result came). */
export function noteCheck(checks: Map<string, BreakdownCheck>, name: string, pass: boolean): void {
  let check = checks.get(name);
  if (check === undefined) {
    check = { name, passes: 0, fails: 0 };
    checks.set(name, check);
  }
  if (pass) check.passes++;
  else check.fails++;
}

const GROUP_SEPARATOR = '::';

export class Breakdown {
  /** The test's own groups (samples of the `default` scenario or of none). */
  readonly root = new BreakdownNode();
  readonly scenarios = new Map<string, BreakdownNode>();

  add(
    name: string,
    type: MetricType,
    contains: ValueType,
    value: number,
    tags: Record<string, string>,
  ): void {
    let node = this.root;
    const scenario = tags.scenario;
    if (scenario !== undefined && scenario !== 'default') {
      node = this.scenarios.get(scenario) ?? new BreakdownNode();
      this.scenarios.set(scenario, node);
      node.add(name, type, contains, value, tags.check);
    }
    const group = tags.group;
    if (group === undefined || group === '') return;
    const path = group.startsWith(GROUP_SEPARATOR) ? group.slice(GROUP_SEPARATOR.length) : group;
    if (path === 'setup' || path === 'teardown') return;
    for (const part of path.split(GROUP_SEPARATOR)) node = node.group(part);
    node.add(name, type, contains, value, tags.check);
  }
}
