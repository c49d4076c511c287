// test-tier: unit
// The CloudWatch source over the wire: the real SDK client (AWS JSON 1.0, SigV4) against a fake
// CloudWatch on 127.0.0.1, checking the request bodies the SDK sent and the series built from
// the answers. Catches what command-level mocks cannot: serialisation of dates and queries.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { createCloudWatchClient, fetchCloudWatchMetrics } from '../harness/node-metrics/index.ts';

interface Received {
  target: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}
type Answer = (req: Received, res: ServerResponse) => void;

const received: Received[] = [];
let answer: Answer = (_req, res) => res.writeHead(500).end();
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const r = {
      target: String(req.headers['x-amz-target']),
      headers: req.headers,
      body: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
    };
    received.push(r);
    answer(r, res);
  });
});
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res
    .writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers })
    .end(JSON.stringify(body));

let client: CloudWatchClient;
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = createCloudWatchClient(
    { region: 'us-east-1', endpoint },
    { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
  );
});
after(() => {
  client.destroy();
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  received.length = 0;
});

const MIN = 60;
const base = Math.floor(Date.now() / 60_000) * MIN - 10 * MIN; // epoch seconds, ten minutes ago
const window = { start: new Date((base + 30) * 1000), end: new Date((base + 2 * MIN + 30) * 1000) };
const GMD = 'GraniteServiceVersion20100801.GetMetricData';
const LIST = 'GraniteServiceVersion20100801.ListMetrics';

test('lists nodes and pages through GetMetricData in AWS JSON 1.0', async () => {
  const node = (i: string, n: string) => ({
    Namespace: 'ContainerInsights',
    MetricName: 'node_cpu_utilization',
    Dimensions: [
      { Name: 'ClusterName', Value: 'connect' },
      { Name: 'InstanceId', Value: i },
      { Name: 'NodeName', Value: n },
    ],
  });
  answer = (req, res) => {
    if (req.target === LIST) {
      return req.body.NextToken === undefined
        ? json(res, 200, { Metrics: [node('i-0a', 'ip-a')], NextToken: 'list2' })
        : json(res, 200, { Metrics: [node('i-0b', 'ip-b')] });
    }
    if (req.target === GMD && req.body.NextToken === undefined) {
      return json(res, 200, {
        MetricDataResults: [
          { Id: 'node0_cpu', Label: 'x', Timestamps: [base], Values: [41.5], StatusCode: 'PartialData' },
          {
            Id: 'node1_net',
            Label: 'x',
            Timestamps: [base, base + MIN],
            Values: [1000, 2000],
            StatusCode: 'Complete',
          },
        ],
        NextToken: 'gmd2',
      });
    }
    if (req.target === GMD && req.body.NextToken === 'gmd2') {
      return json(res, 200, {
        MetricDataResults: [
          {
            Id: 'node0_cpu',
            Label: 'x',
            Timestamps: [base + 2 * MIN],
            Values: [43.25],
            StatusCode: 'Complete',
          },
        ],
      });
    }
    json(res, 400, { __type: 'ValidationError', message: `unexpected ${req.target}` });
  };

  const metrics = await fetchCloudWatchMetrics({ clusterName: 'connect' }, window, client);

  assert.deepEqual(
    received.map((r) => [r.target, r.body.NextToken]),
    [
      [LIST, undefined],
      [LIST, 'list2'],
      [GMD, undefined],
      [GMD, 'gmd2'],
    ],
  );
  for (const r of received) {
    assert.equal(r.headers['content-type'], 'application/x-amz-json-1.0');
    assert.match(
      String(r.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIDFAKE\/\d{8}\/us-east-1\/monitoring\/aws4_request/,
    );
  }
  assert.deepEqual(received[0].body, {
    Namespace: 'ContainerInsights',
    MetricName: 'node_cpu_utilization',
    Dimensions: [{ Name: 'ClusterName', Value: 'connect' }],
    RecentlyActive: 'PT3H',
  });
  const gmd = received[2].body as {
    StartTime: number;
    EndTime: number;
    ScanBy: string;
    MetricDataQueries: unknown[];
  };
  assert.equal(gmd.StartTime, base);
  assert.equal(gmd.EndTime, base + 3 * MIN);
  assert.equal(gmd.ScanBy, 'TimestampAscending');
  assert.equal(gmd.MetricDataQueries.length, 6);
  assert.deepEqual(gmd.MetricDataQueries[0], {
    Id: 'node0_cpu',
    Label: 'node ip-a (i-0a) CPU %',
    MetricStat: {
      Metric: {
        Namespace: 'ContainerInsights',
        MetricName: 'node_cpu_utilization',
        Dimensions: [
          { Name: 'ClusterName', Value: 'connect' },
          { Name: 'InstanceId', Value: 'i-0a' },
          { Name: 'NodeName', Value: 'ip-a' },
        ],
      },
      Period: 60,
      Stat: 'Average',
    },
    ReturnData: true,
  });

  const points = (label: string) => metrics.series.find((s) => s.label === label)?.points;
  assert.deepEqual(points('node ip-a (i-0a) CPU %'), [
    { t: base, v: 41.5 },
    { t: base + MIN, v: null },
    { t: base + 2 * MIN, v: 43.25 },
  ]);
  assert.deepEqual(points('node ip-b (i-0b) network received + sent'), [
    { t: base, v: 1000 },
    { t: base + MIN, v: 2000 },
    { t: base + 2 * MIN, v: null },
  ]);
  // Four node series had no data: each is a gap at every minute and a warning.
  assert.equal(metrics.warnings.length, 4);
  assert.ok(metrics.warnings.every((w) => /^CloudWatch had no data for "node ip-[ab]/.test(w)));
  assert.ok(!JSON.stringify(metrics).includes('AKIDFAKE'));
});

test('an access-denied answer becomes a warning and the run goes on', async () => {
  answer = (_req, res) =>
    json(
      res,
      403,
      {
        __type: 'com.amazon.coral.service#AccessDeniedException',
        message: 'User is not authorized to perform: cloudwatch:GetMetricData',
      },
      { 'x-amzn-query-error': 'AccessDenied;Sender' },
    );
  const metrics = await fetchCloudWatchMetrics({ dbInstance: 'connect-db' }, window, client);
  assert.equal(received.length, 1, 'access denied is not retried');
  assert.equal(received[0].target, GMD);
  assert.deepEqual(
    metrics.series.map((s) => [s.metric, s.points.map((p) => p.v)]),
    [
      ['rds_cpu_percent', [null, null, null]],
      ['rds_connections', [null, null, null]],
    ],
  );
  assert.equal(metrics.warnings.length, 1);
  assert.match(
    metrics.warnings[0],
    /^CloudWatch GetMetricData failed \(AccessDenied.*not authorized.*\); .* need cloudwatch:GetMetricData\.$/,
  );
});
