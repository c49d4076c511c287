// test-tier: unit
import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  ListMetricsCommand,
  type Metric,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import {
  chooseSource,
  cloudWatchOptionsFromArgs,
  fetchCloudWatchMetrics,
  findSource,
  metricsSources,
} from '../harness/node-metrics/index.ts';
import type { NodeMetrics } from '../harness/record/types.ts';

const cw = mockClient(CloudWatchClient);
const client = new CloudWatchClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
});
after(() => {
  cw.restore();
  client.destroy();
});
beforeEach(() => cw.reset());

const MIN = 60_000;
// A run ten minutes ago, 4 min 48 s long, starting and ending off the minute.
const base = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
const window = { start: new Date(base + 17_000), end: new Date(base + 4 * MIN + 5_000) };
const minute = (i: number) => new Date(base + i * MIN);
const epoch = (i: number) => (base + i * MIN) / 1000;

const nodeMetric = (instanceId: string, nodeName: string, cluster = 'connect'): Metric => ({
  Namespace: 'ContainerInsights',
  MetricName: 'node_cpu_utilization',
  Dimensions: [
    { Name: 'NodeName', Value: nodeName },
    { Name: 'ClusterName', Value: cluster },
    { Name: 'InstanceId', Value: instanceId },
  ],
});

const all = {
  clusterName: 'connect',
  loadBalancer: 'app/connect-alb/50dc6c495c0c9188',
  targetGroup: 'targetgroup/connect/943f017f100becff',
  dbInstance: 'connect-db',
  fileSystemId: 'fs-0123456789abcdef0',
};

const gmdInputs = () =>
  cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input as GetMetricDataCommandInput);
const series = (m: NodeMetrics, label: string) => {
  const s = m.series.find((x) => x.label.startsWith(label));
  assert.ok(s, `series ${label} in ${m.series.map((x) => x.label)}`);
  return s;
};

