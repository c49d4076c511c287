// `npm run ingest` against hostile input, in real processes with a capped heap: far-apart times
// are refused before any point is filled in, distinct request names beyond the limit are counted
// together (and the record and the report say so), an endless line is skipped as one counted
// line, non-finite and negative values are skipped and counted, a file given twice (any path, or
// the same content) is refused, and every input (summary export, FIFO) is checked before the run
// folder is created.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createGzip } from 'node:zlib';
import { Aggregator, ingestLimits, otherKey } from '../harness/ingest/aggregator.ts';
import { maxLineBytes } from '../harness/ingest/index.ts';
import { maxPublishCycles } from '../harness/ingest/publish-cycles.ts';
import type { Analysis, TimeSeries } from '../harness/record/types.ts';
import { cliArgs } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ingest-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Heap of the ingest process: far below what the unbounded cases needed (GBs). */
const HEAP_MB = 160;

function ingest(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [`--max-old-space-size=${HEAP_MB}`, ...cliArgs('harness'), 'ingest', ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, CONNECT_SERVER: '', CONNECT_API_KEY: '' },
      // A safety net only: every case here ends on its own, well before.
      timeout: 120_000,
    },
  );
  return { code: result.status, signal: result.signal, stderr: result.stderr };
}

const T0 = Date.UTC(2026, 10, 27, 8, 0, 0);

const point = (metric: string, ms: number, value: number | string, tags: Record<string, string>) =>
  `{"metric":"${metric}","type":"Point","data":{"time":"${new Date(ms).toISOString()}","value":${value},"tags":${JSON.stringify(tags)}}}`;

const tags = { scenario: 'fetchers', name: 'GET /stocks', method: 'GET', status: '200' };

/** A few seconds of a plain, valid run. */
function run(seconds = 5, from = T0): string[] {
  const lines: string[] = [];
  for (let s = 0; s < seconds; s++) {
    lines.push(point('vus', from + s * 1000, 2, {}));
    for (let i = 0; i < 4; i++) {
      lines.push(point('http_reqs', from + s * 1000 + i * 200, 1, tags));
      lines.push(point('http_req_duration', from + s * 1000 + i * 200, 10 + i, tags));
    }
  }
  return lines;
}

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function runFolder(out: string): string {
  const folders = readdirSync(out);
  assert.equal(folders.length, 1, `one run folder in ${out}`);
  return join(out, folders[0]);
}

function assertRefused(result: ReturnType<typeof ingest>, out: string, sentence: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, sentence);
  assert.match(result.stderr, /Nothing was written\./);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'no run folder');
}

describe('ingest refuses times that are not one run, before filling any second', () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      'year-1',
      [point('vus', Date.parse('0001-01-01T00:00:00Z'), 1, {}), ...run()],
      /jump from 0001-01-01T00:00:00Z to 2026-11-27T08:00:00Z .* these are not one run/,
    ],
    [
      'year-9999',
      [...run(), point('vus', Date.parse('9999-12-31T23:59:59Z'), 1, {})],
      /jump from 2026-11-27T08:00:04Z to 9999-12-31T23:59:59Z/,
    ],
    [
      'one-year-gap',
      [...run(), ...run(5, T0 + 365 * 86400_000)],
      /jump from 2026-11-27T08:00:04Z to 2027-11-27/,
    ],
    [
      'spread-out',
      // Never more than the gap limit apart, yet longer than any run.
      Array.from({ length: 200 }, (_, i) =>
        point('vus', T0 + i * (ingestLimits.gapSeconds - 1) * 1000, 1, {}),
      ),
      /span from 2026-11-27T08:00:00Z to .* longer than a run can be/,
    ],
  ];
  for (const [name, lines, sentence] of cases) {
    it(`${name}: exit 2 with one sentence, no run folder, within a ${HEAP_MB} MB heap`, () => {
      const out = join(dir, `runs-${name}`);
      assertRefused(ingest(file(`${name}.ndjson`, lines), '--out', out), out, sentence);
    });
  }
});

