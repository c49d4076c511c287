import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { MetricsEngine } from '../engine/metrics/engine.ts';
import { InvalidOptionsError } from '../engine/metrics/errors.ts';
import { MetricRegistry, registerBuiltins } from '../engine/metrics/registry.ts';
import type { Sample } from '../engine/metrics/types.ts';
import { OUTPUTS } from '../engine/outputs/index.ts';
import { JsonOutput } from '../engine/outputs/json.ts';
import { parseOuts as parseAllWith, parseOut as parseWith } from '../engine/outputs/parse-out.ts';

const parseOut = (v: string) => parseWith(v, OUTPUTS);
const parseOuts = (v: string[]) => parseAllWith(v, OUTPUTS);

const dir = mkdtempSync(join(tmpdir(), 'engine-outputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function metricsEngine(): MetricsEngine {
  const registry = new MetricRegistry();
  registerBuiltins(registry);
  return new MetricsEngine({
    registry,
    thresholds: {
      http_req_duration: ['p(95)<500'],
      http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true }],
    },
    summaryTrendStats: ['avg'],
  });
}

const T0 = Date.UTC(2021, 1, 24, 11, 37, 10, 123);
const tags = { method: 'GET', status: '200', url: 'http://127.0.0.1/<a>&b', expected_response: 'true' };
const samples: Sample[] = [
  { metric: 'http_reqs', time: T0, value: 1, tags, metadata: { vu: '3', iter: '12' } },
  { metric: 'http_req_duration', time: T0, value: 459.86, tags, metadata: {} },
  { metric: 'http_reqs', time: T0 + 1, value: 1, tags: {} },
  { metric: 'http_req_failed', time: T0 + 2, value: 0, tags },
];

/** One NDJSON line; Metric and Point lines share the outer keys, `data` differs by type. */
interface Row {
  type: string;
  metric: string;
  data: {
    time: string;
    value: number;
    tags: Record<string, string>;
    metadata?: Record<string, string>;
    thresholds: unknown;
    [key: string]: unknown;
  };
}

function lines(text: string): Row[] {
  assert.ok(text.endsWith('\n'));
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
}

async function writeFile(name: string, batch: Sample[]): Promise<string> {
  const engine = metricsEngine();
  const path = join(dir, name);
  const out = await JsonOutput.open(path, (m) => engine.metricInfo(m));
  out.add(batch);
  await out.close();
  return path;
}

