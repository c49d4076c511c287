// The pure parts behind the fault handling: following a growing gzip NDJSON file (and one cut
// short), telling a target stall from a frozen generator, a record left "running", and the
// redaction of engine output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { redactLine } from '../engine/adapters/child-process.ts';
import { NdjsonTail } from '../engine/adapters/ndjson-tail.ts';
import type { Sample } from '../engine/metrics/types.ts';
import { analyseRun, findStalls, generatorFreezes } from '../harness/analysis/index.ts';
import { asLeftRunning, leftRunningNote, liveness } from '../harness/record/liveness.ts';
import type { EngineHealthLine, RunMeta, SeriesPoint, TimeSeries } from '../harness/record/types.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fault-units-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const point = (i: number) =>
  `${JSON.stringify({ metric: 'http_reqs', type: 'Point', data: { time: new Date(1_700_000_000_000 + i).toISOString(), value: 1, tags: { n: String(i) } } })}\n`;

describe('NdjsonTail on a gzip file', () => {
  it('hands out the samples as the writer flushes them, before the file is finished', async () => {
    const path = join(dir, 'live.ndjson.gz');
    const fd = openSync(path, 'w');
    const gzip = createGzip();
    gzip.on('data', (chunk: Buffer) => writeSync(fd, chunk));
    const got: Sample[] = [];
    const tail = new NdjsonTail(path, (batch) => got.push(...batch));
    const flush = () => new Promise<void>((resolve) => gzip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    for (let i = 0; i < 100; i++) gzip.write(point(i));
    await flush();
    await tail.poll();
    assert.equal(got.length, 100, 'the first flushed part is read while the file is still open');
    for (let i = 100; i < 250; i++) gzip.write(point(i));
    await flush();
    await tail.poll();
    assert.equal(got.length, 250);
    const ended = new Promise((resolve) => gzip.once('end', resolve));
    gzip.end();
    await ended;
    closeSync(fd);
    await tail.poll(true);
    assert.equal(got.length, 250);
    assert.equal(tail.damaged, null);
    assert.deepEqual(
      got.map((s) => s.tags.n),
      Array.from({ length: 250 }, (_, i) => String(i)),
    );
  });

  it('keeps what a file cut short holds and says it is damaged', async () => {
    const whole = gzipSync(Array.from({ length: 2000 }, (_, i) => point(i)).join(''));
    const path = join(dir, 'cut.ndjson.gz');
    await writeFile(path, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const got: Sample[] = [];
    const tail = new NdjsonTail(path, (batch) => got.push(...batch));
    await tail.poll(true);
    assert.ok(tail.damaged, 'the cut is noticed');
    assert.ok(got.length > 0 && got.length < 2000, `${got.length} samples kept`);
  });
});

function series(reqs: number[], vus: number[]): TimeSeries {
  const start = 1_700_000_000;
  const points: SeriesPoint[] = reqs.map((r, i) => ({
    t: start + i,
    reqs: r,
    failed: 0,
    avg: r ? 5 : null,
    p50: r ? 5 : null,
    p90: r ? 5 : null,
    p95: r ? 5 : null,
    p99: r ? 5 : null,
    max: r ? 5 : null,
  }));
  return {
    start,
    end: start + reqs.length - 1,
    stepSeconds: 1,
    total: points,
    byScenario: { fetchers: points },
    byName: {},
    vus: vus.map((v, i) => ({ t: start + i, vus: v, vusMax: 10 })),
    data: [],
    errorsByStatus: {},
    errorsByCode: {},
    endpoints: [],
    malformedLines: 0,
    inputs: [],
  };
}

function health(start: number, seconds: number, frozen?: { at: number; for: number }): EngineHealthLine[] {
  const out: EngineHealthLine[] = [];
  for (let i = 1; i <= seconds; i++) {
    if (frozen && i > frozen.at && i < frozen.at + frozen.for) continue;
    const stretched = frozen && i === frozen.at + frozen.for;
    out.push({
      t: start + i,
      cpuUserMs: 100,
      cpuSystemMs: 10,
      eventLoopP99Ms: stretched ? frozen!.for * 1000 : 2,
      eventLoopMaxMs: stretched ? frozen!.for * 1000 : 3,
      eventLoopMeanMs: 1,
      elapsedMs: stretched ? frozen!.for * 1000 : 1000,
      rssBytes: 1,
      cpus: 2,
    });
  }
  return out;
}

const baseline = {
  source: { title: 't', url: 'https://example.com', retrieved: '2026-01-01' },
  architecture: 'a',
  rps: 10,
  avgLatencyMs: 100,
  vus: 4,
  errorRate: 0.01,
  durationMinutes: 1,
  tolerances: { minRpsFraction: 0.5, maxLatencyFraction: 2, maxErrorRate: 0.05 },
};

describe('stalls', () => {
  // 30 s: 2 s ramp, answers until 12 s, then nothing with 4 VUs running until the end.
  const reqs = Array.from({ length: 30 }, (_, i) => (i < 12 ? 100 : 0));
  const vus = Array.from({ length: 30 }, (_, i) => (i < 2 ? 2 : 4));

  it('a target that stops answering: the window keeps its length, the waiting requests fail, the verdict fails', () => {
    const s = series(reqs, vus);
    const analysis = analyseRun({ series: s, publishCycles: [], checks: [] } as never, null, {
      kind: 'load-soak',
      baseline,
      comparable: true,
      rampSeconds: 2,
      engineHealth: health(s.start, 30),
    });
    const steady = analysis.steady!;
    assert.equal(steady.to, s.start + 28, 'the window ends with the hold, not at the last answer');
    assert.equal(analysis.stalls?.length, 1);
    const stall = analysis.stalls![0];
    assert.equal(stall.cause, 'target');
    assert.equal(stall.from, s.start + 12);
    assert.equal(stall.untilEnd, true);
    assert.equal(steady.unanswered, 4);
    assert.ok(Math.abs(steady.errorRate - 4 / 1004) < 1e-9, `error rate ${steady.errorRate}`);
    assert.equal(analysis.verdict?.ok, false);
    assert.match(analysis.verdict!.note, /The target stopped answering at .* \(12 s into the run\)/);
  });

  it('a frozen generator is named as a generator stall, not as event-loop delay or a target fault', () => {
    const answered = Array.from({ length: 30 }, (_, i) => (i >= 10 && i < 22 ? 0 : 100));
    const s = series(answered, vus);
    const h = health(s.start, 30, { at: 10, for: 12 });
    assert.deepEqual(generatorFreezes(h), [{ from: s.start + 10, to: s.start + 22 }]);
    const analysis = analyseRun({ series: s, publishCycles: [], checks: [] } as never, null, {
      kind: 'load-soak',
      baseline,
      comparable: true,
      rampSeconds: 2,
      engineHealth: h,
    });
    assert.equal(analysis.stalls?.[0].cause, 'generator');
    assert.equal(analysis.steady!.unanswered, undefined);
    assert.equal(analysis.generator?.verdict, 'limited');
    assert.match(
      analysis.generator!.reasons[0],
      /The load generator stalled at .* \(10 s into the run\) for 12 s/,
    );
    assert.ok(!analysis.generator!.reasons.some((r) => /Requests start late/.test(r)));
    assert.ok(!analysis.verdict!.checks.some((c) => c.name === 'answering'));
  });

  it('a scalability run whose target stops answering names the stall and fails its verdict', () => {
    // Levels of 1, 2, 4 VUs, 10 s each; answers stop 4 s into the last level.
    const levelVus = Array.from({ length: 30 }, (_, i) => (i < 10 ? 1 : i < 20 ? 2 : 4));
    const answered = levelVus.map((v, i) => (i < 24 ? v * 50 : 0));
    const s = series(answered, levelVus);
    const analysis = analyseRun({ series: s, publishCycles: [], checks: [] } as never, null, {
      kind: 'scalability',
      baseline,
      comparable: true,
      engineHealth: health(s.start, 30),
      saturation: { minHoldSeconds: 3, settleSeconds: 1, otherVus: 0 },
    });
    assert.equal(analysis.stalls?.[0].cause, 'target');
    assert.equal(analysis.stalls?.[0].from, s.start + 24);
    assert.equal(analysis.verdict?.ok, false);
    assert.ok(analysis.verdict?.checks.some((c) => c.name === 'answering' && !c.ok));
  });

  it('needs three empty seconds, and fetch VUs running, to call it a stall', () => {
    const s = series([5, 0, 0, 5, 0, 0, 0, 0], [4, 4, 4, 4, 1, 1, 1, 1]);
    assert.deepEqual(findStalls(s, 'fetchers', s.start, s.end, { otherVus: 1 }), []);
    const t = series([5, 0, 0, 0, 5], [4, 4, 4, 4, 4]);
    const [stall] = findStalls(t, 'fetchers', t.start, t.end);
    assert.equal(stall.cause, 'unknown', 'without health lines the cause cannot be told');
    assert.equal(stall.seconds, 3);
  });
});

describe('records left running', () => {
  const meta = (pid: number, host = hostname()): RunMeta =>
    ({ status: 'running', writer: { pid, host } }) as unknown as RunMeta;

  it('tells a live harness from a dead one by its pid and command line', async () => {
    // A stand-in with the harness's command line (harness/commands/harness.ts).
    const child = spawn(
      process.execPath,
      ['-e', 'setTimeout(() => {}, 60000)', 'harness/commands/harness.ts'],
      {
        stdio: 'ignore',
      },
    );
    await new Promise((resolve) => child.once('spawn', resolve));
    assert.equal(liveness(meta(child.pid!)), 'running');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    assert.equal(liveness(meta(child.pid!)), 'left running');
    const fixed = asLeftRunning(meta(child.pid!));
    assert.equal(fixed.status, 'interrupted');
    assert.match(leftRunningNote(meta(child.pid!), 'runs/x')!, /was left "running"/);
    // The harness from the bundle the tests build of it (esbuild.config.mjs) is a harness too.
    const bundled = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'dist/cli/harness.mjs'], {
      stdio: 'ignore',
    });
    await new Promise((resolve) => bundled.once('spawn', resolve));
    assert.equal(liveness(meta(bundled.pid!)), 'running');
    bundled.kill('SIGKILL');
    // A pid now used by a program that is not a harness.
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((resolve) => other.once('spawn', resolve));
    assert.equal(liveness(meta(other.pid!)), 'left running');
    other.kill('SIGKILL');
    assert.equal(liveness(meta(child.pid!, 'another-host')), 'unknown');
    assert.equal(liveness({ status: 'running' } as RunMeta), 'unknown');
    assert.equal(liveness({ status: 'completed' } as RunMeta), 'not running');
  });
});

describe('engine output redaction', () => {
  it('takes out keys, Authorization and cookie headers in plain, JSON and logfmt lines', () => {
    const key = 'k-0123456789';
    assert.equal(redactLine(`Authorization: Key ${key}`, [key]), 'Authorization: [redacted]');
    assert.equal(redactLine('Set-Cookie: s=1; Path=/', []), 'Set-Cookie: [redacted]');
    assert.equal(redactLine('{"Cookie":"a=b"}', []), '{"Cookie":"[redacted]"}');
    assert.equal(
      redactLine(`msg="GET / HTTP/1.1\\r\\nAuthorization: Basic abc\\r\\nHost: x\\r\\n"`, []),
      'msg="GET / HTTP/1.1\\r\\nAuthorization: [redacted]\\r\\nHost: x\\r\\n"',
    );
    assert.equal(redactLine(`the key ${key} leaked`, [key]), 'the key [redacted] leaked');
    assert.equal(redactLine('no header here', [key]), 'no header here');
  });
});
