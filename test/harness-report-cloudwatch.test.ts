// `npm run report -- <run> --cw-…` fetches the node metrics again from CloudWatch for the run's
// window (the last minutes of a run are published late) and renders with them. The CLI runs as
// its own process against a fake CloudWatch (AWS JSON 1.0) on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { NodeMetrics, RunMeta } from '../harness/record/types.ts';
import { cliArgs } from './helpers/cli.ts';
import { soakRun, writeRun } from './helpers/run-fixtures.ts';

const targets: string[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const target = String(req.headers['x-amz-target']);
    targets.push(target);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
      StartTime: number;
      MetricDataQueries: Array<{ Id: string }>;
    };
    const results = body.MetricDataQueries.map((q) => ({
      Id: q.Id,
      Label: q.Id,
      Timestamps: [body.StartTime, body.StartTime + 60],
      Values: [41.5, 57.25],
      StatusCode: 'Complete',
    }));
    res
      .writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
      .end(JSON.stringify({ MetricDataResults: results }));
  });
});

let dir: string;
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  dir = await mkdtemp(join(tmpdir(), 'report-cw-'));
});
after(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

function report(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [...cliArgs('harness'), 'report', ...args], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIDFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake',
      AWS_REGION: 'us-east-1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => {
    output += c;
  });
  child.stderr.on('data', (c) => {
    output += c;
  });
  // 'close': the output is all read (on 'exit' the last lines may still be in the pipe).
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

test('report --cw-db-instance refreshes node-metrics.json from CloudWatch and renders it', async () => {
  const run = await writeRun(join(dir, 'run'), soakRun(5));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { code, output } = await report([run, '--cw-db-instance', 'connect-db', '--cw-endpoint', endpoint]);
  assert.equal(code, 0, output);
  assert.match(output, /series fetched again from CloudWatch/);
  assert.ok(targets.includes('GraniteServiceVersion20100801.GetMetricData'));
  const metrics = JSON.parse(await readFile(join(run, 'node-metrics.json'), 'utf8')) as NodeMetrics;
  const meta = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')) as RunMeta;
  assert.equal(metrics.source, 'cloudwatch');
  const values = metrics.series.flatMap((s) => s.points.map((p) => p.v)).filter((v) => v !== null);
  assert.ok(
    values.includes(41.5) && values.includes(57.25),
    JSON.stringify(metrics.series.map((s) => s.label)),
  );
  assert.ok(metrics.series.some((s) => /connect-db/.test(s.label)));
  const first = metrics.series[0].points[0].t;
  assert.ok(first <= Date.parse(meta.startedAt) / 1000 + 60, 'the window is the run’s');
  const html = await readFile(join(run, 'report.html'), 'utf8');
  assert.match(html, /connect-db/);
});

test('report rejects malformed CloudWatch options with a sentence', async () => {
  const run = await writeRun(join(dir, 'run2'), soakRun(1));
  const { code, output } = await report([run, '--cw-load-balancer', 'not-an-arn']);
  assert.equal(code, 2);
  assert.match(output, /--cw-load-balancer "not-an-arn" must look like app\/<name>\/<id>/);
});
