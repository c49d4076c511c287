// `npm run ingest` at its edges: input with no k6 sample is refused (exit 2, no run folder, no raw
// control character on the terminal), thresholds declared in NDJSON Metric lines are evaluated
// when there is no summary export, and a run that measured nothing fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Analysis, RunMeta } from '../harness/record/types.ts';
import { cliArgs } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ingest-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function ingest(...args: string[]) {
  const result = spawnSync(process.execPath, [...cliArgs('harness'), 'ingest', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CONNECT_SERVER: '', CONNECT_API_KEY: '' },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const point = (metric: string, ms: number, value: number, tags: Record<string, string>) =>
  JSON.stringify({
    metric,
    type: 'Point',
    data: { time: new Date(Date.UTC(2026, 10, 27, 8, 0, 0) + ms).toISOString(), value, tags },
  });

const metricLine = (name: string, type: string, contains: string, thresholds: unknown[]) =>
  JSON.stringify({
    type: 'Metric',
    data: { name, type, contains, thresholds, submetrics: null },
    metric: name,
  });

describe('ingest refuses input with no k6 sample', () => {
  const cases: Array<[string, string | Buffer]> = [
    ['empty.ndjson', ''],
    // Random bytes with terminal control sequences: clear screen, set the title, ring the bell.
    [
      'garbage.ndjson',
      Buffer.concat([randomBytes(4096), Buffer.from('\n\x1b[2J\x1b]0;pwned\x07 hello\n'), randomBytes(2048)]),
    ],
    [
      'wrong-types.ndjson',
      [
        JSON.stringify({ metric: 'http_reqs', type: 'Point', data: { time: 12, value: '1', tags: {} } }),
        JSON.stringify({ metric: 42, type: 'Point', data: { time: '2026-11-27T08:00:00Z', value: 1 } }),
        JSON.stringify({
          metric: 'http_reqs',
          type: 'Point',
          data: { time: 'yesterday', value: 1, tags: {} },
        }),
        '[1,2,3]',
      ].join('\n'),
    ],
  ];
  for (const [name, content] of cases) {
    it(`${name}: exit 2, a sentence, no run folder, no raw control character`, () => {
      const out = join(dir, `runs-${name}`);
      const run = ingest(file(name, content), '--out', out);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /Nothing to ingest: none of the .* lines in .* is a k6 sample/);
      assert.match(run.stderr, /No run folder was written\./);
      assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'no run folder');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      assert.doesNotMatch(run.stderr, /[\x00-\x08\x0b-\x1f\x7f]/, 'control characters are escaped');
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('shows the escaped form of a control character in a malformed line', () => {
    const run = ingest(file('esc.ndjson', '\x1b[2Jnot json\n'), '--out', join(dir, 'runs-esc'));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /malformed: .*esc\.ndjson:1: \\x1b\[2Jnot json/);
  });
});

describe('thresholds from NDJSON Metric lines', () => {
  it('evaluates each declared threshold on the merged data when there is no summary export', () => {
    const tags = {
      scenario: 'fetchers',
      name: 'GET /stocks',
      method: 'GET',
      status: '200',
      expected_response: 'true',
    };
    const runner = (offset: number) => {
      const lines = [
        metricLine('http_req_duration', 'trend', 'time', [
          'p(95)<150',
          { threshold: 'avg<50', abortOnFail: true },
        ]),
        metricLine('http_reqs', 'counter', 'default', ['count>=200']),
        metricLine('iteration_duration', 'trend', 'time', ['max<1000']),
      ];
      for (let i = 0; i < 100; i++) {
        const ms = i * 100 + offset;
        lines.push(point('http_reqs', ms, 1, tags));
        // Durations 1..100 ms on one runner and 101..200 ms on the other: merged, 1..200.
        lines.push(point('http_req_duration', ms, i + 1 + offset, tags));
        lines.push(point('iteration_duration', ms, 10, { scenario: 'fetchers' }));
      }
      return lines.join('\n');
    };
    const out = join(dir, 'runs-thresholds');
    const run = ingest(
      file('runner-0.ndjson', runner(0)),
      file('runner-1.ndjson', runner(100)),
      '--out',
      out,
    );
    assert.equal(run.code, 0, run.stderr);
    const [folder] = readdirSync(out);
    const analysis = JSON.parse(readFileSync(join(out, folder, 'analysis.json'), 'utf8')) as Analysis;
    const byKey = Object.fromEntries(analysis.thresholds.map((t) => [`${t.metric} ${t.expression}`, t]));
    // k6's percentile of 1..200: index 0.95 × 199 = 189.05 → 190.05.
    const p95 = byKey['http_req_duration p(95)<150'];
    assert.equal(p95.ok, false);
    assert.ok(Math.abs(p95.measured! - 190.05) < 1e-9, `p95 ${p95.measured}`);
    assert.equal(p95.abortOnFail, false);
    assert.equal(p95.source, 'ndjson');
    assert.equal(byKey['http_req_duration avg<50'].ok, false);
    assert.equal(byKey['http_req_duration avg<50'].measured, 100.5);
    assert.equal(byKey['http_req_duration avg<50'].abortOnFail, true);
    assert.equal(byKey['http_reqs count>=200'].ok, true);
    assert.equal(byKey['http_reqs count>=200'].measured, 200);
    assert.equal(
      byKey['iteration_duration max<1000'].ok,
      true,
      'a metric ingest does not aggregate is evaluated too',
    );
    assert.equal(analysis.thresholds.length, 4, 'declared once per metric, not once per runner');
    const junit = readFileSync(join(out, folder, 'junit.xml'), 'utf8');
    assert.match(junit, /name="http_req_duration: p\(95\)&lt;150"/);
    assert.match(junit, /measured 190, limit p\(95\)&lt;150/);
  });

  it('marks a run whose fetchers got no HTTP answer failed, exit 1, record kept', () => {
    const lines: string[] = [];
    for (let s = 0; s < 20; s++) {
      lines.push(point('vus', s * 1000, 5, {}));
      lines.push(
        point('http_reqs', s * 1000 + 10, 1, { scenario: 'fetchers', status: '0', error_code: '1211' }),
      );
      lines.push(point('http_req_failed', s * 1000 + 10, 1, { scenario: 'fetchers', status: '0' }));
    }
    const out = join(dir, 'runs-no-answer');
    const run = ingest(file('no-answer.ndjson', lines.join('\n')), '--out', out);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /got an HTTP answer/);
    const [folder] = readdirSync(out);
    const meta = JSON.parse(readFileSync(join(out, folder, 'run.json'), 'utf8')) as RunMeta;
    assert.equal(meta.status, 'failed');
    assert.ok(existsSync(join(out, folder, 'report.html')));
  });
});
