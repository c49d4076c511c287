// `cloudwatch`: Container Insights, ALB, RDS and EFS metrics for the run's window, fetched at the
// end. Its last minute or two may still be gaps then (CloudWatch lags); `npm run report -- <run>
// --cw-…` fetches the same window again later.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { fetchCloudWatchMetrics } from './cloudwatch.ts';
import {
  type CloudWatchOptions,
  CW_OPTION_NAMES,
  cloudWatchHelp,
  cloudWatchOptionsFromArgs,
} from './cloudwatch-options.ts';
import { PERIOD_SECONDS } from './cloudwatch-queries.ts';
import type { MetricsSource, SourceOptions } from './source.ts';

const optionsOf = (options: SourceOptions) => (options.cloudwatch as CloudWatchOptions | undefined) ?? null;

export const cloudWatchSource: MetricsSource = {
  name: 'cloudwatch',
  title: 'CloudWatch',
  help: 'CloudWatch for the run window, 1-minute points (default when any --cw-* option is given)',
  options: Object.fromEntries(CW_OPTION_NAMES.map((n) => [n, { type: 'string' as const }])),
  optionsHelp: cloudWatchHelp,
  parseOptions: (args, env) =>
    cloudWatchOptionsFromArgs(
      Object.fromEntries(
        CW_OPTION_NAMES.map((n) => [n, typeof args[n] === 'string' ? (args[n] as string) : undefined]),
      ),
      env,
    ),
  unusable: (ctx) =>
    optionsOf(ctx.options)
      ? null
      : '--node-metrics cloudwatch needs at least one of --cw-cluster, --cw-load-balancer, --cw-db-instance or --cw-file-system.',
  suits: (ctx) => ctx.target === 'connect' && optionsOf(ctx.options) !== null,
  describe(ctx) {
    const o = optionsOf(ctx.options) ?? {};
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
        fetchCloudWatchMetrics(
          optionsOf(ctx.options) ?? {},
          { start, end: new Date() },
          ctx.clients?.cloudwatch as CloudWatchClient | undefined,
        ).catch((err) => ({
          source: 'cloudwatch',
          periodSeconds: PERIOD_SECONDS,
          series: [],
          warnings: [
            `CloudWatch metrics were not fetched: ${err instanceof Error ? err.message : String(err)}`,
          ],
        })),
    };
  },
  refetch: (options, window) => fetchCloudWatchMetrics(options as CloudWatchOptions, window),
};
