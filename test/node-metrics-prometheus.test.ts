// The prometheus node-metrics source against a real Prometheus 2.42 scraping a real node_exporter
// on loopback; its options; and its failures, each one sentence and never a failed run.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { chooseSource, findSource, sourceOptionsFromArgs } from '../harness/node-metrics/index.ts';
import {
  fetchPrometheusMetrics,
  MAX_POINTS,
  type PrometheusOptions,
  prometheusOptionsFromArgs,
  stepFor,
} from '../harness/node-metrics/prometheus-source.ts';
import { startServer } from './engine-fixtures.ts';
import {
  freePort,
  type Server,
  scrapedTwice,
  startNodeExporter,
  startPrometheus,
} from './helpers/monitoring-servers.ts';

describe('--prom-* options', () => {
  it('--prom-url turns the source on; the rest have defaults', () => {
    assert.equal(prometheusOptionsFromArgs({}, {}), null);
    assert.deepEqual(prometheusOptionsFromArgs({ 'prom-url': 'http://prom:9090/' }, {}), {
      url: 'http://prom:9090',
      selector: '',
      podSelector: 'pod=~".*connect.*"',
      queries: [],
    });
    const o = prometheusOptionsFromArgs(
      {
        'prom-url': 'https://prom.example.com/prometheus',
        'prom-selector': '{job="node", instance=~"connect-.*"}',
        'prom-query': ['rss=process_resident_memory_bytes{job="connect"}', 'up_nodes=count(up)'],
        'prom-step': '30s',
      },
      { PROMETHEUS_BEARER_TOKEN: 'tok-123456' },
    )!;
    assert.equal(o.selector, 'job="node", instance=~"connect-.*"');
    assert.deepEqual(
      o.queries.map((q) => q.name),
      ['rss', 'up_nodes'],
    );
    assert.equal(o.stepSeconds, 30);
    assert.equal(o.authorization, 'Bearer tok-123456');
    const basic = prometheusOptionsFromArgs(
      { 'prom-url': 'http://p:9090' },
      { PROMETHEUS_USERNAME: 'perf', PROMETHEUS_PASSWORD: 'pw' },
    );
    assert.equal(basic?.authorization, `Basic ${Buffer.from('perf:pw').toString('base64')}`);
    // The description (logs, run.json) never holds the credentials.
    const ctx = { target: 'connect' as const, processes: () => [], options: { prometheus: o } };
    const text = findSource('prometheus')!.describe(ctx);
    assert.match(
      text,
      /^prometheus \(https:\/\/prom\.example\.com\/prometheus\): node_exporter instances \{job="node", instance=~"connect-\.\*"\}/,
    );
    assert.doesNotMatch(text, /tok-123456/);
    assert.equal(chooseSource(undefined, ctx).name, 'prometheus');
    assert.equal(chooseSource(undefined, { ...ctx, target: 'standin' }).name, 'prometheus');
    assert.equal(chooseSource(undefined, { ...ctx, options: {} }).name, 'none');
  });

  it('refuses mistakes with one sentence', () => {
    const bad: Array<[Record<string, string | string[]>, RegExp]> = [
      [{ 'prom-selector': 'job="node"' }, /--prom-selector needs --prom-url/],
      [{ 'prom-url': 'prom:9090' }, /must be an http\(s\) URL|is not a URL/],
      [{ 'prom-url': 'http://u:p@prom:9090' }, /must not carry credentials.*PROMETHEUS_BEARER_TOKEN/],
      [
        { 'prom-url': 'http://p:9090', 'prom-selector': 'job=node' },
        /not a list of Prometheus label matchers/,
      ],
      [{ 'prom-url': 'http://p:9090', 'prom-query': ['count(up)'] }, /must be name=PromQL/],
      [{ 'prom-url': 'http://p:9090', 'prom-query': ['a=up', 'a=up'] }, /names 'a' twice/],
      [{ 'prom-url': 'http://p:9090', 'prom-step': '0s' }, /--prom-step '0s' must be from 1s to 60m/],
    ];
    for (const [args, message] of bad) assert.throws(() => sourceOptionsFromArgs(args, {}), message);
    assert.match(
      findSource('prometheus')!.unusable({ options: {} }) ?? '',
      /--node-metrics prometheus needs --prom-url/,
    );
  });

  it("keeps every series within Prometheus's 11,000 points", () => {
    assert.equal(stepFor(30), 5);
    assert.equal(stepFor(30, 1), 1);
    for (const seconds of [3600, 24 * 3600, 7 * 24 * 3600]) {
      const step = stepFor(seconds);
      assert.ok(seconds / step + 1 <= MAX_POINTS, `${seconds} s at ${step} s`);
    }
  });
});

