// Which CloudWatch series a run wants, as GetMetricData queries. Pure: options and the nodes
// found by ListMetrics in, queries out, so the exact namespaces, dimension sets and statistics
// are tested without AWS.
import type { Dimension, Metric, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { NodeSeries } from '../record/types.ts';
import type { CloudWatchOptions } from './cloudwatch-options.ts';

export const PERIOD_SECONDS = 60;
/** GetMetricData's hard limit on queries per call. */
export const MAX_QUERIES_PER_CALL = 500;

export interface EksNode {
  instanceId: string;
  nodeName: string;
}

export interface PlannedQuery {
  query: MetricDataQuery & { Id: string };
  series: Omit<NodeSeries, 'points'>;
  /** Id of a query whose points mark the minutes the source published; in those minutes a
   *  missing point of this query means zero (ALB only publishes a count when it is not zero). */
  zeroWhenPublished?: string;
}

/** Container Insights (Classic/enhanced) publishes per-node series with exactly these three
 *  dimensions; CloudWatch matches dimension sets exactly, so all three are sent. */
const NODE_DIMENSIONS = ['ClusterName', 'InstanceId', 'NodeName'];

/** The nodes of a cluster, from ListMetrics answers for a node metric. */
export function nodesFromListMetrics(metrics: Metric[]): EksNode[] {
  const nodes = new Map<string, EksNode>();
  for (const m of metrics) {
    const dims = m.Dimensions ?? [];
    const names = dims.map((d) => d.Name).sort();
    if (names.join() !== NODE_DIMENSIONS.join()) continue;
    const value = (name: string) => dims.find((d) => d.Name === name)?.Value ?? '';
    nodes.set(value('InstanceId'), { instanceId: value('InstanceId'), nodeName: value('NodeName') });
  }
  return [...nodes.values()].sort((a, b) => a.nodeName.localeCompare(b.nodeName));
}

export function planQueries(opts: CloudWatchOptions, nodes: EksNode[]): PlannedQuery[] {
  const plan: PlannedQuery[] = [];
  const add = (
    Id: string,
    Namespace: string,
    MetricName: string,
    dims: Record<string, string>,
    Stat: string,
    series: PlannedQuery['series'],
    zeroWhenPublished?: string,
  ) => {
    const Dimensions: Dimension[] = Object.entries(dims).map(([Name, Value]) => ({ Name, Value }));
    plan.push({
      query: {
        Id,
        Label: series.label,
        MetricStat: { Metric: { Namespace, MetricName, Dimensions }, Period: PERIOD_SECONDS, Stat },
        ReturnData: true,
      },
      series,
      ...(zeroWhenPublished ? { zeroWhenPublished } : {}),
    });
  };

  if (opts.clusterName) {
    nodes.forEach((node, i) => {
      const dims = { ClusterName: opts.clusterName!, InstanceId: node.instanceId, NodeName: node.nodeName };
      const name = `node ${node.nodeName} (${node.instanceId})`;
      add(`node${i}_cpu`, 'ContainerInsights', 'node_cpu_utilization', dims, 'Average', {
        metric: 'cpu_percent',
        label: `${name} CPU %`,
        unit: 'percent',
      });
      add(`node${i}_mem`, 'ContainerInsights', 'node_memory_utilization', dims, 'Average', {
        metric: 'mem_used_percent',
        label: `${name} memory used % (working set)`,
        unit: 'percent',
      });
      add(`node${i}_net`, 'ContainerInsights', 'node_network_total_bytes', dims, 'Average', {
        metric: 'net_total_bytes_per_s',
        label: `${name} network received + sent`,
        unit: 'bytes/s',
      });
    });
  }

  if (opts.loadBalancer) {
    // With a target group the ALB series count Connect's traffic only, not the whole ALB's.
    const dims: Record<string, string> = opts.targetGroup
      ? { TargetGroup: opts.targetGroup, LoadBalancer: opts.loadBalancer }
      : { LoadBalancer: opts.loadBalancer };
    const scope = opts.targetGroup ? `ALB ${opts.targetGroup}` : `ALB ${opts.loadBalancer}`;
    const alb = 'AWS/ApplicationELB';
    add('alb_requests', alb, 'RequestCount', dims, 'Sum', {
      metric: 'alb_request_count',
      label: `${scope} requests per minute`,
      unit: 'count',
    });
    add('alb_response_time', alb, 'TargetResponseTime', dims, 'Average', {
      metric: 'alb_target_response_time_seconds',
      label: `${scope} target response time, average (seconds)`,
      unit: 'seconds',
    });
    add(
      'alb_target_5xx',
      alb,
      'HTTPCode_Target_5XX_Count',
      dims,
      'Sum',
      { metric: 'alb_target_5xx_count', label: `${scope} target 5XX responses per minute`, unit: 'count' },
      'alb_requests',
    );
    if (opts.targetGroup) {
      add('alb_healthy_hosts', alb, 'HealthyHostCount', dims, 'Average', {
        metric: 'alb_healthy_host_count',
        label: `${scope} healthy targets (average)`,
        unit: 'count',
      });
    }
  }

  if (opts.dbInstance) {
    const dims = { DBInstanceIdentifier: opts.dbInstance };
    add('rds_cpu', 'AWS/RDS', 'CPUUtilization', dims, 'Average', {
      metric: 'rds_cpu_percent',
      label: `RDS ${opts.dbInstance} CPU %`,
      unit: 'percent',
    });
    add('rds_connections', 'AWS/RDS', 'DatabaseConnections', dims, 'Average', {
      metric: 'rds_connections',
      label: `RDS ${opts.dbInstance} database connections (average)`,
      unit: 'count',
    });
  }

  if (opts.fileSystemId) {
    const dims = { FileSystemId: opts.fileSystemId };
    add('efs_connections', 'AWS/EFS', 'ClientConnections', dims, 'Sum', {
      metric: 'efs_client_connections',
      label: `EFS ${opts.fileSystemId} client connections`,
      unit: 'count',
    });
    add('efs_io_limit', 'AWS/EFS', 'PercentIOLimit', dims, 'Average', {
      metric: 'efs_percent_io_limit',
      label: `EFS ${opts.fileSystemId} % of I/O limit (General Purpose mode only)`,
      unit: 'percent',
    });
  }
  return plan;
}

/** Start rounded down and end rounded up to the minute: aligned windows are faster to query,
 *  and they name the minutes a complete answer has a point for. */
export function alignWindow(window: { start: Date; end: Date }): {
  start: Date;
  end: Date;
  minutes: number[];
} {
  const step = PERIOD_SECONDS * 1000;
  const start = Math.floor(window.start.getTime() / step) * step;
  const end = Math.max(start + step, Math.ceil(window.end.getTime() / step) * step);
  const minutes: number[] = [];
  for (let t = start; t < end; t += step) minutes.push(t / 1000);
  return { start: new Date(start), end: new Date(end), minutes };
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
