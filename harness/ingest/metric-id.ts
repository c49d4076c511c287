// The metrics the aggregator reads, by name; every other metric is skipped without parsing its line.
export const MetricId = {
  Skip: 0,
  Reqs: 1,
  Duration: 2,
  Failed: 3,
  Vus: 4,
  VusMax: 5,
  Sent: 6,
  Received: 7,
  Checks: 8,
  Publish: 9,
} as const;
export type MetricId = (typeof MetricId)[keyof typeof MetricId];

const METRIC_IDS = new Map<string, MetricId>([
  ['http_reqs', MetricId.Reqs],
  ['http_req_duration', MetricId.Duration],
  ['http_req_failed', MetricId.Failed],
  ['vus', MetricId.Vus],
  ['vus_max', MetricId.VusMax],
  ['data_sent', MetricId.Sent],
  ['data_received', MetricId.Received],
  ['checks', MetricId.Checks],
]);

export function metricId(metric: string): MetricId {
  return METRIC_IDS.get(metric) ?? (metric.startsWith('publish_') ? MetricId.Publish : MetricId.Skip);
}
