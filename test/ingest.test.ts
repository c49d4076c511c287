// test-tier: unit
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Aggregator, ingestFiles } from '../harness/ingest/index.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-11-27T08:00:00Z');

function point(metric: string, timeMs: number, value: number, tags: Record<string, string>): string {
  const time = new Date(timeMs).toISOString().replace(/\.000Z$/, 'Z');
  return JSON.stringify({ metric, type: 'Point', data: { time, value, tags } });
}

/** The lines k6 writes for one request: http_reqs, duration, two timings we skip, failed. */
function request(
  timeMs: number,
  ms: number,
  status: number,
  name = 'GET /stocks/{ticker}',
  scenario = 'fetchers',
): string[] {
  const tags: Record<string, string> = {
    method: 'GET',
    name,
    scenario,
    status: String(status),
    url: 'http://x/stocks/AAPL',
  };
  if (status >= 400) tags.error_code = String(1000 + status);
  tags.expected_response = String(status < 400);
  return [
    point('http_reqs', timeMs, 1, tags),
    point('http_req_duration', timeMs, ms, tags),
    point('http_req_blocked', timeMs, 0.01, tags),
    point('http_req_waiting', timeMs, ms - 1, tags),
    point('http_req_failed', timeMs, status >= 400 ? 1 : 0, tags),
  ];
}

async function file(name: string, lines: string[], gzip = false): Promise<string> {
  const path = join(dir, name);
  const text = `${lines.join('\n')}\n`;
  await writeFile(path, gzip ? gzipSync(text) : text);
  return path;
}

const metricLine =
  '{"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"http_reqs"}';

const tiny = [
  metricLine,
  ...request(T0 + 100, 100, 200),
  ...request(T0 + 900, 300, 500),
  point('vus', T0 + 1000, 5, {}),
  point('vus_max', T0 + 1000, 10, {}),
  ...request(T0 + 2500, 50, 200, 'GET /stocks/'),
  point('checks', T0 + 2500, 1, { check: 'status is 200', scenario: 'fetchers' }),
  point('checks', T0 + 2600, 0, { check: 'status is 200', scenario: 'fetchers' }),
  point('data_received', T0 + 2500, 1000, { scenario: 'fetchers' }),
];