describe('JsonOutput (NDJSON)', () => {
  it('announces each metric once, just before its first Point, with k6 keys', async () => {
    const rows = lines(readFileSync(await writeFile('a.json', samples), 'utf8'));
    assert.deepEqual(
      rows.map((r) => `${r.type}:${r.metric}`),
      [
        'Metric:http_reqs',
        'Point:http_reqs',
        'Metric:http_req_duration',
        'Point:http_req_duration',
        'Point:http_reqs',
        'Metric:http_req_failed',
        'Point:http_req_failed',
      ],
    );
    for (const r of rows) {
      if (r.type === 'Metric') {
        assert.deepEqual(Object.keys(r), ['type', 'data', 'metric']);
        assert.deepEqual(Object.keys(r.data), ['name', 'type', 'contains', 'thresholds', 'submetrics']);
      } else {
        assert.deepEqual(Object.keys(r), ['metric', 'type', 'data']);
      }
    }
    assert.deepEqual(rows[0].data, {
      name: 'http_reqs',
      type: 'counter',
      contains: 'default',
      thresholds: [],
      submetrics: null,
    });
    assert.deepEqual(rows[2].data, {
      name: 'http_req_duration',
      type: 'trend',
      contains: 'time',
      thresholds: ['p(95)<500'],
      submetrics: [
        {
          name: 'http_req_duration{expected_response:true}',
          suffix: 'expected_response:true',
          tags: { expected_response: 'true' },
        },
      ],
    });
    assert.deepEqual(rows[5].data.thresholds, [
      { threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: null },
    ]);
  });

  it('writes Points with time, value, tags ({} when none) and metadata only when non-empty', async () => {
    const text = readFileSync(await writeFile('b.json', samples), 'utf8');
    assert.ok(text.includes('"url":"http://127.0.0.1/<a>&b"'), 'no HTML escaping');
    const points = lines(text).filter((r) => r.type === 'Point');
    assert.deepEqual(Object.keys(points[0].data), ['time', 'value', 'tags', 'metadata']);
    assert.deepEqual(points[0].data.metadata, { vu: '3', iter: '12' });
    assert.deepEqual(Object.keys(points[1].data), ['time', 'value', 'tags']);
    assert.equal(points[1].data.value, 459.86);
    assert.deepEqual(points[1].data.tags, tags);
    assert.deepEqual(points[2].data.tags, {});
    assert.ok(!('metadata' in points[2].data));
    assert.equal(Date.parse(points[2].data.time), T0 + 1);
  });

  it('writes gzip when the name ends in .gz', async () => {
    const path = await writeFile('c.json.gz', samples);
    const rows = lines(gunzipSync(readFileSync(path)).toString('utf8'));
    assert.equal(rows.length, 7);
    assert.equal(rows[6].data.value, 0);
  });

  it('flushes within 200 ms without waiting for close', async () => {
    const engine = metricsEngine();
    const path = join(dir, 'd.json');
    const out = await JsonOutput.open(path, (m) => engine.metricInfo(m));
    out.add(samples.slice(0, 1));
    // Wait for the flush itself (the file), not for a time a busy machine may not keep.
    const flushed = () => {
      const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
      return text.endsWith('\n') && text.trimEnd().split('\n').length === 2;
    };
    for (let waited = 0; !flushed() && waited < 10_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(lines(readFileSync(path, 'utf8')).length, 2, 'flushed before close');
    await out.close();
  });

  it('keeps every line of a large stream, in order', async () => {
    const batch: Sample[] = [];
    const many = 100_000;
    for (let i = 0; i < many; i++) batch.push({ metric: 'http_req_duration', time: T0 + i, value: i, tags });
    const path = await writeFile('e.json', batch);
    const rows = lines(readFileSync(path, 'utf8'));
    assert.equal(rows.length, many + 1);
    assert.equal(rows[many].data.value, many - 1);
    assert.equal(rows[5000].data.value, 4999);
  });

  it('says what is wrong when the file cannot be created', async () => {
    await assert.rejects(
      JsonOutput.open(join(dir, 'missing', 'x.json'), () => {
        throw new Error('unused');
      }),
      /Cannot write the JSON output to .*missing.*folder exists/,
    );
  });
});

describe('JsonOutput to stdout and time zones (child processes)', () => {
  const script = join(dir, 'to-stdout.mts');
  writeFileSync(
    script,
    `import { JsonOutput } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../engine/outputs/json.ts')).href)};
const out = await JsonOutput.open(process.argv[2], (name) => ({ name, type: 'counter', contains: 'default', thresholds: [], submetrics: null }));
const t = Date.UTC(2021, 1, 24, 8, 7, 10);
out.add([
  { metric: 'm', time: t + 123.25, value: 1, tags: {} },
  { metric: 'm', time: t, value: 2, tags: {} },
  { metric: 'm', time: t + 2 ** -12, value: 3, tags: {} },
  { metric: 'm', time: t + 0.5, value: 4, tags: {} },
]);
await out.close();
`,
  );

  function times(tz: string, target: string): string[] {
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, target], {
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, TZ: tz },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(child.status, 0, child.stderr);
    return lines(child.stdout)
      .filter((r) => r.type === 'Point')
      .map((r) => r.data.time);
  }

  it('writes to stdout for "-" and "", with Go RFC3339Nano times in the local zone', () => {
    assert.deepEqual(times('Asia/Kolkata', '-'), [
      '2021-02-24T13:37:10.12325+05:30',
      '2021-02-24T13:37:10+05:30',
      '2021-02-24T13:37:10.000000244+05:30',
      '2021-02-24T13:37:10.0005+05:30',
    ]);
    assert.deepEqual(times('America/New_York', ''), [
      '2021-02-24T03:07:10.12325-05:00',
      '2021-02-24T03:07:10-05:00',
      '2021-02-24T03:07:10.000000244-05:00',
      '2021-02-24T03:07:10.0005-05:00',
    ]);
    assert.equal(times('UTC', '-')[0], '2021-02-24T08:07:10.12325Z');
  });
});

describe('parseOut (--out)', () => {
  it('reads json targets', () => {
    assert.deepEqual(parseOut('json=results.json'), { type: 'json', target: 'results.json' });
    assert.deepEqual(parseOut('json=out/r.json.gz'), { type: 'json', target: 'out/r.json.gz' });
    assert.deepEqual(parseOut('json'), { type: 'json', target: '' });
    assert.deepEqual(parseOut('json='), { type: 'json', target: '' });
    assert.deepEqual(parseOuts(['json=a', 'json']).length, 2);
  });

  it('refuses other outputs, listing what is supported', () => {
    for (const bad of ['statsd', 'datadog=x', 'cloud', '=x']) {
      assert.throws(
        () => parseOut(bad),
        (e: Error) =>
          e instanceof InvalidOptionsError &&
          /supported outputs are json .*, experimental-prometheus-rw .*, influxdb .*, csv /.test(e.message),
        bad,
      );
    }
    assert.throws(() => parseOut('statsd'), /--out statsd is not supported/);
    assert.deepEqual(parseOut('csv=r.csv'), { type: 'csv', target: 'r.csv' });
    assert.deepEqual(parseOut('influxdb=http://127.0.0.1:8086/k6'), {
      type: 'influxdb',
      target: 'http://127.0.0.1:8086/k6',
    });
    assert.deepEqual(parseOut('experimental-prometheus-rw'), {
      type: 'experimental-prometheus-rw',
      target: '',
    });
  });
});
