// test-serial: runs several engine processes and signals them
// `--engine k6-operator --parallelism 3` against a simulated cluster (test/helpers/
// k6-operator-cluster.ts): the harness's kubectl is test/helpers/fake-kubectl.mjs, which forwards
// to the simulator, and every runner of the TestRun is a real embedded-engine process with the
// command line k6-operator builds (segments, --paused, REST API, instance tags), loading the real
// stand-in. Cases: a whole run merged from three runners; a runner killed mid-run; a runner whose
// REST API never answers; Ctrl-C during the load.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { lostRunner } from '../harness/k6-operator/run.ts';
import type { Standin } from '../standin/index.ts';
import { type Watched, watch } from './helpers/child.ts';
import { cliArgs } from './helpers/cli.ts';
import { standinWithFlask } from './helpers/flask-on-standin.ts';
import { runnerCommand, SimCluster } from './helpers/k6-operator-cluster.ts';

const ROOT = join(import.meta.dirname, '..');
const FAKE = join(import.meta.dirname, 'helpers', 'fake-kubectl.mjs');
const ENGINE = join(ROOT, 'engine', 'bin.mjs');
const apiKey = 'k8s-cluster-test-key-0123456789abcdef';

let standin: Standin;
let flaskUrl: string;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'k6op-cluster-'));
  ({ standin, flaskUrl } = await standinWithFlask(apiKey));
});
after(async () => {
  await standin?.stop();
  await rm(work, { recursive: true, force: true });
});

interface Case {
  cluster: SimCluster;
  out: string;
  run: Watched;
}

/** A cluster of its own and the harness against it; `timing` shortens the harness's waits. */
async function start(
  name: string,
  options: { unresponsive?: number[]; initTimeoutMs?: number; graceMs?: number; extra?: string[] } = {},
): Promise<Case> {
  const cluster = await SimCluster.start({
    dir: join(work, name, 'cluster'),
    engineBin: ENGINE,
    // Kubernetes' default grace period, unless a case needs a frozen runner killed sooner.
    graceMs: options.graceMs ?? 30_000,
    unresponsive: options.unresponsive,
  });
  const out = join(work, name, 'runs');
  const child = spawn(
    process.execPath,
    [
      ...cliArgs('harness'),
      'load-soak',
      '--engine',
      'k6-operator',
      '--parallelism',
      '3',
      '--namespace',
      'perf',
      '--profile',
      'smoke',
      '--flask-content',
      flaskUrl,
      '--node-metrics',
      'none',
      '--out',
      out,
      ...(options.extra ?? []),
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        KUBECTL: FAKE,
        FAKE_KUBE_SCENARIO: 'cluster',
        FAKE_KUBE_API: cluster.url,
        CONNECT_SERVER: standin.url,
        CONNECT_API_KEY: apiKey,
        K6_OPERATOR_TIMING: JSON.stringify({
          pollMs: 1000,
          initTimeoutMs: options.initTimeoutMs ?? 120_000,
          podReadyTimeoutMs: 30_000,
          stopWaitMs: 30_000,
          finishMarginMs: 120_000,
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return { cluster, out, run: watch(child) };
}

async function finish(c: Case): Promise<{ code: number | null; stderr: string; dir: string }> {
  const { code } = await c.run.ended;
  // Every process the cluster started has ended (the harness deleted the TestRun, or it ended).
  await c.cluster.settled();
  await c.cluster.stop();
  const entries = existsSync(c.out) ? await readdir(c.out) : [];
  assert.equal(entries.length, 1, `one run folder: ${entries.join(', ')}\n${c.run.stderr()}`);
  return { code, stderr: c.run.stderr(), dir: join(c.out, entries[0]) };
}

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

/** What one runner's file holds, read here independently of the harness. */
async function fileFigures(path: string): Promise<{
  requests: number;
  maxVus: number;
  scenarios: Set<string>;
  instances: Set<string>;
  testRuns: Set<string>;
}> {
  const figures = {
    requests: 0,
    maxVus: 0,
    scenarios: new Set<string>(),
    instances: new Set<string>(),
    testRuns: new Set<string>(),
  };
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()) });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const sample = JSON.parse(line);
    if (sample.type !== 'Point') continue;
    if (sample.data.tags?.instance_id) figures.instances.add(sample.data.tags.instance_id);
    if (sample.data.tags?.testrun_name) figures.testRuns.add(sample.data.tags.testrun_name);
    if (sample.metric === 'vus') figures.maxVus = Math.max(figures.maxVus, sample.data.value);
    if (sample.metric === 'http_reqs') {
      figures.requests += sample.data.value;
      if (sample.data.tags?.scenario) figures.scenarios.add(sample.data.tags.scenario);
    }
  }
  return figures;
}

