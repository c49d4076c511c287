// `cloudwatch`: Container Insights, ALB, RDS and EFS metrics for the run's window, fetched at the
// end. Its last minute or two may still be gaps then (CloudWatch lags); `npm run report -- <run>
// --cw-…` fetches the same window again later.
import { fetchCloudWatchMetrics } from './cloudwatch.ts';
import { PERIOD_SECONDS } from './cloudwatch-queries.ts';
import type { MetricsSource } from './source.ts';

export const cloudWatchSource: MetricsSource = {
  name: 'cloudwatch',
  help: 'CloudWatch for the run window, 1-minute points (default when any --cw-* option is given)',
  unusable: (ctx) =>
    ctx.cloudWatch
      ? null
      : '--node-metrics cloudwatch needs at least one of --cw-cluster, --cw-load-balancer, --cw-db-instance or --cw-file-system.',
  suits: (ctx) => ctx.target === 'connect' && ctx.cloudWatch !== null,
  describe(ctx) {
    const o = ctx.cloudWatch ?? {};
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
  },
  start(ctx) {
    const start = new Date();
    return {
      stop: () =>
        fetchCloudWatchMetrics(ctx.cloudWatch ?? {}, { start, end: new Date() }, ctx.cloudWatchClient).catch(
          (err) => ({
            source: 'cloudwatch',
            periodSeconds: PERIOD_SECONDS,
            series: [],
            warnings: [
              `CloudWatch metrics were not fetched: ${err instanceof Error ? err.message : String(err)}`,
            ],
          }),
        ),
    };
  },
};