describe('CloudWatch queries (command level)', () => {
  test('discovers nodes with ListMetrics and asks for every series with the right dimensions and stats', async () => {
    cw.on(ListMetricsCommand).resolves({
      Metrics: [
        nodeMetric('i-0b', 'ip-10-0-2-7.ec2.internal'),
        nodeMetric('i-0a', 'ip-10-0-1-5.ec2.internal'),
        nodeMetric('i-0a', 'ip-10-0-1-5.ec2.internal'), // listed twice: one node
        {
          Namespace: 'ContainerInsights',
          MetricName: 'node_cpu_utilization',
          Dimensions: [{ Name: 'ClusterName', Value: 'connect' }],
        },
      ],
    });
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    const metrics = await fetchCloudWatchMetrics({ region: 'us-east-1', ...all }, window, client);

    const list = cw.commandCalls(ListMetricsCommand);
    assert.equal(list.length, 1);
    assert.deepEqual(JSON.parse(JSON.stringify(list[0].args[0].input)), {
      Namespace: 'ContainerInsights',
      MetricName: 'node_cpu_utilization',
      Dimensions: [{ Name: 'ClusterName', Value: 'connect' }],
      RecentlyActive: 'PT3H',
    });

    const [input] = gmdInputs();
    assert.equal(gmdInputs().length, 1);
    assert.deepEqual(input.StartTime, minute(0));
    assert.deepEqual(input.EndTime, minute(5));
    assert.equal(input.ScanBy, 'TimestampAscending');
    const queries = input.MetricDataQueries as MetricDataQuery[];
    const shape = (q: MetricDataQuery) => {
      const m = q.MetricStat!.Metric!;
      const dims = Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name, d.Value]));
      return [q.Id, m.Namespace, m.MetricName, q.MetricStat!.Stat, q.MetricStat!.Period, dims];
    };
    const alb = { TargetGroup: all.targetGroup, LoadBalancer: all.loadBalancer };
    const node = (i: string, n: string) => ({ ClusterName: 'connect', InstanceId: i, NodeName: n });
    const n0 = node('i-0a', 'ip-10-0-1-5.ec2.internal');
    const n1 = node('i-0b', 'ip-10-0-2-7.ec2.internal');
    assert.deepEqual(queries.map(shape), [
      ['node0_cpu', 'ContainerInsights', 'node_cpu_utilization', 'Average', 60, n0],
      ['node0_mem', 'ContainerInsights', 'node_memory_utilization', 'Average', 60, n0],
      ['node0_net', 'ContainerInsights', 'node_network_total_bytes', 'Average', 60, n0],
      ['node1_cpu', 'ContainerInsights', 'node_cpu_utilization', 'Average', 60, n1],
      ['node1_mem', 'ContainerInsights', 'node_memory_utilization', 'Average', 60, n1],
      ['node1_net', 'ContainerInsights', 'node_network_total_bytes', 'Average', 60, n1],
      ['alb_requests', 'AWS/ApplicationELB', 'RequestCount', 'Sum', 60, alb],
      ['alb_response_time', 'AWS/ApplicationELB', 'TargetResponseTime', 'Average', 60, alb],
      ['alb_target_5xx', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', 60, alb],
      ['alb_healthy_hosts', 'AWS/ApplicationELB', 'HealthyHostCount', 'Average', 60, alb],
      ['rds_cpu', 'AWS/RDS', 'CPUUtilization', 'Average', 60, { DBInstanceIdentifier: 'connect-db' }],
      [
        'rds_connections',
        'AWS/RDS',
        'DatabaseConnections',
        'Average',
        60,
        { DBInstanceIdentifier: 'connect-db' },
      ],
      ['efs_connections', 'AWS/EFS', 'ClientConnections', 'Sum', 60, { FileSystemId: all.fileSystemId }],
      ['efs_io_limit', 'AWS/EFS', 'PercentIOLimit', 'Average', 60, { FileSystemId: all.fileSystemId }],
    ]);
    for (const q of queries) {
      assert.match(q.Id!, /^[a-z][A-Za-z0-9_]*$/);
      assert.equal(q.MetricStat!.Unit, undefined, 'no Unit: a wrong one would return nothing');
    }
    // The record's series follow the queries, with human labels and units.
    assert.equal(metrics.source, 'cloudwatch');
    assert.equal(metrics.periodSeconds, 60);
    assert.equal(series(metrics, 'node ip-10-0-1-5.ec2.internal (i-0a) CPU %').unit, 'percent');
    assert.equal(
      series(metrics, `ALB ${all.targetGroup} target response time, average (seconds)`).unit,
      'seconds',
    );
    assert.equal(series(metrics, 'RDS connect-db CPU %').metric, 'rds_cpu_percent');
  });

  test('merges NextToken pages in order into one series per query', async () => {
    const result = (i: number[], v: number[], status: 'PartialData' | 'Complete') => ({
      Id: 'rds_cpu',
      Timestamps: i.map(minute),
      Values: v,
      StatusCode: status,
    });
    const pages = [
      { MetricDataResults: [result([0, 1], [10, 11], 'PartialData')], NextToken: 'page2' },
      { MetricDataResults: [result([2, 3], [12, 13], 'PartialData')], NextToken: 'page3' },
      { MetricDataResults: [result([4], [14], 'Complete')] },
    ];
    // The paginator reuses one input object, so the token is read at each call.
    const tokens: Array<string | undefined> = [];
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      tokens.push(input.NextToken);
      return pages.shift();
    });

    const metrics = await fetchCloudWatchMetrics({ dbInstance: 'connect-db' }, window, client);

    assert.deepEqual(tokens, [undefined, 'page2', 'page3']);
    assert.deepEqual(series(metrics, 'RDS connect-db CPU %').points, [
      { t: epoch(0), v: 10 },
      { t: epoch(1), v: 11 },
      { t: epoch(2), v: 12 },
      { t: epoch(3), v: 13 },
      { t: epoch(4), v: 14 },
    ]);
    // The other query had no data at all: a gap at every minute and a warning naming it.
    assert.deepEqual(
      series(metrics, 'RDS connect-db database connections').points.map((p) => p.v),
      [null, null, null, null, null],
    );
    assert.deepEqual(metrics.warnings.length, 1);
    assert.match(
      metrics.warnings[0],
      /no data for "RDS connect-db database connections \(average\)".*AWS\/RDS DatabaseConnections Average \{DBInstanceIdentifier=connect-db\}/,
    );
  });

  test('missing minutes are gaps; ALB 5XX is zero in minutes the ALB published', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'alb_requests',
          Timestamps: [minute(0), minute(1), minute(3)],
          Values: [600, 610, 590],
          StatusCode: 'Complete',
        },
        { Id: 'alb_response_time', Timestamps: [minute(1)], Values: [0.223], StatusCode: 'Complete' },
        { Id: 'alb_target_5xx', Timestamps: [minute(1)], Values: [2], StatusCode: 'Complete' },
      ],
    });
    const metrics = await fetchCloudWatchMetrics({ loadBalancer: all.loadBalancer }, window, client);
    const values = (label: string) => series(metrics, label).points.map((p) => p.v);
    const lb = `ALB ${all.loadBalancer}`;
    assert.deepEqual(values(`${lb} requests per minute`), [600, 610, null, 590, null]);
    assert.deepEqual(values(`${lb} target response time`), [null, 0.223, null, null, null]);
    assert.deepEqual(values(`${lb} target 5XX`), [0, 2, null, 0, null]);
    assert.ok(
      !metrics.series.some((s) => s.metric === 'alb_healthy_host_count'),
      'healthy hosts need a target group',
    );
    const [input] = gmdInputs();
    const dims = input.MetricDataQueries![0].MetricStat!.Metric!.Dimensions;
    assert.deepEqual(dims, [{ Name: 'LoadBalancer', Value: all.loadBalancer }]);
    assert.deepEqual(metrics.warnings, []);
  });

  test('access denied, throttling and Forbidden results become warnings, and the rest still arrives', async () => {
    const denied = Object.assign(
      new Error(
        'User: arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: cloudwatch:ListMetrics',
      ),
      {
        name: 'AccessDenied',
      },
    );
    cw.on(ListMetricsCommand).rejects(denied);
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'efs_connections', Timestamps: [minute(2)], Values: [3], StatusCode: 'Complete' },
        {
          Id: 'efs_io_limit',
          Timestamps: [],
          Values: [],
          StatusCode: 'Forbidden',
          Messages: [{ Code: 'Forbidden', Value: 'no access to AWS/EFS' }],
        },
      ],
    });
    const metrics = await fetchCloudWatchMetrics(
      { clusterName: 'connect', fileSystemId: all.fileSystemId },
      window,
      client,
    );
    assert.ok(!metrics.series.some((s) => s.metric === 'cpu_percent'));
    assert.deepEqual(
      series(metrics, 'EFS fs-0123456789abcdef0 client connections').points.map((p) => p.v),
      [null, null, 3, null, null],
    );
    assert.equal(metrics.warnings.length, 2);
    assert.match(
      metrics.warnings[0],
      /Listing the nodes of cluster connect failed \(AccessDenied: User: .* is not authorized.*cloudwatch:ListMetrics/,
    );
    assert.match(
      metrics.warnings[1],
      /answered Forbidden for "EFS fs-0123456789abcdef0 % of I\/O limit.*no access to AWS\/EFS/,
    );

    cw.reset();
    cw.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    const throttled = await fetchCloudWatchMetrics({ dbInstance: 'connect-db' }, window, client);
    assert.ok(throttled.series.every((s) => s.points.length === 5 && s.points.every((p) => p.v === null)));
    assert.equal(throttled.warnings.length, 1);
    assert.match(
      throttled.warnings[0],
      /GetMetricData failed \(ThrottlingException: Rate exceeded\); missing minutes of RDS connect-db CPU %, RDS connect-db database connections \(average\) are gaps/,
    );
  });

  test('more than 500 queries are split over several calls', async () => {
    const nodes = Array.from({ length: 200 }, (_, i) =>
      nodeMetric(`i-${i}`, `node-${String(i).padStart(3, '0')}`),
    );
    cw.on(ListMetricsCommand)
      .resolvesOnce({ Metrics: nodes.slice(0, 120), NextToken: 'more' })
      .resolvesOnce({ Metrics: nodes.slice(120) });
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const metrics = await fetchCloudWatchMetrics(
      { clusterName: 'connect', dbInstance: 'connect-db' },
      window,
      client,
    );
    assert.equal(cw.commandCalls(ListMetricsCommand)[1].args[0].input.NextToken, 'more');
    assert.deepEqual(
      gmdInputs().map((i) => i.MetricDataQueries!.length),
      [500, 102],
    );
    const ids = gmdInputs().flatMap((i) => i.MetricDataQueries!.map((q) => q.Id));
    assert.equal(new Set(ids).size, 602);
    assert.equal(metrics.series.length, 602);
  });

  test('an old window lists nodes without RecentlyActive and warns about 1-minute retention', async () => {
    cw.on(ListMetricsCommand).resolves({ Metrics: [] });
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const old = {
      start: new Date(Date.now() - 20 * 24 * 3600_000),
      end: new Date(Date.now() - 20 * 24 * 3600_000 + 5 * MIN),
    };
    const metrics = await fetchCloudWatchMetrics({ clusterName: 'connect' }, old, client);
    assert.equal(cw.commandCalls(ListMetricsCommand)[0].args[0].input.RecentlyActive, undefined);
    assert.match(metrics.warnings.join('\n'), /more than 15 days ago/);
    assert.match(metrics.warnings.join('\n'), /No Container Insights node metrics found for cluster connect/);
    await assert.rejects(
      fetchCloudWatchMetrics({ clusterName: 'c' }, { start: window.end, end: window.start }, client),
      /must not end before it starts/,
    );
  });

  test('the cloudwatch source fetches its own window at stop and never rejects', async () => {
    cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalFailure' }));
    const ctx = { target: 'connect' as const, processes: () => [], clients: { cloudwatch: client } };
    const recorder = findSource('cloudwatch')!.start({
      ...ctx,
      options: { cloudwatch: { dbInstance: 'connect-db' } },
    });
    const metrics = await recorder.stop();
    const [input] = gmdInputs();
    assert.equal(input.EndTime!.getTime() - input.StartTime!.getTime(), MIN);
    assert.match(metrics.warnings[0], /InternalFailure: boom/);
    assert.deepEqual(
      await findSource('none')!
        .start({ ...ctx, options: {} })
        .stop(),
      {
        source: 'none',
        periodSeconds: 0,
        series: [],
        warnings: [],
      },
    );
  });
});