const totalRequests = (series: { total: Array<{ reqs: number }> }) =>
  series.total.reduce((n, p) => n + p.reqs, 0);

/**
 * Resolves once the (gzip) file holds a flushed `http_reqs` point, whatever the machine's speed;
 * rejects if the process ends first.
 */
function fileHasRequests(path: string, exited: Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let over = false;
    exited.then(() => {
      over = true;
    });
    const look = () => {
      if (existsSync(path)) {
        // What has been flushed so far; the stream is not ended yet.
        const text = gunzipSync(readFileSync(path), { finishFlush: constants.Z_SYNC_FLUSH }).toString();
        if (text.includes('"metric":"http_reqs"')) return resolve();
      }
      if (over) return reject(new Error(`${path} held no http_reqs point before its runner ended`));
      setTimeout(look, 100);
    };
    look();
  });
}

describe('the runner command line', { concurrency: false }, () => {
  it("is k6-operator's: segments, the spec's arguments, the script, the paused REST API, the tags", () => {
    const spec = {
      parallelism: 3,
      script: { configMap: { name: 'perf-x', file: 'load-soak.js' } },
      args: ['--out', 'json=/results/r/$(RUNNER_POD).ndjson.gz'],
      runner: {},
    };
    assert.deepEqual(runnerCommand('perf-x', spec, 2), [
      'k6',
      'run',
      '--quiet',
      '--execution-segment=1/3:2/3',
      '--execution-segment-sequence=0,1/3,2/3,1',
      '--out',
      'json=/results/r/$(RUNNER_POD).ndjson.gz',
      '/test/load-soak.js',
      '--address=0.0.0.0:6565',
      '--paused',
      '--tag',
      'instance_id=2',
      '--tag',
      'testrun_name=perf-x',
    ]);
    assert.deepEqual(runnerCommand('perf-x', { ...spec, parallelism: 1 }, 1).slice(0, 5), [
      'k6',
      'run',
      '--quiet',
      '--out',
      'json=/results/r/$(RUNNER_POD).ndjson.gz',
    ]);
  });
});

describe("the harness's sentence for a lost runner", () => {
  it('names the pod, its exit code and signal, and how far into the load it ended', () => {
    const started = Date.parse('2026-12-07T12:00:00Z');
    assert.equal(
      lostRunner(
        { pod: 'p-3-abcde', phase: 'Failed', exitCode: 137, signal: 9, finishedAt: '2026-12-07T12:00:07Z' },
        started,
      ),
      'p-3-abcde exit 137 (SIGKILL), lost 0:07 into the load (at 2026-12-07T12:00:07Z)',
    );
    assert.equal(
      lostRunner({ pod: 'p-1', phase: 'Failed', exitCode: 137, reason: 'OOMKilled' }, started),
      'p-1 exit 137 (OOMKilled: out of memory)',
    );
    assert.equal(
      lostRunner({ pod: 'p-2', phase: 'Failed', exitCode: 107, finishedAt: '2026-12-07T11:59:58Z' }, null),
      'p-2 exit 107, lost before the load started (at 2026-12-07T11:59:58Z)',
    );
  });
});