describe('against a real Prometheus and node_exporter', () => {
  let exporter: Server;
  let prom: Server;
  let base: PrometheusOptions;
  before(async () => {
    exporter = await startNodeExporter();
    prom = await startPrometheus([`127.0.0.1:${exporter.port}`]);
    base = prometheusOptionsFromArgs({ 'prom-url': prom.url }, {})!;
    // Wait for the event the source needs: two scrapes of the exporter (a rate needs two points;
    // Prometheus starts scraping a few seconds after it is ready).
    await scrapedTwice(prom);
  });
  after(async () => {
    await Promise.all([prom?.stop(), exporter?.stop()]);
  });

  const lastSeconds = (n: number) => ({ start: new Date(Date.now() - n * 1000), end: new Date() });

  it("records the local source's series, one per instance, with sane values", async () => {
    const m = await fetchPrometheusMetrics(
      { ...base, queries: [{ name: 'scraped_targets', query: 'count(up)' }] },
      lastSeconds(20),
    );
    assert.equal(m.source, 'prometheus');
    assert.equal(m.periodSeconds, 5);
    assert.deepEqual(m.warnings, []);
    const instance = `127.0.0.1:${exporter.port}`;
    for (const metric of [
      'cpu_percent',
      'cpu_user_percent',
      'cpu_system_percent',
      'cpu_iowait_percent',
      'mem_used_bytes',
      'mem_used_percent',
      'net_rx_bytes_per_s',
      'net_tx_bytes_per_s',
      'load1',
    ]) {
      const series = m.series.filter((s) => s.metric === metric);
      assert.equal(series.length, 1, metric);
      assert.ok(series[0].label.startsWith(`node ${instance} `), series[0].label);
      assert.ok(
        series[0].points.some((p) => p.v !== null),
        `${metric} has values`,
      );
    }
    const cpu = m.series.find((s) => s.metric === 'cpu_percent')!;
    for (const p of cpu.points) if (p.v !== null) assert.ok(p.v >= 0 && p.v <= 100, String(p.v));
    const mem = m.series.find((s) => s.metric === 'mem_used_bytes')!;
    assert.ok(mem.points.some((p) => p.v !== null && p.v > 1e6));
    // Points sit on one grid of the step (shared by all series) and cover the window.
    const ts = cpu.points.map((p) => p.t);
    for (let i = 1; i < ts.length; i++) assert.equal(ts[i] - ts[i - 1], 5);
    assert.ok(ts.length >= 4, `${ts.length} points`);
    const extra = m.series.find((s) => s.metric === 'scraped_targets')!;
    assert.equal(extra.label, 'scraped_targets');
    assert.ok(extra.points.some((p) => p.v === 1));
    // node_exporter leaves lo out unless told otherwise (Debian's build does), and there is no
    // cAdvisor here: those series are simply absent, without a warning.
    assert.ok(m.series.filter((s) => s.metric === 'net_loopback_bytes_per_s').length <= 1);
    assert.equal(m.series.filter((s) => s.metric.startsWith('container_')).length, 0);
  });

  it('a selector that matches nothing, and bad PromQL, are sentences; the other series stay', async () => {
    const none = await fetchPrometheusMetrics({ ...base, selector: 'job="not-there"' }, lastSeconds(20));
    assert.equal(none.series.length, 0);
    assert.match(
      none.warnings.join('\n'),
      /has no node_exporter series matching \{job="not-there"\} in the run's window/,
    );
    const bad = await fetchPrometheusMetrics(
      {
        ...base,
        queries: [
          { name: 'broken', query: 'sum(rate(up[1m]' },
          { name: 'empty', query: 'up{job="x"}' },
        ],
      },
      lastSeconds(20),
    );
    assert.match(bad.warnings.join('\n'), /refused the query for broken \(.*parse error/);
    assert.match(bad.warnings.join('\n'), /--prom-query empty matched no series/);
    assert.ok(bad.series.some((s) => s.metric === 'cpu_percent'));
  });

  it('behind an auth proxy: the bearer token from the environment is sent; a wrong one is one sentence', async () => {
    // A reverse proxy that checks a bearer token, in front of the real server (Prometheus itself
    // only does basic auth with bcrypt hashes, which this machine cannot make without a new package).
    const target = new URL(prom.url);
    const proxy = await startServer((req, res) => {
      if (req.headers.authorization !== 'Bearer right-token') {
        res.statusCode = 401;
        res.end('unauthorized');
        return;
      }
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    try {
      const ok = await fetchPrometheusMetrics(
        prometheusOptionsFromArgs({ 'prom-url': proxy.url }, { PROMETHEUS_BEARER_TOKEN: 'right-token' })!,
        lastSeconds(20),
      );
      assert.deepEqual(ok.warnings, []);
      assert.ok(ok.series.some((s) => s.metric === 'cpu_percent'));
      const denied = await fetchPrometheusMetrics(
        prometheusOptionsFromArgs({ 'prom-url': proxy.url }, { PROMETHEUS_BEARER_TOKEN: 'wrong-token' })!,
        lastSeconds(20),
      );
      assert.equal(denied.warnings.length, 1, denied.warnings.join('\n'));
      assert.match(denied.warnings[0], /answered HTTP 401; set PROMETHEUS_BEARER_TOKEN/);
      assert.doesNotMatch(denied.warnings[0], /wrong-token/);
    } finally {
      await proxy.close();
    }
  });

  it('an unreachable server is one sentence, and the recorder never rejects', async () => {
    const port = await freePort();
    const o = prometheusOptionsFromArgs({ 'prom-url': `http://127.0.0.1:${port}` }, {})!;
    const recorder = findSource('prometheus')!.start({
      target: 'connect',
      processes: () => [],
      options: { prometheus: o },
    });
    const m = await recorder.stop();
    assert.equal(m.source, 'prometheus');
    assert.equal(m.series.length, 0);
    assert.equal(m.warnings.length, 1);
    assert.match(
      m.warnings[0],
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\); no node metrics from it\.$/,
    );
  });
});
