// The CloudWatch node-metrics source: after a run, fetches 1-minute series for the run window
// (EKS nodes via Container Insights, ALB, RDS, EFS). Anything AWS refuses becomes a warning in
// the record; the run itself never fails because of metrics.
import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  type GetMetricDataOutput,
  type Metric,
  paginateGetMetricData,
  paginateListMetrics,
} from '@aws-sdk/client-cloudwatch';
import type { NodeMetrics } from '../record/types.ts';
import type { CloudWatchOptions } from './cloudwatch-options.ts';
import {
  alignWindow,
  chunk,
  type EksNode,
  MAX_QUERIES_PER_CALL,
  nodesFromListMetrics,
  PERIOD_SECONDS,
  type PlannedQuery,
  planQueries,
} from './cloudwatch-queries.ts';
import { collectPages, toNodeSeries } from './cloudwatch-results.ts';

const HOUR_MS = 3600_000;

/** Credentials are left to the SDK's default chain (env, profile, IRSA, instance role) unless a
 *  caller passes them, which only tests against a local fake do. */
export function createCloudWatchClient(
  opts: CloudWatchOptions,
  credentials?: CloudWatchClientConfig['credentials'],
): CloudWatchClient {
  return new CloudWatchClient({
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
}

export async function fetchCloudWatchMetrics(
  opts: CloudWatchOptions,
  window: { start: Date; end: Date },
  client?: CloudWatchClient,
): Promise<NodeMetrics> {
  if (!(window.end.getTime() >= window.start.getTime())) {
    throw new Error(
      `The CloudWatch window must not end before it starts (got ${window.start.toISOString()} to ${window.end.toISOString()}).`,
    );
  }
  const cw = client ?? createCloudWatchClient(opts);
  try {
    const warnings: string[] = [];
    if (Date.now() - window.end.getTime() > 15 * 24 * HOUR_MS) {
      warnings.push(
        'The run ended more than 15 days ago and CloudWatch keeps 1-minute points for 15 days only, so most minutes will be gaps.',
      );
    }
    const nodes = opts.clusterName ? await findNodes(cw, opts.clusterName, window, warnings) : [];
    const plan = planQueries(opts, nodes);
    if (plan.length === 0)
      warnings.push('CloudWatch had nothing to fetch: no cluster nodes, ALB, RDS or EFS.');
    const aligned = alignWindow(window);
    const { pages, failed } = await fetchPages(cw, plan, aligned, warnings);
    const { byId, messages } = collectPages(pages);
    for (const m of messages) warnings.push(`CloudWatch said: ${m}`);
    const { series, warnings: seriesWarnings } = toNodeSeries(plan, byId, aligned.minutes, failed);
    return {
      source: 'cloudwatch',
      periodSeconds: PERIOD_SECONDS,
      series,
      warnings: [...warnings, ...seriesWarnings],
    };
  } finally {
    if (!client) cw.destroy();
  }
}

/** The cluster's nodes, from the node CPU metric's dimension sets. RecentlyActive (last 3 h)
 *  keeps out nodes long gone, but only fits a window that ended within those 3 hours. */
async function findNodes(
  cw: CloudWatchClient,
  clusterName: string,
  window: { end: Date },
  warnings: string[],
): Promise<EksNode[]> {
  const metrics: Metric[] = [];
  try {
    const recent = Date.now() - window.end.getTime() < 3 * HOUR_MS;
    for await (const page of paginateListMetrics(
      { client: cw },
      {
        Namespace: 'ContainerInsights',
        MetricName: 'node_cpu_utilization',
        Dimensions: [{ Name: 'ClusterName', Value: clusterName }],
        ...(recent ? { RecentlyActive: 'PT3H' as const } : {}),
      },
    )) {
      metrics.push(...(page.Metrics ?? []));
    }
  } catch (err) {
    warnings.push(
      `Listing the nodes of cluster ${clusterName} failed (${describeError(err)}); node metrics are left out. The credentials need cloudwatch:ListMetrics.`,
    );
    return [];
  }
  const nodes = nodesFromListMetrics(metrics);
  if (nodes.length === 0) {
    warnings.push(
      `No Container Insights node metrics found for cluster ${clusterName}. Check the name and that the amazon-cloudwatch-observability add-on (Container Insights, Classic or enhanced) runs there; OTel Container Insights is queried with PromQL, not from here.`,
    );
  }
  return nodes;
}

/** One paginated GetMetricData per 500 queries. A failing call costs its own series only. */
async function fetchPages(
  cw: CloudWatchClient,
  plan: PlannedQuery[],
  window: { start: Date; end: Date },
  warnings: string[],
): Promise<{ pages: GetMetricDataOutput[]; failed: Set<string> }> {
  const pages: GetMetricDataOutput[] = [];
  const failed = new Set<string>();
  for (const part of chunk(plan, MAX_QUERIES_PER_CALL)) {
    try {
      for await (const page of paginateGetMetricData(
        { client: cw },
        {
          MetricDataQueries: part.map((p) => p.query),
          StartTime: window.start,
          EndTime: window.end,
          ScanBy: 'TimestampAscending',
        },
      )) {
        pages.push(page);
      }
    } catch (err) {
      for (const p of part) failed.add(p.query.Id);
      const labels = part.map((p) => p.series.label);
      const which =
        labels.length > 3
          ? `${labels.slice(0, 3).join(', ')} and ${labels.length - 3} more`
          : labels.join(', ');
      warnings.push(
        `CloudWatch GetMetricData failed (${describeError(err)}); missing minutes of ${which} are gaps. The credentials need cloudwatch:GetMetricData.`,
      );
    }
  }
  return { pages, failed };
}

/** Error name and message, with anything shaped like an access key id blanked out. */
function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, '<access key id>');
}
