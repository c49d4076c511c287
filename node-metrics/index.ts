// Node metrics: one port, several sources. A run starts a recorder before the load and stops it
// after; every source answers with the same NodeMetrics for the run record.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { NodeMetrics } from '../record/types.ts';
import { fetchCloudWatchMetrics } from './cloudwatch.ts';
import type { CloudWatchOptions } from './cloudwatch-options.ts';
import { PERIOD_SECONDS } from './cloudwatch-queries.ts';
import { startLocalSampler } from './local.ts';
import type { LabelledProcess } from './process-tree.ts';

export { createCloudWatchClient, fetchCloudWatchMetrics } from './cloudwatch.ts';
export { type CloudWatchOptions, cloudWatchHelp, cloudWatchOptionsFromArgs } from './cloudwatch-options.ts';
export { type LocalSampler, type LocalSamplerOptions, startLocalSampler } from './local.ts';
export type { LabelledProcess } from './process-tree.ts';

export type NodeMetricsSource =
  | { kind: 'local'; processes: () => LabelledProcess[]; intervalMs?: number }
  | { kind: 'cloudwatch'; options: CloudWatchOptions; client?: CloudWatchClient }
  | { kind: 'none' };

export interface NodeMetricsRecorder {
  /** Ends the recording and returns the series; never rejects, problems become warnings. */
  stop(): Promise<NodeMetrics>;
}

/** CloudWatch is fetched at stop() for the window start..stop. Its last minute or two may still
 *  be gaps then (CloudWatch lags); fetchCloudWatchMetrics on the same window later fills them. */
export function startNodeMetrics(source: NodeMetricsSource): NodeMetricsRecorder {
  switch (source.kind) {
    case 'local':
      return startLocalSampler({ processes: source.processes, intervalMs: source.intervalMs });
    case 'cloudwatch': {
      const start = new Date();
      return {
        stop: () =>
          fetchCloudWatchMetrics(source.options, { start, end: new Date() }, source.client).catch((err) => ({
            source: 'cloudwatch',
            periodSeconds: PERIOD_SECONDS,
            series: [],
            warnings: [
              `CloudWatch metrics were not fetched: ${err instanceof Error ? err.message : String(err)}`,
            ],
          })),
      };
    }
    case 'none':
      return { stop: async () => ({ source: 'none', periodSeconds: 0, series: [], warnings: [] }) };
  }
}

/** One line for logs and the run's metadata; never includes credentials. */
export function describeSource(source: NodeMetricsSource): string {
  switch (source.kind) {
    case 'local':
      return `local: this machine and the stand-in's processes from /proc, every ${(source.intervalMs ?? 1000) / 1000} s`;
    case 'cloudwatch': {
      const o = source.options;
      const parts = [
        o.clusterName && `EKS cluster ${o.clusterName} nodes`,
        o.loadBalancer && `ALB ${o.targetGroup ? `${o.loadBalancer} / ${o.targetGroup}` : o.loadBalancer}`,
        o.dbInstance && `RDS ${o.dbInstance}`,
        o.fileSystemId && `EFS ${o.fileSystemId}`,
      ].filter(Boolean);
      const where = [o.region ?? 'default region', o.endpoint && `endpoint ${o.endpoint}`]
        .filter(Boolean)
        .join(', ');
      return `cloudwatch (${where}): ${parts.join(', ') || 'nothing selected'}, 1-minute points`;
    }
    case 'none':
      return 'none: no node metrics';
  }
}
