// The harness with the monitoring stacks users run: a smoke load-soak against the stand-in with
// node metrics from a real Prometheus (scraping a real node_exporter) and the engine's samples
// going live to a real InfluxDB and to Prometheus's remote-write receiver through --k6-out.
// Needs `npm run build` (dist/scenarios, dist/bundles), gunicorn and R, like harness-e2e.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NodeMetrics, RunMeta } from '../harness/record/types.ts';
import { cliArgs } from './helpers/cli.ts';
import {
  influxQuery,
  promQuery,
  type Server,
  scrapedTwice,
  startInfluxdb,
  startNodeExporter,
  startPrometheus,
} from './helpers/monitoring-servers.ts';

function harness(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliArgs('harness'), ...args], {
      env: { ...process.env, CONNECT_SERVER: '', CONNECT_API_KEY: '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('a smoke load-soak with --prom-url and --k6-out', () => {
  let out: string;
  let exporter: Server;
  let prom: Server;
  let influx: Server;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'harness-monitoring-'));
    exporter = await startNodeExporter();
    [prom, influx] = await Promise.all([startPrometheus([`127.0.0.1:${exporter.port}`]), startInfluxdb()]);
    await scrapedTwice(prom);
  });
  after(async () => {
    await Promise.all([prom?.stop(), influx?.stop(), exporter?.stop()]);
    await rm(out, { recursive: true, force: true });
  });

  it('records node metrics from Prometheus, names the source in the report, and lands the samples in InfluxDB, Prometheus and a csv file', async () => {
    const secret = 'influx-secret-pw-0123';
    const csvFile = join(out, 'samples.csv');
    const run = await harness(
      [
        'load-soak',
        '--profile',
        'smoke',
        '--engine',
        'node',
        '--out',
        out,
        '--prom-url',
        prom.url,
        '--prom-selector',
        'job="node"',
        '--k6-out',
        `influxdb=${influx.url}/soak`,
        '--k6-out',
        'experimental-prometheus-rw',
        '--k6-out',
        `csv=${csvFile}`,
      ],
      {
        K6_CSV_TIME_FORMAT: 'unix_milli',
        K6_INFLUXDB_PUSH_INTERVAL: '500ms',
        K6_INFLUXDB_USERNAME: 'perf',
        K6_INFLUXDB_PASSWORD: secret,
        K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write`,
        K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /node metrics: prometheus \(http:\/\/127\.0\.0\.1:\d+\): node_exporter instances \{job="node"\}/,
    );
    const dir = /run folder: (.*)/.exec(run.stderr)![1];
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');

    const meta = JSON.parse(read('run.json')) as RunMeta;
    assert.deepEqual((meta.options as { k6Out?: string[] }).k6Out, [
      `influxdb=${influx.url}/soak`,
      'experimental-prometheus-rw',
      `csv=${csvFile}`,
    ]);
    // The csv output got its file and its K6_CSV_* setting (times in milliseconds).
    const csv = readFileSync(csvFile, 'utf8').split('\n');
    assert.match(csv[0], /^metric_name,timestamp,metric_value,check,/);
    const req = csv.find((l) => l.startsWith('http_reqs,'));
    assert.match(req ?? '', /^http_reqs,\d{13},1\.000000,/);
    const started = Date.parse(meta.startedAt) / 1000;
    const ended = Date.parse(meta.endedAt!) / 1000;

    const metrics = JSON.parse(read('node-metrics.json')) as NodeMetrics;
    assert.equal(metrics.source, 'prometheus');
    assert.deepEqual(metrics.warnings, []);
    const cpu = metrics.series.find((s) => s.metric === 'cpu_percent');
    assert.ok(cpu, 'a cpu_percent series');
    assert.match(cpu.label, new RegExp(`^node 127\\.0\\.0\\.1:${exporter.port} `));
    // Across the run: points from its start to its end (within two steps: a rate needs two scrapes,
    // which a busy machine makes late), with values in the run's middle.
    const step = metrics.periodSeconds;
    assert.ok(
      cpu.points[0].t <= started + 2 * step && cpu.points[cpu.points.length - 1].t >= ended - 2 * step,
      JSON.stringify({ started, ended, step, first: cpu.points[0], last: cpu.points.at(-1) }),
    );
    const inside = cpu.points.filter((p) => p.t >= started && p.t <= ended - step && p.v !== null);
    assert.ok(inside.length >= 2, JSON.stringify(cpu.points));

    // The report and the summary name the source.
    assert.match(read('report.html'), /prometheus, every \d+ s/);
    assert.match(read('report.html'), /CPU and utilisation \(Prometheus\)/);
    assert.match(read('summary.md'), /- node metrics: Prometheus, \d+ series every \d+ s/);

    // Every request of the soak is a point in InfluxDB and counted in Prometheus.
    const summary = JSON.parse(read('summary.json')) as {
      metrics: Record<string, { count?: number; values?: { count?: number } }>;
    };
    const reqs = summary.metrics.http_reqs.values?.count ?? summary.metrics.http_reqs.count;
    assert.ok(reqs && reqs > 0);
    const points = await influxQuery(influx, 'soak', 'SELECT count("value") FROM "http_reqs"');
    assert.equal(points[0]?.count, reqs);
    const total = await promQuery(prom, 'sum(last_over_time(k6_http_reqs_total[1h]))');
    assert.equal(Number(total[0]?.value[1]), reqs);

    // The output's password went to the engine's environment only.
    for (const file of readdirSync(dir).filter((f) => !f.endsWith('.gz')))
      assert.ok(!read(file).includes(secret), `${file} does not hold the InfluxDB password`);
    assert.ok(!run.stderr.includes(secret));

    // `npm run report -- <run> --prom-url` fetches the window again.
    const report = await harness(['report', dir, '--prom-url', prom.url], {});
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stderr, /node metrics: \d+ series fetched again from Prometheus/);
    assert.equal((JSON.parse(read('node-metrics.json')) as NodeMetrics).source, 'prometheus');
  });
});