describe('ingest keeps memory bounded by the run, not by the input', () => {
  it('50,000 URLs without a name tag: the first names are kept, the rest counted together and said so', () => {
    const lines: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const ms = T0 + Math.floor(i / 1000) * 1000 + (i % 1000);
      const urlTags = { scenario: 'fetchers', method: 'GET', status: '200', url: `http://x/content/${i}` };
      lines.push(point('http_reqs', ms, 1, urlTags), point('http_req_duration', ms, 5, urlTags));
    }
    const out = join(dir, 'runs-urls');
    const result = ingest(file('urls.ndjson', lines), '--out', out);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /More than 200 distinct request names .* counted together as "\(other\)"/);
    const folder = runFolder(out);
    const series: TimeSeries = JSON.parse(readFileSync(join(folder, 'timeseries.json'), 'utf8'));
    assert.equal(Object.keys(series.byName).length, ingestLimits.names + 1);
    assert.ok(series.byName[otherKey], 'the other names have one series');
    const total = series.endpoints.reduce((sum, e) => sum + e.count, 0);
    assert.equal(total, 50_000, 'every request is still counted');
    assert.equal(series.endpoints.find((e) => e.name === otherKey)?.count, 50_000 - ingestLimits.names);
    assert.match(series.notes?.join(' ') ?? '', /url-grouping/);
    const report = readFileSync(join(folder, 'report.html'), 'utf8');
    assert.match(report, /More than 200 distinct request names/);
  });

  it('a gzip of zeros (one endless line) is one skipped line, and the lines around it still count', async () => {
    const path = join(dir, 'zeros.ndjson.gz');
    const gzip = createGzip();
    const done = new Promise<void>((resolve, reject) =>
      gzip
        .pipe(createWriteStream(path))
        .on('finish', () => resolve())
        .on('error', reject),
    );
    gzip.write(`${run(2).join('\n')}\n`);
    const zeros = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 256; i++) gzip.write(zeros); // 256 MiB without a newline
    gzip.end(`\n${run(2, T0 + 2000).join('\n')}\n`);
    await done;
    const out = join(dir, 'runs-zeros');
    const result = ingest(path, '--out', out);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /1 malformed/);
    assert.match(
      result.stderr,
      new RegExp(
        `zeros\\.ndjson\\.gz:19: \\(a line of 268,435,45\\d bytes or more, longer than the ${maxLineBytes.toLocaleString('en')}-byte line limit: skipped\\)`,
      ),
    );
    const series: TimeSeries = JSON.parse(readFileSync(join(runFolder(out), 'timeseries.json'), 'utf8'));
    assert.equal(series.lines, 37, '18 + the long line + 18');
    assert.equal(
      series.total.reduce((sum, p) => sum + p.reqs, 0),
      16,
    );
  });

  it('1e999, NaN-like and negative values are skipped and counted; one bad vus value does not fail the run', () => {
    const lines = [
      '{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":["max<100"],"submetrics":null},"metric":"http_req_duration"}',
      ...run(4),
      point('http_req_duration', T0 + 1500, '1e999', tags),
      point('http_req_duration', T0 + 1600, -20, tags),
      point('vus', T0 + 2100, -3, {}),
      point('vus', T0 + 2200, '1e999', {}),
    ];
    const out = join(dir, 'runs-values');
    const result = ingest(file('values.ndjson', lines), '--out', out);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /4 samples were skipped: their value is not a finite number ≥ 0/);
    const folder = runFolder(out);
    const series: TimeSeries = JSON.parse(readFileSync(join(folder, 'timeseries.json'), 'utf8'));
    assert.equal(series.invalidValues, 4);
    for (const p of series.total) assert.ok(p.avg !== null && p.avg >= 10 && p.avg <= 13, `avg ${p.avg}`);
    assert.ok(series.vus.every((v) => v.vus === 2));
    assert.doesNotMatch(readFileSync(join(folder, 'report.html'), 'utf8'), /Infinity/);
    // The threshold evaluated on the samples never saw the 1e999 either.
    const analysis: Analysis = JSON.parse(readFileSync(join(folder, 'analysis.json'), 'utf8'));
    const max = analysis.thresholds.find((t) => t.expression === 'max<100');
    assert.equal(max?.ok, true);
    assert.equal(max?.measured, 13);
  });
});

describe('publish cycles are bounded too', () => {
  it('distinct cycle tags beyond the limit are not kept, and the record says so', () => {
    const agg = new Aggregator();
    const source = agg.addSource('live');
    const extra = 10;
    for (let i = 0; i < maxPublishCycles + extra; i++) {
      const tags = { cycle: String(i), scenario: 'publisher' };
      agg.addSamples(source, [{ metric: 'publish_cycle_duration', time: T0 + i, value: 5, tags }]);
    }
    const result = agg.finish();
    assert.equal(result.publishCycles.length, maxPublishCycles);
    assert.match(
      result.series.notes?.join(' ') ?? '',
      new RegExp(
        `More than ${maxPublishCycles.toLocaleString('en')} publish cycles .*: ${extra} samples of later cycles are not counted`,
      ),
    );
  });
});

describe('ingest checks every input before the run folder is created', () => {
  it('the same file twice: by the same path, through a symlink, or a copy with the same content', () => {
    const a = file('runner-a.ndjson', run());
    const link = join(dir, 'runner-link.ndjson');
    symlinkSync(a, link);
    const copy = file('runner-copy.ndjson', run());
    const cases: Array<[string[], RegExp]> = [
      [[a, a], /runner-a\.ndjson and .*runner-a\.ndjson are the same file/],
      [[a, link], /runner-link\.ndjson and .*runner-a\.ndjson are the same file/],
      [[a, copy], /runner-copy\.ndjson has the same content as .*runner-a\.ndjson/],
    ];
    for (const [i, [files, sentence]] of cases.entries()) {
      const out = join(dir, `runs-twice-${i}`);
      assertRefused(ingest(...files, '--out', out), out, sentence);
    }
    // Two runners with different samples still merge.
    const out = join(dir, 'runs-two-runners');
    const other = file('runner-b.ndjson', run(5, T0 + 100));
    assert.equal(ingest(a, other, '--out', out).code, 0);
  });

  it('a missing or damaged --summary file is refused before anything is written', () => {
    const input = file('with-summary.ndjson', run());
    const cases: Array<[string, RegExp]> = [
      [
        join(dir, 'no-such-summary.json'),
        /Cannot read summary export .*no-such-summary\.json: it does not exist/,
      ],
      [
        file('bad-summary.json', ['{"metrics": 5}']),
        /summary export .* is not of the expected shape \("metrics" must be object\)/,
      ],
      [file('broken-summary.json', ['{"metrics":']), /summary export .* is not valid JSON/],
    ];
    for (const [i, [summary, sentence]] of cases.entries()) {
      const out = join(dir, `runs-summary-${i}`);
      assertRefused(ingest(input, '--summary', summary, '--out', out), out, sentence);
    }
  });

  it('a FIFO as input is refused at once instead of waiting on it', () => {
    const fifo = join(dir, 'samples.fifo');
    execFileSync('mkfifo', [fifo]);
    const out = join(dir, 'runs-fifo');
    assertRefused(ingest(fifo, '--out', out), out, /samples\.fifo is not a regular file/);
  });
});
