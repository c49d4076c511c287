// The engine's remote outputs against real servers (Prometheus 2.42 with its remote-write
// receiver, InfluxDB 1.6), their failure semantics, and the json output on a full disk.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import {
  encodeTags,
  influxSettings,
  sampleLine,
  timestamp,
  UniqueStamps,
} from '../engine/outputs/influxdb.ts';
import { prometheusRwSettings, statSuffix } from '../engine/outputs/prometheus-rw.ts';
import { startServer, tempDir } from './engine-fixtures.ts';
import {
  freePort,
  influxQuery,
  promQuery,
  type Server,
  startInfluxdb,
  startPrometheus,
} from './helpers/monitoring-servers.ts';

const BIN = new URL('../engine/bin.mjs', import.meta.url).pathname;

/** The engine CLI as a child process (asynchronously: the test's own HTTP server must answer). */
function engine(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const tmp = tempDir();
after(() => tmp.cleanup());
const script = (name: string, iterations: number, vus: number) =>
  tmp.write(
    name,
    `import http from 'k6/http';
import { Gauge } from 'k6/metrics';
const depth = new Gauge('queue_depth');
export const options = { vus: ${vus}, iterations: ${iterations} };
export default async function () {
  await http.asyncRequest('GET', __ENV.TARGET + '/hello?x=' + __ITER);
  depth.add(3);
}
`,
  );

describe('remote outputs against real Prometheus and InfluxDB', () => {
  let prom: Server;
  let influx: Server;
  let target: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    [prom, influx, target] = await Promise.all([
      startPrometheus(),
      startInfluxdb(),
      startServer((_req, res) => {
        res.end('hello');
      }),
    ]);
  });
  after(async () => {
    await Promise.all([prom?.stop(), influx?.stop(), target?.close()]);
  });

  it('exits 0; Prometheus holds k6_http_reqs_total = the summary count and a p99 series; InfluxDB one http_reqs point per request', async () => {
    const exported = `${tmp.dir}/summary.json`;
    const r = await engine(
      [
        '-q',
        '--out',
        'experimental-prometheus-rw',
        '--out',
        `influxdb=${influx.url}/k6test`,
        '--summary-export',
        exported,
        script('both.js', 60, 3),
      ],
      {
        TARGET: target.url,
        K6_PROMETHEUS_RW_SERVER_URL: `${prom.url}/api/v1/write`,
        K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
        K6_PROMETHEUS_RW_TREND_STATS: 'p(99),count,avg',
        K6_INFLUXDB_PUSH_INTERVAL: '500ms',
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(readFileSync(exported, 'utf8'));
    const requests = summary.metrics.http_reqs.count;
    assert.equal(requests, 60);

    const total = await promQuery(prom, 'sum(last_over_time(k6_http_reqs_total[1h]))');
    assert.equal(Number(total[0]?.value[1]), requests, JSON.stringify(total));
    const p99 = await promQuery(prom, 'last_over_time(k6_http_req_duration_p99[1h])');
    assert.ok(p99.length >= 1, 'a k6_http_req_duration_p99 series');
    assert.equal(p99[0].metric.method, 'GET');
    // Trends of time go out in seconds: p99 of loopback requests is well under one second.
    assert.ok(Number(p99[0].value[1]) > 0 && Number(p99[0].value[1]) < 1, p99[0].value[1]);
    const count = await promQuery(prom, 'sum(last_over_time(k6_http_req_duration_count[1h]))');
    assert.equal(Number(count[0].value[1]), requests);
    const rate = await promQuery(prom, 'last_over_time(k6_http_req_failed_rate[1h])');
    assert.equal(Number(rate[0].value[1]), 0);
    const gauge = await promQuery(prom, 'last_over_time(k6_queue_depth[1h])');
    assert.equal(Number(gauge[0]?.value[1]), 3, 'a gauge keeps its name and last value');

    const points = await influxQuery(influx, 'k6test', 'SELECT count("value") FROM "http_reqs"');
    assert.equal(points[0]?.count, requests, JSON.stringify(points));
    const row = await influxQuery(influx, 'k6test', 'SELECT * FROM "http_req_duration" LIMIT 1');
    assert.equal(row[0].method, 'GET');
    assert.equal(row[0].status, '200');
    // url is one of k6's default tags-as-fields: a field holding the whole URL.
    assert.match(String(row[0].url), /^http:\/\/127\.0\.0\.1:\d+\/hello\?x=\d+$/);
    assert.equal(typeof row[0].value, 'number');
  });

  it('the Grafana dashboard in fixtures/ queries what the outputs wrote (k6 panels) and parses (every panel)', async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../fixtures/grafana-dashboard.json', import.meta.url), 'utf8'),
    ) as {
      templating: { list: Array<{ name: string; query: string }> };
      panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>;
    };
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v.query]));
    let k6Panels = 0;
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      for (const { expr } of panel.targets ?? []) {
        const query = expr
          .replaceAll('$__rate_interval', '1h')
          .replaceAll('$node_selector', vars.node_selector)
          .replaceAll('$pod_selector', vars.pod_selector);
        // An invalid expression makes promQuery throw with Prometheus's parse error.
        const result = await promQuery(prom, query);
        // A rate needs two pushes and the vus gauge a whole second of test: this run is shorter.
        if (/\bk6_http_req/.test(expr) && !expr.includes('rate(')) {
          k6Panels++;
          assert.ok(result.length > 0, `${panel.title}: ${query} has data`);
        }
      }
    }
    assert.equal(k6Panels, 2, 'the p99 and failed-rate panels were checked for data');
  });

  it('a server that refuses connections is logged (not once per push) and never fails the run', async () => {
    const closed = await freePort();
    const r = await engine(
      [
        '--out',
        'experimental-prometheus-rw',
        '--out',
        `influxdb=http://127.0.0.1:${closed}/k6`,
        script('down.js', 30, 2),
      ],
      {
        TARGET: target.url,
        K6_PROMETHEUS_RW_SERVER_URL: `http://127.0.0.1:${closed}/api/v1/write`,
        K6_PROMETHEUS_RW_PUSH_INTERVAL: '100ms',
        K6_INFLUXDB_PUSH_INTERVAL: '100ms',
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /http_reqs/);
    assert.match(
      r.stderr,
      /experimental-prometheus-rw \(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write\): remote write failed \(ECONNREFUSED\)/,
    );
    assert.match(r.stderr, /influxdb \(http:\/\/127\.0\.0\.1:\d+, database k6\): .*ECONNREFUSED/);
    assert.match(r.stderr, /points were not written because of the failures above/);
    // Rate-limited: a handful of lines, not one per failed push.
    const lines = r.stderr.split('\n').filter((l) => l.includes('ECONNREFUSED'));
    assert.ok(lines.length <= 6, lines.join('\n'));
  });

  it('a server that accepts and never answers: the end of the test waits a bounded time, then exits 0', {
    timeout: 120_000,
  }, async () => {
    const silent = createNetServer((socket) => {
      socket.on('data', () => {}); // reads the request, answers nothing
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const r = await engine(
        ['-q', '--out', `influxdb=http://127.0.0.1:${port}/k6`, script('silent.js', 5, 1)],
        {
          TARGET: target.url,
        },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /influxdb \(http:\/\/127\.0\.0\.1:\d+, database k6\): writing \d+ points failed \(UND_ERR_HEADERS_TIMEOUT\)/,
      );
    } finally {
      silent.close();
    }
  });

  it('a 401 for bad credentials is a sentence in the log, without the password', async () => {
    const unauthorized = await startServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.statusCode = 401;
        res.end('{"error":"authorization failed"}');
      });
    });
    try {
      const r = await engine(['--out', `influxdb=${unauthorized.url}/k6`, script('401.js', 5, 1)], {
        TARGET: target.url,
        K6_INFLUXDB_USERNAME: 'perf',
        K6_INFLUXDB_PASSWORD: 'not-this-one',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /answered HTTP 401: .*check K6_INFLUXDB_USERNAME and K6_INFLUXDB_PASSWORD/);
      assert.doesNotMatch(r.stderr, /not-this-one/);
    } finally {
      await unauthorized.close();
    }
  });

  it('the remote-write body is snappy-compressed protobuf with k6 names and sorted labels', async () => {
    const bodies: Buffer[] = [];
    const headers: Record<string, string | string[] | undefined>[] = [];
    const receiver = await startServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks));
        headers.push(req.headers);
        res.statusCode = 204;
        res.end();
      });
    });
    try {
      const r = await engine(['-q', '--out', 'experimental-prometheus-rw', script('wire.js', 4, 1)], {
        TARGET: target.url,
        K6_PROMETHEUS_RW_SERVER_URL: `${receiver.url}/api/v1/write`,
        K6_PROMETHEUS_RW_USERNAME: 'perf',
        K6_PROMETHEUS_RW_PASSWORD: 'pw',
        'K6_PROMETHEUS_RW_HEADERS_X-Scope-OrgID': 'tenant-1',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(bodies.length >= 1);
      assert.equal(headers[0]['content-encoding'], 'snappy');
      assert.equal(headers[0]['x-prometheus-remote-write-version'], '0.1.0');
      assert.equal(headers[0]['x-scope-orgid'], 'tenant-1');
      assert.equal(headers[0].authorization, `Basic ${Buffer.from('perf:pw').toString('base64')}`);
      const root = protobuf.parse(
        'syntax = "proto3"; message Label { string name = 1; string value = 2; } message Sample { double value = 1; int64 timestamp = 2; } message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; } message WriteRequest { repeated TimeSeries timeseries = 1; }',
      ).root;
      const decoded = root
        .lookupType('WriteRequest')
        .toObject(root.lookupType('WriteRequest').decode(snappy.uncompress(bodies[bodies.length - 1])), {
          longs: Number,
        }) as {
        timeseries: Array<{
          labels: Array<{ name: string; value: string }>;
          samples: Array<{ value: number; timestamp: number }>;
        }>;
      };
      const names = new Set(
        decoded.timeseries.map((t) => t.labels.find((l) => l.name === '__name__')?.value),
      );
      for (const n of [
        'k6_http_reqs_total',
        'k6_http_req_duration_p99',
        'k6_http_req_failed_rate',
        'k6_iterations_total',
      ])
        assert.ok(names.has(n), `${n} in ${[...names].join(', ')}`);
      for (const t of decoded.timeseries) {
        const labelNames = t.labels.map((l) => l.name);
        assert.deepEqual(labelNames, [...labelNames].sort());
        assert.ok(t.labels.every((l) => l.value !== ''));
      }
    } finally {
      await receiver.close();
    }
  });
});