describe('CloudWatch options', () => {
  const env = {};
  test('maps the --cw-* options and AWS_REGION', () => {
    assert.equal(cloudWatchOptionsFromArgs({}, env), null);
    assert.equal(cloudWatchOptionsFromArgs({ other: 'x' }, { AWS_REGION: 'not-checked-when-off' }), null);
    assert.deepEqual(
      cloudWatchOptionsFromArgs(
        {
          'cw-cluster': 'connect',
          'cw-load-balancer':
            'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/connect-alb/50dc6c495c0c9188',
          'cw-target-group': all.targetGroup,
          'cw-db-instance': 'connect-db',
          'cw-file-system': all.fileSystemId,
          'cw-endpoint': 'http://127.0.0.1:4566',
        },
        { AWS_REGION: 'eu-west-1' },
      ),
      { ...all, region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' },
    );
    assert.equal(
      cloudWatchOptionsFromArgs(
        { 'cw-db-instance': 'db', 'cw-region': 'us-west-2' },
        { AWS_REGION: 'eu-west-1' },
      )?.region,
      'us-west-2',
    );
  });

  test('rejects what CloudWatch would not match, saying what to write', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [
        { 'cw-load-balancer': 'connect-alb' },
        /--cw-load-balancer "connect-alb" must look like app\/<name>\/<id>/,
      ],
      [
        { 'cw-load-balancer': all.loadBalancer, 'cw-target-group': 'connect' },
        /--cw-target-group "connect" must look like targetgroup\/<name>\/<id>/,
      ],
      [{ 'cw-target-group': all.targetGroup }, /--cw-target-group needs --cw-load-balancer too/],
      [{ 'cw-file-system': 'efs-1' }, /--cw-file-system "efs-1" is not an EFS file system id/],
      [{ 'cw-db-instance': '1db' }, /--cw-db-instance "1db" is not an RDS DB instance identifier/],
      [{ 'cw-cluster': 'a b' }, /--cw-cluster "a b" is not an EKS cluster name/],
      [{ 'cw-cluster': 'c', 'cw-region': 'virginia' }, /--cw-region "virginia" is not an AWS region name/],
      [
        { 'cw-cluster': 'c', 'cw-endpoint': 'localhost:4566' },
        /--cw-endpoint "localhost:4566" is not an http\(s\) URL/,
      ],
      [{ 'cw-region': 'us-east-1' }, /nothing to fetch: add at least one of --cw-cluster/],
    ];
    for (const [args, message] of bad) assert.throws(() => cloudWatchOptionsFromArgs(args, env), message);
    assert.throws(
      () => cloudWatchOptionsFromArgs({ 'cw-cluster': 'c' }, { AWS_REGION: 'nowhere' }),
      /AWS_REGION "nowhere"/,
    );
  });

  test('describes each source in one line', () => {
    const ctx = { target: 'connect' as const, processes: () => [], options: {} };
    assert.equal(
      findSource('cloudwatch')!.describe({
        ...ctx,
        options: { cloudwatch: { region: 'us-east-1', ...all } },
      }),
      `cloudwatch (us-east-1): EKS cluster connect nodes, ALB ${all.loadBalancer} / ${all.targetGroup}, RDS connect-db, EFS ${all.fileSystemId}, 1-minute points`,
    );
    assert.match(findSource('local')!.describe(ctx), /every 1 s/);
    assert.equal(findSource('none')!.describe(ctx), 'none: no node metrics');
  });

  test('chooses the default source from the run, and a named one as given', () => {
    assert.equal(chooseSource(undefined, { target: 'standin', options: {} }).name, 'local');
    assert.equal(chooseSource(undefined, { target: 'connect', options: {} }).name, 'none');
    assert.equal(
      chooseSource(undefined, { target: 'connect', options: { cloudwatch: { clusterName: 'c' } } }).name,
      'cloudwatch',
    );
    assert.equal(
      chooseSource(undefined, { target: 'connect', options: { prometheus: { url: 'http://p:9090' } } }).name,
      'prometheus',
    );
    assert.equal(chooseSource('none', { target: 'standin', options: {} }).name, 'none');
    assert.match(findSource('cloudwatch')!.unusable({ options: {} }) ?? '', /needs at least one of --cw-/);
    assert.equal(new Set(metricsSources.map((s) => s.name)).size, metricsSources.length, 'names are unique');
  });
});
