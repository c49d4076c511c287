// Ingest benchmark: writes a k6-shaped NDJSON file of LINES lines (default 5 M) to a temp dir,
// ingests it in a child process (lines/s and peak RSS), runs jq over the same file for scale,
// and prints one JSON line: {"lines","lines_per_s","jq_lines_per_s","vs_jq","peak_rss_mb"}.
// `npm run bench:ingest` (LINES=… to change the size, KEEP=1 to keep the file).
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REQUEST_WITH_FAILED } from '../engine/metrics/sample-groups.ts';
import { ingestFiles } from '../harness/ingest/index.ts';

const NAMES = ['GET /stocks/', 'GET /stocks/{ticker}', 'GET /stocks/{ticker}/history'];
const METRIC_TYPES: Record<string, [string, string]> = {
  http_reqs: ['counter', 'default'],
  http_req_failed: ['rate', 'default'],
  checks: ['rate', 'default'],
  iterations: ['counter', 'default'],
  iteration_duration: ['trend', 'time'],
  data_sent: ['counter', 'data'],
  data_received: ['counter', 'data'],
  vus: ['gauge', 'default'],
  vus_max: ['gauge', 'default'],
};

function rfc3339(ms: number): string {
  // k6 writes nanoseconds with trailing zeros trimmed and the local offset; use UTC and µs.
  const whole = new Date(Math.floor(ms)).toISOString().slice(0, 19);
  const micros = Math.round((ms % 1000) * 1000)
    .toString()
    .padStart(6, '0')
    .replace(/0+$/, '');
  return `${whole}${micros ? `.${micros}` : ''}Z`;
}

/** Streams `count` lines of a 1600 req/s run with 400 VUs; resolves when the file is closed. */
async function writeSamples(path: string, count: number): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const seen = new Set<string>();
  let buffer = '';
  let written = 0;
  const emit = (metric: string, time: number, value: number, tags: string, metadata: string) => {
    if (!seen.has(metric)) {
      seen.add(metric);
      const [type, contains] = METRIC_TYPES[metric] ?? ['trend', 'time'];
      buffer += `{"type":"Metric","data":{"name":"${metric}","type":"${type}","contains":"${contains}","thresholds":[],"submetrics":null},"metric":"${metric}"}\n`;
      written++;
    }
    buffer += `{"metric":"${metric}","type":"Point","data":{"time":"${rfc3339(time)}","value":${value},"tags":${tags}${metadata}}}\n`;
    written++;
  };
  const start = Date.parse('2026-11-27T08:00:00Z');
  let request = 0;
  let lastVuSecond = -1;
  while (written < count) {
    const time = start + request / 1.618 + (request % 7) * 0.013;
    const second = Math.floor((time - start) / 1000);
    if (second !== lastVuSecond) {
      lastVuSecond = second;
      emit('vus', start + second * 1000, 401, '{}', '');
      emit('vus_max', start + second * 1000, 401, '{}', '');
    }
    const name = NAMES[request % NAMES.length];
    const status = request % 997 === 0 ? '503' : '200';
    const ok = status === '200';
    const url = 'http://127.0.0.1:3939/content/0a1b2c3d-4e5f-6789-abcd-ef0123456789/stocks/AAPL';
    const tags = `{"expected_response":"${ok}","group":"","method":"GET","name":"${name}","proto":"HTTP/1.1","scenario":"fetchers","status":"${status}","url":"${url}"${ok ? '' : ',"error_code":"1503"'}}`;
    const metadata = `,"metadata":{"vu":"${request % 400}","iter":"${request >> 9}"}`;
    const duration = 120 + ((request * 7919) % 2000) / 10;
    for (const metric of REQUEST_WITH_FAILED) {
      const value =
        metric === 'http_reqs'
          ? 1
          : metric === 'http_req_failed'
            ? ok
              ? 0
              : 1
            : metric === 'http_req_duration' || metric === 'http_req_waiting'
              ? duration
              : 0.012;
      emit(metric, time, value, tags, metadata);
    }
    const checkTags = '{"check":"status is 200","group":"","scenario":"fetchers"}';
    emit('checks', time, ok ? 1 : 0, checkTags, metadata);
    const iterTags = '{"group":"","scenario":"fetchers"}';
    emit('data_sent', time, 212, iterTags, metadata);
    emit('data_received', time, 398, iterTags, metadata);
    emit('iteration_duration', time, duration + 0.3, iterTags, metadata);
    emit('iterations', time, 1, iterTags, metadata);
    request++;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.write(buffer);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function child(file: string): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await ingestFiles([file]);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const maxRssKb = process.resourceUsage().maxRSS;
  const reqs = result.series.total.reduce((sum, p) => sum + p.reqs, 0);
  console.log(
    JSON.stringify({
      lines: result.series.lines,
      seconds,
      cpuSeconds,
      maxRssKb,
      reqs,
      malformed: result.series.malformedLines,
    }),
  );
}

async function main(): Promise<void> {
  const lines = Number(process.env.LINES ?? 5_000_000);
  const dir = await mkdtemp(join(tmpdir(), 'bench-ingest-'));
  const file = join(dir, 'samples.ndjson');
  try {
    process.stdout.write(`writing ${lines.toLocaleString('en')} k6 NDJSON lines to ${file} ... `);
    let t = performance.now();
    await writeSamples(file, lines);
    const bytes = (await stat(file)).size;
    console.log(`${(bytes / 1e9).toFixed(2)} GB in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const self = fileURLToPath(import.meta.url);
    const run = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', file], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`the ingest child failed: ${run.stderr}`);
    const measured = JSON.parse(run.stdout.trim().split('\n').pop()!);
    const linesPerS = measured.lines / measured.seconds;
    const peakRssMb = measured.maxRssKb / 1024;
    console.log(
      `ingest: ${measured.lines.toLocaleString('en')} lines in ${measured.seconds.toFixed(2)} s = ` +
        `${(linesPerS / 1e6).toFixed(2)} M lines/s (${measured.cpuSeconds.toFixed(2)} s of CPU), peak RSS ${peakRssMb.toFixed(0)} MB, ` +
        `${measured.reqs.toLocaleString('en')} requests, ${measured.malformed} malformed`,
    );

    t = performance.now();
    execFileSync('sh', [
      '-c',
      `jq -c 'select(.type=="Point" and .metric=="http_req_duration") | .data.value' "${file}" > /dev/null`,
    ]);
    const jqSeconds = (performance.now() - t) / 1000;
    const jqLinesPerS = measured.lines / jqSeconds;
    console.log(
      `jq:     same file in ${jqSeconds.toFixed(2)} s = ${(jqLinesPerS / 1e6).toFixed(2)} M lines/s`,
    );
    console.log(
      JSON.stringify({
        lines: measured.lines,
        lines_per_s: Math.round(linesPerS),
        jq_lines_per_s: Math.round(jqLinesPerS),
        vs_jq: Number((linesPerS / jqLinesPerS).toFixed(1)),
        peak_rss_mb: Math.round(peakRssMb),
      }),
    );
  } finally {
    if (!process.env.KEEP) await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]);
else await main();