describe('remote output settings', () => {
  it('k6 defaults and names', () => {
    const s = prometheusRwSettings({});
    assert.equal(s.url, 'http://localhost:9090/api/v1/write');
    assert.equal(s.pushIntervalMs, 5000);
    assert.deepEqual(
      s.trendStats.map((t) => t.suffix),
      ['p99'],
    );
    assert.equal(statSuffix('p(99.9)'), 'p999');
    assert.equal(statSuffix('p(0.95)'), 'p095');
    const i = influxSettings('http://127.0.0.1:8086/perf', {});
    assert.equal(i.db, 'perf');
    assert.equal(i.addr, 'http://127.0.0.1:8086');
    assert.equal(i.pushIntervalMs, 1000);
    assert.equal(i.concurrentWrites, 4);
    assert.deepEqual([...i.tagsAsFields.keys()], ['vu', 'iter', 'url']);
    assert.equal(influxSettings('', {}).db, 'k6');
  });

  it('refuses what it cannot honour, with a sentence', () => {
    assert.throws(
      () => prometheusRwSettings({ K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: 'true' }),
      /native histograms/,
    );
    assert.throws(() => prometheusRwSettings({ K6_PROMETHEUS_RW_SIGV4_REGION: 'us-east-1' }), /SigV4/);
    assert.throws(() => prometheusRwSettings({ K6_PROMETHEUS_RW_TREND_STATS: 'p99' }), /"p99" is not valid/);
    assert.throws(
      () => prometheusRwSettings({ K6_PROMETHEUS_RW_SERVER_URL: 'http://u:p@h/api/v1/write' }),
      /must not hold credentials/,
    );
    assert.throws(() => influxSettings('udp://127.0.0.1:8089', {}), /UDP/);
    assert.throws(() => influxSettings('http://u:secret@127.0.0.1:8086/k6', {}), /K6_INFLUXDB_USERNAME/);
    assert.throws(() => influxSettings('', { K6_INFLUXDB_CONCURRENT_WRITES: '0' }), /positive whole number/);
    assert.throws(() => influxSettings('', { K6_INFLUXDB_TAGS_AS_FIELDS: 'vu:number' }), /unknown type/);
  });

  it('native histograms asked of the CLI: exit 255 (an output k6 cannot create) before the test starts', async () => {
    const r = await engine(['--out', 'experimental-prometheus-rw', script('nh.js', 1, 1)], {
      TARGET: 'http://127.0.0.1:1',
      K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: 'true',
    });
    assert.equal(r.code, 255);
    assert.match(r.stderr, /K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true is not supported/);
  });

  it('line protocol: escaping, tags as typed fields, timestamps to the nanosecond', () => {
    const settings = {
      precision: 'ns',
      tagsAsFields: new Map([
        ['vu', 'int' as const],
        ['url', 'string' as const],
      ]),
    };
    const tags = { url: 'http://h/a "b"', name: 'a b,c=d', empty: '', method: 'GET', vu: '3' };
    const { tagPart, fieldPart } = encodeTags(tags, settings.tagsAsFields);
    const line = sampleLine(
      { metric: 'http_reqs', time: 1700000000123.25, value: 1, tags },
      settings,
      tagPart,
      fieldPart,
    );
    assert.equal(
      line,
      'http_reqs,method=GET,name=a\\ b\\,c\\=d value=1,url="http://h/a \\"b\\"",vu=3i 1700000000123250000',
    );
    assert.equal(sampleLine({ metric: 'x', time: 1, value: Number.NaN, tags: {} }, settings, '', ''), null);
    assert.equal(timestamp(1700000000123 + 0.9999999, 'ns'), '1700000000124000000');
    const stamps = new UniqueStamps();
    assert.deepEqual(
      [
        stamps.stamp('a', '', 5),
        stamps.stamp('a', '', 5),
        stamps.stamp('b', '', 5),
        stamps.stamp('a', ',x=1', 5),
        stamps.stamp('a', '', 5.5),
        stamps.stamp('a', '', 6),
      ],
      ['5000000', '5000001', '5000000', '5000000', '5500000', '6000000'],
    );
    assert.equal(timestamp(1700000000123.25, 'ms'), '1700000000123');
    assert.equal(timestamp(1700000000123.25, 's'), '1700000000');
  });
});

describe('json output on a full disk', () => {
  for (const name of ['/dev/full', '/dev/full.gz'] as const) {
    it(`${name}: logged, the run ends on time, exit 111 (not a hang, not a crash)`, async () => {
      // /dev/full accepts the open and fails every write with ENOSPC, as a full filesystem does.
      // For .gz the engine opens "/dev/full.gz", which does not exist; a symlink named *.gz to
      // /dev/full stands in for it.
      let path: string = name;
      if (name.endsWith('.gz')) {
        const { symlinkSync } = await import('node:fs');
        path = `${tmp.dir}/full.ndjson.gz`;
        symlinkSync('/dev/full', path);
      }
      const server = await startServer((_req, res) => res.end('x'.repeat(2000)));
      try {
        const r = await engine(['--out', `json=${path}`, script(`full-${name.length}.js`, 3000, 4)], {
          TARGET: server.url,
        });
        assert.equal(r.code, 111, r.stderr);
        assert.match(r.stderr, /writing the JSON output failed \(ENOSPC/);
        assert.match(r.stderr, /could not finish the --out file: Writing the JSON output failed: ENOSPC/);
        assert.match(r.stdout + r.stderr, /http_reqs/);
      } finally {
        await server.close();
      }
    });
  }
});