describe('ingest of k6 NDJSON', () => {
  it('builds per-second buckets that match a hand count', async () => {
    const { series, checks } = await ingestFiles([await file('tiny.ndjson', tiny)]);
    assert.equal(series.start, T0 / 1000);
    assert.equal(series.end, T0 / 1000 + 2);
    assert.deepEqual(
      series.total.map((p) => [p.reqs, p.failed, p.avg, p.max]),
      [
        [2, 1, 200, 300],
        [0, 0, null, null],
        [1, 0, 50, 50],
      ],
    );
    assert.deepEqual(series.vus[1], { t: T0 / 1000 + 1, vus: 5, vusMax: 10 });
    assert.equal(series.data[2].receivedPerSec, 1000);
    assert.deepEqual(series.errorsByStatus, { '500': [{ t: T0 / 1000, count: 1 }] });
    assert.deepEqual(series.errorsByCode, { '1500': [{ t: T0 / 1000, count: 1 }] });
    assert.deepEqual(Object.keys(series.byName).sort(), ['GET /stocks/', 'GET /stocks/{ticker}']);
    assert.equal(series.byName['GET /stocks/'][2].reqs, 1);
    assert.equal(series.byName['GET /stocks/'][0].reqs, 0, 'series of a name are aligned to the whole run');
    assert.deepEqual(checks, [{ name: 'status is 200', passes: 1, fails: 1 }]);
    const ticker = series.endpoints.find((e) => e.name === 'GET /stocks/{ticker}')!;
    assert.equal(ticker.count, 2);
    assert.equal(ticker.failed, 1);
    assert.equal(ticker.rps, 2 / 3);
    assert.equal(series.malformedLines, 0);
    assert.equal(series.lines, tiny.length);
  });

  it('reads gzip by its magic bytes, whatever the file is called', async () => {
    const plain = await ingestFiles([await file('plain.ndjson', tiny)]);
    const gz = await ingestFiles([await file('looks-plain.ndjson', tiny, true)]);
    assert.deepEqual(gz.series.total, plain.series.total);
    assert.deepEqual(gz.series.endpoints, plain.series.endpoints);
  });

  it('counts malformed lines with their line numbers and goes on', async () => {
    const lines = [...tiny];
    lines.splice(3, 0, 'not json at all');
    lines.push('{"metric":"http_reqs","type":"Point","data":{"time":"2026-11-27T08:00:02Z","value":1,"ta');
    lines.push('{"type":"Point","metric":"http_reqs","data":{"time":"yesterday","value":1,"tags":{}}}');
    const { series } = await ingestFiles([await file('bad.ndjson', lines)]);
    assert.equal(series.malformedLines, 3);
    assert.deepEqual(
      series.malformedExamples!.map((e) => e.line),
      [4, lines.length - 1, lines.length],
    );
    assert.equal(series.malformedExamples![0].text, 'not json at all');
    assert.equal(
      series.total.reduce((s, p) => s + p.reqs, 0),
      3,
      'good lines around the bad ones still count',
    );
  });

  it('reads other key orders and CRLF line ends through the slow path', async () => {
    const reordered = JSON.stringify({
      type: 'Point',
      data: {
        tags: { scenario: 'fetchers', name: 'n', status: '200' },
        value: 1,
        time: '2026-11-27T09:00:00.5+01:00',
      },
      metric: 'http_reqs',
    });
    const { series } = await ingestFiles([await file('order.ndjson', [`${reordered}\r`])]);
    assert.equal(series.malformedLines, 0);
    assert.equal(series.start, T0 / 1000);
    assert.equal(series.total[0].reqs, 1);
  });

  it('counts status >= 400 or 0 as failed when http_req_failed is absent', async () => {
    const lines = [
      ...request(T0, 10, 200).filter((l) => !l.includes('http_req_failed')),
      ...request(T0, 10, 404).filter((l) => !l.includes('http_req_failed')),
      point('http_reqs', T0, 1, { scenario: 'fetchers', name: 'n', status: '0', error_code: '1211' }),
    ];
    const { series } = await ingestFiles([await file('nofailed.ndjson', lines)]);
    assert.equal(series.total[0].reqs, 3);
    assert.equal(series.total[0].failed, 2);
    assert.deepEqual(Object.keys(series.errorsByStatus).sort(), ['0', '404']);
  });

  it('keeps percentiles within the HDR bound (0.1 % of the nearest-rank value)', async () => {
    const lines: string[] = [];
    const values: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const ms = 1 + ((i * 7919) % 10007) / 7.3;
      values.push(ms);
      lines.push(...request(T0 + (i % 1000), ms, 200));
    }
    const { series } = await ingestFiles([await file('hdr.ndjson', lines)]);
    values.sort((a, b) => a - b);
    const rank = (p: number) => values[Math.ceil((p / 100) * values.length) - 1];
    const bucket = series.total[0];
    for (const [p, got] of [
      [50, bucket.p50],
      [90, bucket.p90],
      [95, bucket.p95],
      [99, bucket.p99],
    ] as const) {
      const exact = rank(p);
      assert.ok(Math.abs(got! - exact) <= exact * 0.001 + 0.001, `p${p}: ${got} vs ${exact}`);
    }
    assert.equal(bucket.max, values[values.length - 1], 'max is exact');
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(bucket.avg! - mean) < 1e-9, 'average is exact');
  });

  it('merges several runner files into the same result as one file with all lines', async () => {
    const a: string[] = [];
    const b: string[] = [];
    for (let s = 0; s < 40; s++) {
      const t = T0 + s * 1000;
      a.push(
        point('vus', t, 3, {}),
        ...request(t + 10, 100 + s, 200),
        ...request(t + 500, 200 + s, s % 10 === 0 ? 503 : 200),
      );
      b.push(point('vus', t, 2, {}), ...request(t + 20, 150 + s, 200, 'GET /stocks/'));
    }
    const merged = await ingestFiles([await file('pod-0.ndjson', a), await file('pod-1.ndjson.gz', b, true)]);
    const all = [...a, ...b].sort(
      (x, y) => Date.parse(JSON.parse(x).data.time) - Date.parse(JSON.parse(y).data.time),
    );
    const single = await ingestFiles([await file('all.ndjson', all)]);
    assert.deepEqual(merged.series.total, single.series.total);
    assert.deepEqual(merged.series.byName, single.series.byName);
    assert.deepEqual(merged.series.endpoints, single.series.endpoints);
    assert.deepEqual(merged.series.errorsByStatus, single.series.errorsByStatus);
    assert.ok(
      merged.series.vus.every((v) => v.vus === 5),
      'vus of the runners are summed per second',
    );
    assert.equal(merged.series.lateSamples, 0);
    assert.equal(merged.series.inputs.length, 2);
  });

  it("keeps a held VU level flat when a runner's vus sample jitters across a second boundary", async () => {
    const a: string[] = [];
    const b: string[] = [];
    for (let s = 0; s < 10; s++) {
      // Runner b ticks at .999 then 2.001: second 4 has no sample from it.
      if (s !== 4) b.push(point('vus', T0 + s * 1000 + (s === 3 ? 999 : s === 5 ? 1 : 500), 2, {}));
      a.push(point('vus', T0 + s * 1000 + 500, 3, {}), ...request(T0 + s * 1000 + 600, 10, 200));
      b.push(...request(T0 + s * 1000 + 700, 10, 200));
    }
    const { series } = await ingestFiles([
      await file('jitter-0.ndjson', a),
      await file('jitter-1.ndjson', b),
    ]);
    assert.deepEqual(
      series.vus.map((v) => v.vus),
      Array(10).fill(5),
    );
  });

  it('gives the same series from the live sample stream as from the file', async () => {
    const path = await file('live.ndjson', tiny);
    const fromFile = await ingestFiles([path]);
    const agg = new Aggregator();
    const live = agg.addSource('live');
    for (const line of tiny.slice(1)) {
      const { metric, data } = JSON.parse(line);
      // The engine hands over batches; feed them one line at a time to exercise flush().
      agg.addSamples(live, [{ metric, time: Date.parse(data.time), value: data.value, tags: data.tags }]);
      agg.flush();
    }
    agg.endSource(live);
    const fromStream = agg.finish();
    assert.deepEqual(fromStream.series.total, fromFile.series.total);
    assert.deepEqual(fromStream.series.endpoints, fromFile.series.endpoints);
    assert.deepEqual(fromStream.checks, fromFile.checks);
  });

  it('rebuilds publish cycles from publish_* samples grouped by the cycle tag', async () => {
    const step = (metric: string, cycle: number, endMs: number, value: number, stepName: string) =>
      point(metric, T0 + endMs, value, { cycle: String(cycle), step: stepName, scenario: 'publisher' });
    const lines = [
      step('publish_create_duration', 1, 100, 100, 'create'),
      step('publish_upload_duration', 1, 300, 200, 'upload'),
      step('publish_deploy_duration', 1, 400, 100, 'deploy'),
      step('publish_task_duration', 1, 2400, 2000, 'wait'),
      step('publish_check_duration', 1, 2500, 100, 'check'),
      step('publish_cycle_duration', 1, 2500, 2500, 'cycle'),
      point('publish_cycle_success', T0 + 2500, 1, { cycle: '1', scenario: 'publisher' }),
      step('publish_create_duration', 2, 2600, 100, 'create'),
      step('publish_upload_duration', 2, 2800, 200, 'upload'),
      point('publish_cycle_success', T0 + 2800, 0, {
        cycle: '2',
        scenario: 'publisher',
        publish_error: 'The app exited while starting: upload failed',
      }),
    ];
    const { publishCycles } = await ingestFiles([await file('publish.ndjson', lines)]);
    assert.equal(publishCycles.length, 2);
    assert.deepEqual(publishCycles[0], {
      start: T0,
      durationMs: 2500,
      ok: true,
      steps: [
        { name: 'create', durationMs: 100, ok: true },
        { name: 'upload', durationMs: 200, ok: true },
        { name: 'deploy', durationMs: 100, ok: true },
        { name: 'wait', durationMs: 2000, ok: true },
        { name: 'check', durationMs: 100, ok: true },
      ],
    });
    assert.equal(publishCycles[1].ok, false);
    assert.equal(publishCycles[1].error, 'The app exited while starting: upload failed');
    assert.deepEqual(
      publishCycles[1].steps.map((s) => s.ok),
      [true, false],
    );
  });

  it('reads every JSON number form Go writes exactly as Number() does', async () => {
    const values = [
      '459.86',
      '0.012',
      '1e-07',
      '2.5E+03',
      '2.5e0',
      '123456789012345678',
      '0.30000000000000004',
      '7',
    ];
    const tags = '{"scenario":"fetchers","name":"n","status":"200"}';
    const lines = values.flatMap((v, i) => {
      const time = `2026-11-27T08:00:0${i}Z`;
      return [
        `{"metric":"http_reqs","type":"Point","data":{"time":"${time}","value":1,"tags":${tags}}}`,
        `{"metric":"http_req_duration","type":"Point","data":{"time":"${time}","value":${v},"tags":${tags}}}`,
      ];
    });
    const { series } = await ingestFiles([await file('numbers.ndjson', lines)]);
    assert.deepEqual(
      series.total.map((p) => p.avg),
      values.map((v) => Number(v)),
    );
  });

  it('says which file it cannot read', async () => {
    await assert.rejects(ingestFiles([join(dir, 'nope.ndjson')]), /Cannot read .*nope\.ndjson/);
    await assert.rejects(ingestFiles([]), /No input files/);
  });
});