describe('the simulated cluster', { concurrency: false }, () => {
  it("ends in stage error with the initializer's reason when the script does not load", async () => {
    const cluster = await SimCluster.start({ dir: join(work, 'error', 'cluster'), engineBin: ENGINE });
    try {
      const kubectl = (args: string[], input = '') =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(FAKE, ['--namespace=perf', ...args], {
            env: { PATH: process.env.PATH ?? '', FAKE_KUBE_SCENARIO: 'cluster', FAKE_KUBE_API: cluster.url },
            stdio: ['pipe', 'pipe', 'pipe'],
          });
          const w = watch(child);
          child.stdin?.end(input);
          w.ended.then(({ code }) => resolve({ code, stdout: w.stdout(), stderr: w.stderr() }));
        });
      const list = (items: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
      const created = await kubectl(
        ['create', '-f', '-'],
        list([
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'broken' },
            data: { 'test.js': 'export default function ( {' },
          },
          {
            apiVersion: 'k6.io/v1alpha1',
            kind: 'TestRun',
            metadata: { name: 'broken' },
            spec: { parallelism: 2, script: { configMap: { name: 'broken', file: 'test.js' } }, runner: {} },
          },
        ]),
      );
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout, 'configmap/broken created\ntestrun/broken created\n');
      await cluster.settled();
      const got = await kubectl(['get', 'testrun', 'broken', '-o', 'json']);
      const status = JSON.parse(got.stdout).status;
      assert.equal(status.stage, 'error');
      assert.match(status.conditions[0].message, /^initializer: ./);
      assert.deepEqual(cluster.stages(), ['initialization', 'error']);
      assert.deepEqual(cluster.runners(), [], 'no runner was started');
      const missing = await kubectl(['get', 'testrun', 'nothing', '-o', 'json']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /NotFound/);
    } finally {
      await cluster.stop();
    }
  });
});

// Two cases at a time: each has its own simulated cluster, runners and run folder, and the case
// that waits out the harness's stuck timeout (its runners paused) goes first, beside a busy one.
describe('--engine k6-operator on a simulated cluster with real runners', { concurrency: 2 }, () => {
  it("a runner whose REST API never answers: a clear error within the harness's stuck timeout", async () => {
    // 20 s before the harness gives up: on a busy machine the runners are up in under 10 s.
    const c = await start('unresponsive', { unresponsive: [2], initTimeoutMs: 20_000, graceMs: 5_000 });
    const { code, stderr, dir } = await finish(c);
    assert.equal(code, 1, stderr);
    const pod = c.cluster.runners()[1].pod;
    const meta = await readJson(join(dir, 'run.json'));
    assert.equal(meta.status, 'failed');
    assert.match(
      meta.message,
      /^The TestRun stayed in created for 0:[2-5]\d, longer than allowed: runner pod\(s\) /,
    );
    assert.match(
      meta.message,
      new RegExp(`${pod}[^:]* are running but not ready: k6's REST API \\(GET /v1/status`),
    );
    assert.ok(!c.cluster.stages().includes('started'), 'the runners were never un-paused');
    assert.ok(c.cluster.calls.some((call) => call.args.slice(0, 2).join(' ') === 'delete testrun'));
    assert.ok(
      c.cluster.runners().every((r) => r.finishedAt !== null),
      'every runner process ended',
    );
  });

  it('runs three runners together and merges them into one run', async () => {
    // A 6 s hold (the smoke profile's is 12 s): the runners reach their VUs in the 3 s ramp, and
    // the publisher's cycle may finish within its graceful stop.
    const c = await start('whole', { extra: ['--duration', '6s'] });
    const { code, stderr, dir } = await finish(c);
    const runners = c.cluster.runners();
    assert.equal(runners.length, 3);
    // The runners ran what k6-operator runs, on ports of their own, and were un-paused together.
    for (const r of runners) {
      assert.equal(r.hostArgv[0], ENGINE);
      assert.deepEqual(r.hostArgv.slice(1, 3), ['run', '--quiet']);
      assert.ok(r.hostArgv.includes(`--address=127.0.0.1:${r.port}`));
      assert.ok(r.hostArgv.includes('--paused'));
      assert.ok(r.hostArgv.includes(`instance_id=${r.index}`));
      assert.ok(r.unpaused, `${r.pod} was un-paused through PATCH /v1/status`);
    }
    // Runners 2 and 3 run no publisher, so their own `publish_cycles count>=1` fails (exit 99);
    // judged on the merged data, it passes.
    assert.ok([0, 99].includes(runners[0].exitCode ?? -1), `runner 1 exit ${runners[0].exitCode}`);
    assert.deepEqual(
      runners.slice(1).map((r) => r.exitCode),
      [99, 99],
    );
    assert.deepEqual(c.cluster.stages(), [
      'initialization',
      'initialized',
      'created',
      'started',
      'stopped',
      'finished',
    ]);
    const meta = await readJson(join(dir, 'run.json'));
    const analysis = await readJson(join(dir, 'analysis.json'));
    // Thresholds are judged on the merged data: the exit code follows the merged verdict.
    const mergedFailed = (analysis.thresholds as Array<{ ok: boolean }>).some((t) => !t.ok);
    assert.ok(analysis.thresholds.length > 0, 'thresholds were judged');
    const cycles = (analysis.thresholds as Array<{ metric: string; expression: string; ok: boolean }>).find(
      (t) => t.metric === 'publish_cycles' && t.expression === 'count>=1',
    );
    assert.equal(cycles?.ok, true, "merged, the publisher's cycles count");
    assert.equal(code, mergedFailed ? 99 : 0, stderr);
    assert.equal(meta.status, 'completed', meta.message);
    assert.equal(meta.engine.parallelism, 3);
    // The collector runs the runners' image and reports its version.
    assert.match(meta.engine.version, /^connect-perf-engine v/);

    const files = (await readdir(join(dir, 'runners'))).sort();
    assert.deepEqual(files, runners.map((r) => `${r.pod}.ndjson.gz`).sort());
    const byInstance = new Map<string, Awaited<ReturnType<typeof fileFigures>>>();
    for (const file of files) {
      const figures = await fileFigures(join(dir, 'runners', file));
      assert.equal(figures.instances.size, 1, `${file}: one instance_id`);
      assert.deepEqual(
        [...figures.testRuns],
        [file.replace(/-\d-[0-9a-f]{5}\.ndjson\.gz$/, '')],
        'testrun_name',
      );
      byInstance.set([...figures.instances][0], figures);
    }
    // Merged http_reqs = the sum over the runners' files.
    const sum = [...byInstance.values()].reduce((n, f) => n + f.requests, 0);
    assert.ok(sum > 0);
    assert.equal(totalRequests(await readJson(join(dir, 'timeseries.json'))), sum);
    // k6 stripes the segments 0:1/3, 1/3:2/3, 2/3:1: 4 fetchers as 2, 1, 1 and the publisher's
    // single VU in the first segment only (grafana/k6 lib/execution_segment.go).
    const publishers = [...byInstance].filter(([, f]) => f.scenarios.has('publisher')).map(([i]) => i);
    assert.deepEqual(publishers, ['1'], 'the publisher ran in exactly one runner');
    assert.deepEqual(
      ['1', '2', '3'].map((i) => byInstance.get(i)?.maxVus),
      [3, 1, 1],
      'VUs per runner: 2 fetchers + the publisher, 1, 1',
    );
    // The record and the report show each runner's share.
    const shares = meta.engine.runners as Array<{ pod: string; requests: number; reqPerSec: number }>;
    assert.equal(shares.length, 3);
    assert.equal(
      shares.reduce((n, s) => n + s.requests, 0),
      sum,
    );
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    for (const s of shares) {
      assert.ok(s.reqPerSec > 0);
      assert.ok(html.includes(s.pod), `${s.pod} in the report`);
    }
    assert.match(html, /<section id="runners">/);
    // The API key reached the runners through the Secret, never a command line.
    for (const call of c.cluster.calls) assert.ok(!call.args.join(' ').includes(apiKey));
    for (const r of runners) assert.ok(!r.hostArgv.join(' ').includes(apiKey));
    assert.deepEqual(c.cluster.kinds(), [], 'everything was deleted');
  });

  it('a runner killed mid-run: the record names it and when, keeps its part, and the run fails', async () => {
    const c = await start('killed');
    // Once runner 3 has written a first block of its file, it is killed as the kernel or a node
    // failure would kill it.
    const victim = await waitForRunner(c, 3);
    // Once a request's samples are on disk (the engine sync-flushes its .gz output every second).
    try {
      await fileHasRequests(await runnerFile(c, victim.pod), victim.exited);
    } catch (err) {
      // Say why the runner ended, and leave nothing running for the rest of the file.
      const log = existsSync(victim.logFile) ? readFileSync(victim.logFile, 'utf8') : '';
      c.run.child.kill('SIGKILL');
      await c.run.ended;
      await c.cluster.stop();
      throw new Error(
        `${(err as Error).message} (exit ${victim.exitCode}, signal ${victim.signal})\nrunner log:\n${log}\nharness:\n${c.run.stderr()}`,
      );
    }
    victim.child.kill('SIGKILL');
    const { code, stderr, dir } = await finish(c);
    assert.equal(code, 1, stderr);
    assert.equal(victim.exitCode, 137);
    const meta = await readJson(join(dir, 'run.json'));
    assert.equal(meta.status, 'failed');
    assert.match(
      meta.message,
      new RegExp(
        `1 of 3 runners failed \\(${victim.pod} exit 137 \\(SIGKILL\\), lost \\d+:\\d\\d into the load \\(at \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\)`,
      ),
    );
    // "When" counts from k6-operator's start of the runners (condition TestRunRunning, whole
    // seconds) to the kubelet's finishedAt (whole seconds).
    const second = (ms: number) => Math.floor(ms / 1000);
    const into =
      second(Date.parse(victim.finishedAt ?? '')) - second(c.cluster.stageAt('started') ?? Number.NaN);
    assert.ok(into >= 0, `lost ${into} s into the load`);
    assert.ok(
      meta.message.includes(
        `lost ${Math.floor(into / 60)}:${String(into % 60).padStart(2, '0')} into the load`,
      ),
      meta.message,
    );
    const share = (meta.engine.runners as Array<{ pod: string; lost?: string; requests: number }>).find(
      (r) => r.pod === victim.pod,
    );
    assert.ok(share?.lost, 'the record marks the lost runner');
    const partial = await fileFigures(join(dir, 'runners', `${victim.pod}.ndjson.gz`));
    assert.ok(partial.requests > 0, "the lost runner's part is kept");
    assert.equal(share.requests, partial.requests);
    let sum = 0;
    for (const f of await readdir(join(dir, 'runners')))
      sum += (await fileFigures(join(dir, 'runners', f))).requests;
    assert.equal(totalRequests(await readJson(join(dir, 'timeseries.json'))), sum, 'its part is merged');
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    assert.match(html, /LOST: /);
  });

  it('Ctrl-C deletes the TestRun, stops the runners and keeps an interrupted record', async () => {
    const c = await start('ctrl-c');
    await c.run.waitFor(/k6-operator: stage started/, 'stage started');
    const runners = c.cluster.runners();
    // Some load first, so the record has something to show.
    await fileHasRequests(await runnerFile(c, runners[0].pod), runners[0].exited);
    c.run.child.kill('SIGINT');
    const { code, stderr, dir } = await finish(c);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /deleting TestRun perf-load-soak-[\d-]+ \(the runners stop and flush their files\)/);
    assert.ok(c.cluster.calls.some((call) => call.args.slice(0, 2).join(' ') === 'delete testrun'));
    for (const r of runners) {
      assert.notEqual(r.finishedAt, null, `${r.pod} ended`);
      assert.equal(r.signal, null, `${r.pod} stopped on SIGTERM, not killed after the grace period`);
    }
    const meta = await readJson(join(dir, 'run.json'));
    assert.equal(meta.status, 'interrupted', meta.message);
    assert.ok(totalRequests(await readJson(join(dir, 'timeseries.json'))) > 0);
    assert.deepEqual(c.cluster.kinds(), [], 'everything was deleted');
  });
});

/** The runner with that instance number, once the cluster has started it. */
async function waitForRunner(c: Case, index: number) {
  for (;;) {
    const runner = c.cluster.runners().find((r) => r.index === index);
    if (runner) return runner;
    if (c.run.child.exitCode !== null) throw new Error(`the harness ended first:\n${c.run.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The runner's results file on the claim's folder. */
async function runnerFile(c: Case, pod: string): Promise<string> {
  const volumes = join(c.out, '..', 'cluster', 'volumes');
  for (;;) {
    const [claim] = existsSync(volumes) ? await readdir(volumes) : [];
    if (claim) return join(volumes, claim, `${pod}.ndjson.gz`);
    if (c.run.child.exitCode !== null) throw new Error(`the harness ended first:\n${c.run.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
