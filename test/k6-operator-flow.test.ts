// test-serial: times stages of a fake cluster run
// `--engine k6-operator` end to end against a fake kubectl (test/helpers/fake-kubectl.mjs) that
// plays the TestRun's stages, and the real stand-in as the Connect the harness prepares for: the
// preflight failures (exit 2), a clean run merged from two runners, a failed runner, a TestRun
// stuck in initialization, one that ends in error, and Ctrl-C mid-run.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createConnectClient } from '../harness/connect/client.ts';
import type { Standin } from '../standin/index.ts';
import { cliArgs } from './helpers/cli.ts';
import { standinWithFlask } from './helpers/flask-on-standin.ts';

const ROOT = join(import.meta.dirname, '..');
const FAKE = join(import.meta.dirname, 'helpers', 'fake-kubectl.mjs');
const apiKey = 'k8s-flow-test-key-0123456789abcdef';
/** Short waits; only the stuck case may hit the init timeout, whatever the machine's load. */
const timing = (scenario: string) =>
  JSON.stringify({
    pollMs: 150,
    initTimeoutMs: scenario === 'stuck-init' ? 1500 : 30_000,
    podReadyTimeoutMs: 10_000,
    stopWaitMs: 3000,
    finishMarginMs: 30_000,
  });

let standin: Standin;
let flaskUrl: string;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'k6op-flow-'));
  ({ standin, flaskUrl } = await standinWithFlask(apiKey));
});
after(async () => {
  await standin?.stop();
  await rm(work, { recursive: true, force: true, maxRetries: 5 });
});

/** k6 NDJSON of one runner: `perSecond` fetches a second for `seconds` seconds, and its VUs. */
function runnerFile(
  instance: number,
  seconds: number,
  perSecond: number,
  vus: number,
  thresholds: Record<string, string[]> = {},
): Buffer {
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  const types: Record<string, [string, string]> = {
    http_reqs: ['counter', 'default'],
    http_req_duration: ['trend', 'time'],
  };
  const lines: string[] = Object.entries(thresholds).map(([name, list]) =>
    JSON.stringify({
      type: 'Metric',
      data: { name, type: types[name][0], contains: types[name][1], thresholds: list, submetrics: null },
      metric: name,
    }),
  );
  const point = (metric: string, t: number, value: number, tags: Record<string, string>) =>
    JSON.stringify({
      metric,
      type: 'Point',
      data: { time: new Date(t).toISOString(), value, tags: { ...tags, instance_id: String(instance) } },
    });
  for (let s = 0; s < seconds; s++) {
    const t = t0 + s * 1000;
    lines.push(point('vus', t, vus, {}));
    for (let r = 0; r < perSecond; r++) {
      const tags = {
        method: 'GET',
        name: 'GET /stocks/{ticker}',
        scenario: 'fetchers',
        status: '200',
        expected_response: 'true',
      };
      const at = t + Math.floor((r * 1000) / perSecond);
      lines.push(point('http_reqs', at, 1, tags));
      lines.push(point('http_req_duration', at, 20 + instance, tags));
      lines.push(point('http_req_failed', at, 0, tags));
    }
  }
  return gzipSync(`${lines.join('\n')}\n`);
}

interface Case {
  kube: string;
  out: string;
  calls(): Promise<Array<{ argv: string[]; stdinKinds: string[] }>>;
}

/** `cutShort`: runner 2's file ends mid-stream, as when k6 is killed before closing it. */
async function prepare(
  name: string,
  cutShort = false,
  thresholds: Record<string, string[]> = {},
): Promise<Case> {
  const kube = join(work, name, 'kube');
  const out = join(work, name, 'runs');
  await mkdir(join(kube, 'volume', 'sub'), { recursive: true });
  await writeFile(join(kube, 'volume', 'perf-1-abcde.ndjson.gz'), runnerFile(1, 6, 5, 3, thresholds));
  const second = runnerFile(2, 6, 7, 4, thresholds);
  await writeFile(
    join(kube, 'volume', 'perf-2-fghij.ndjson.gz'),
    cutShort ? second.subarray(0, Math.floor(second.length * 0.6)) : second,
  );
  // Not the runners' files: these stay on the volume.
  await writeFile(join(kube, 'volume', 'notes.txt'), 'not a runner file');
  await writeFile(join(kube, 'volume', 'sub', 'nested.ndjson'), '{}\n');
  return {
    kube,
    out,
    calls: async () =>
      (await readFile(join(kube, 'calls.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  };
}

function harness(
  c: Case,
  scenario: string,
  extra: string[] = [],
  target: string[] = ['--flask-content', flaskUrl],
): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }>; stderr: () => string } {
  const child = spawn(
    process.execPath,
    [
      ...cliArgs('harness'),
      'load-soak',
      '--engine',
      'k6-operator',
      '--parallelism',
      '2',
      '--namespace',
      'perf',
      '--kube-context',
      'test-cluster',
      '--storage-class',
      'efs-sc',
      '--profile',
      'smoke',
      ...target,
      '--node-metrics',
      'none',
      '--out',
      c.out,
      ...extra,
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        KUBECTL: FAKE,
        FAKE_KUBE_DIR: c.kube,
        FAKE_KUBE_SCENARIO: scenario,
        CONNECT_SERVER: standin.url,
        CONNECT_API_KEY: apiKey,
        K6_OPERATOR_TIMING: timing(scenario),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  child.stdout?.resume();
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
  return { child, done, stderr: () => stderr };
}

async function runFolder(c: Case): Promise<string> {
  const entries = await readdir(c.out);
  assert.equal(entries.length, 1, `one run folder in ${entries.join(', ')}`);
  return join(c.out, entries[0]);
}

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

function assertNoKeyInArgv(calls: Array<{ argv: string[] }>): void {
  for (const call of calls)
    assert.ok(!call.argv.join(' ').includes(apiKey), `key in argv: ${call.argv.join(' ')}`);
}

describe('--engine k6-operator preflight (exit 2, nothing created)', { concurrency: true }, () => {
  for (const [scenario, sentence] of [
    [
      'unreachable',
      /^kubectl cannot reach the cluster \(context test-cluster\): The connection to the server/m,
    ],
    [
      'no-crd',
      /^The TestRun CRD \(testruns\.k6\.io\) is not installed in the cluster \(context test-cluster\)/m,
    ],
    ['rbac-denied', /^This Kubernetes user may not create secrets, create pods\/exec in namespace 'perf'/m],
  ] as const) {
    it(scenario, async () => {
      const c = await prepare(`pre-${scenario}`);
      const { code, stderr } = await harness(c, scenario).done;
      assert.equal(code, 2, stderr);
      assert.match(stderr, sentence);
      assert.ok(!/\n\s+at /.test(stderr), 'no stack trace');
      const calls = await c.calls();
      assert.ok(!calls.some((call) => call.argv[2] === 'create'), 'nothing was created');
      assert.ok(
        calls.every(
          (call) => call.argv[0] === '--context=test-cluster' && call.argv[1] === '--namespace=perf',
        ),
      );
    });
  }

  it('a missing namespace', async () => {
    const c = await prepare('pre-namespace');
    const result = await harness(c, 'ok', ['--namespace', 'missing']).done;
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^The namespace 'missing' does not exist: create it/m);
  });

  it('without CONNECT_SERVER the cluster is not even asked', async () => {
    const c = await prepare('pre-noserver');
    const child = spawn(
      process.execPath,
      [...cliArgs('harness'), 'load-soak', '--engine', 'k6-operator', '--parallelism', '2'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', KUBECTL: FAKE, FAKE_KUBE_DIR: c.kube },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /--engine k6-operator runs the load inside the cluster: set CONNECT_SERVER/);
  });
});

// Independent cases (own kubectl state and run folder each), run side by side to save time.
describe('--engine k6-operator runs', { concurrency: true }, () => {
  it('follows the stages, merges both runners into one run folder and cleans up', async () => {
    const c = await prepare('ok');
    const { code, stderr } = await harness(c, 'ok').done;
    assert.equal(code, 0, stderr);
    // Short stages may fall between two looks; these three cannot.
    const seen = [...stderr.matchAll(/k6-operator: stage (\S+) after/g)].map((m) => m[1]);
    const order = ['initialization', 'initialized', 'created', 'started', 'stopped', 'finished'];
    assert.deepEqual(
      seen,
      order.filter((s) => seen.includes(s)),
      'in order',
    );
    for (const stage of ['initialization', 'started', 'finished']) assert.ok(seen.includes(stage), stage);
    const dir = await runFolder(c);
    const meta = await readJson(join(dir, 'run.json'));
    assert.equal(meta.status, 'completed');
    const { runners, ...engine } = meta.engine;
    assert.deepEqual(engine, {
      name: 'k6-operator',
      version: 'k6 v1.4.0 (commit/fake0000, go1.24.0, linux/amd64)',
      parallelism: 2,
    });
    // Each runner's share, from its own file: 6 s of 5 and of 7 requests a second. (The fake's
    // runner pods are named apart from the files the test wrote: they are listed without a file.)
    type Share = {
      pod: string;
      instance: number | null;
      requests: number;
      reqPerSec: number | null;
      maxVus: number;
    };
    const shares = (runners as Share[]).map((r) => [r.pod, r.instance, r.requests, r.reqPerSec, r.maxVus]);
    assert.deepEqual(shares.slice(0, 2), [
      ['perf-1-abcde', 1, 30, 5, 3],
      ['perf-2-fghij', 2, 42, 7, 4],
    ]);
    assert.deepEqual(
      shares
        .slice(2)
        .map(([pod, ...rest]) => [String(pod).replace(/^perf-load-soak-[\d-]+?-(\d-abcde)$/, '$1'), ...rest]),
      [
        ['1-abcde', null, 0, null, 0],
        ['2-abcde', null, 0, null, 0],
      ],
    );
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    assert.match(html, /<section id="runners">[\s\S]*perf-2-fghij[\s\S]*7(\.0+)? req\/s/);
    assert.deepEqual((await readdir(join(dir, 'runners'))).sort(), [
      'perf-1-abcde.ndjson.gz',
      'perf-2-fghij.ndjson.gz',
    ]);
    const series = await readJson(join(dir, 'timeseries.json'));
    const total = (series.total as Array<{ reqs: number }>).reduce((n, p) => n + p.reqs, 0);
    assert.equal(total, 6 * 5 + 6 * 7, 'both runners counted');
    const vus = series.vus as Array<{ vus: number }>;
    assert.equal(Math.max(...vus.map((v) => v.vus)), 7, 'VUs summed across runners');
    await readFile(join(dir, 'report.html'), 'utf8');

    const calls = await c.calls();
    assertNoKeyInArgv(calls);
    const creates = calls.filter((call) => call.argv[2] === 'create');
    assert.deepEqual(
      creates.map((call) => call.stdinKinds),
      [['Secret'], ['PersistentVolumeClaim', 'ConfigMap', 'Pod'], ['TestRun']],
      'the Secret goes through stdin, the TestRun last',
    );
    const state = await readJson(join(c.kube, 'state.json'));
    assert.deepEqual(
      Object.keys(state.objects).filter((k) => !k.startsWith('TestRun/')),
      [],
      'all deleted',
    );
    type Stored = { deletedAt?: number; spec?: { runner: { env: Array<{ name: string; value?: string }> } } };
    const testRun = Object.values(state.objects as Record<string, Stored>).find((o) => o.spec);
    assert.ok(testRun?.spec && testRun.deletedAt, 'the TestRun was deleted');
    const env = Object.fromEntries(testRun.spec.runner.env.map((e) => [e.name, e.value]));
    assert.equal(env.PREPARED_RUN, 'true', "the runners' setup() does nothing");
    assert.match(env.PREPARED_USER_GUID ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(env.FLASK_CONTENT_URL, flaskUrl);
    assert.equal(env.CONNECT_API_KEY, undefined, 'the key is a secretKeyRef');
    assert.equal(env.PUBLISH_CLEANUP, undefined, 'no runner deletes content');
  });

  it('judges the thresholds on the merged runners, not on each share', async () => {
    // Runner 1: 30 requests at 21 ms, runner 2: 42 at 22 ms. Alone, neither has count>50; merged,
    // 72 pass it. avg<21.4 passes runner 1 alone but fails the merge (21.58 ms).
    const c = await prepare('merged-thresholds', false, {
      http_reqs: ['count>50'],
      http_req_duration: ['avg<21.4'],
    });
    const { code, stderr } = await harness(c, 'ok').done;
    assert.equal(code, 99, stderr);
    const analysis = await readJson(join(await runFolder(c), 'analysis.json'));
    const byExpression = Object.fromEntries(
      (analysis.thresholds as Array<{ expression: string; ok: boolean }>).map((t) => [t.expression, t.ok]),
    );
    assert.deepEqual(byExpression, { 'count>50': true, 'avg<21.4': false });
  });

  it('rides out an API server hiccup while following the TestRun', async () => {
    const c = await prepare('flaky');
    const { code, stderr } = await harness(c, 'flaky').done;
    assert.equal(code, 0, stderr);
    assert.match(
      stderr,
      /k6-operator: Reading the TestRun failed: Unable to connect to the server: .* Trying again\./,
    );
    assert.match(stderr, /k6-operator: stage finished/);
  });

  it('a failed runner fails the run, and the record keeps what every runner wrote', async () => {
    const c = await prepare('runner-failed');
    const { code, stderr } = await harness(c, 'runner-failed').done;
    assert.equal(code, 1, stderr);
    const meta = await readJson(join(await runFolder(c), 'run.json'));
    assert.equal(meta.status, 'failed');
    assert.match(meta.message, /1 of 2 runners failed \(perf-load-soak-[\d-]+-2-abcde exit 107/);
    const series = await readJson(join(await runFolder(c), 'timeseries.json'));
    assert.equal(
      (series.total as Array<{ reqs: number }>).reduce((n, p) => n + p.reqs, 0),
      72,
    );
  });

  it('a TestRun stuck in initialization is stopped after the timeout', async () => {
    const c = await prepare('stuck');
    const { code, stderr } = await harness(c, 'stuck-init').done;
    assert.equal(code, 1, stderr);
    const meta = await readJson(join(await runFolder(c), 'run.json'));
    assert.equal(meta.status, 'failed');
    assert.match(meta.message, /The TestRun stayed in initialization for 0:0\d, longer than allowed/);
    const calls = await c.calls();
    assert.ok(calls.some((call) => call.argv.slice(2, 4).join(' ') === 'delete testrun'));
  });

  it('a TestRun in stage error says why', async () => {
    const c = await prepare('error');
    const { code } = await harness(c, 'error').done;
    assert.equal(code, 1);
    const meta = await readJson(join(await runFolder(c), 'run.json'));
    assert.match(meta.message, /ended in stage error \(TestRunRunning: initializer: SyntaxError in script\)/);
  });

  it("Ctrl-C deletes the TestRun and still builds the record from the runners' files", async () => {
    const c = await prepare('ctrl-c', true);
    const run = harness(c, 'endless');
    const deadline = Date.now() + 60_000;
    while (!/stage started/.test(run.stderr()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(run.stderr(), /stage started/);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /deleting TestRun perf-load-soak-[\d-]+ \(the runners stop and flush their files\)/);
    const dir = await runFolder(c);
    assert.match(
      stderr,
      /perf-2-fghij\.ndjson\.gz was cut short \(its runner was stopped before closing it\)/,
    );
    const meta = await readJson(join(dir, 'run.json'));
    assert.equal(meta.status, 'interrupted');
    const series = await readJson(join(dir, 'timeseries.json'));
    const reqs = (series.total as Array<{ reqs: number }>).reduce((n, p) => n + p.reqs, 0);
    assert.ok(reqs > 30 && reqs < 72, `runner 1's 30 requests and part of runner 2's 42: ${reqs}`);
    const state = await readJson(join(c.kube, 'state.json'));
    assert.deepEqual(
      Object.keys(state.objects).filter((k) => !k.startsWith('TestRun/')),
      [],
    );
  });

  it('--keep leaves the objects but never the Secret', async () => {
    const c = await prepare('keep');
    const { code, stderr } = await harness(c, 'ok', ['--keep']).done;
    assert.equal(code, 0, stderr);
    const state = await readJson(join(c.kube, 'state.json'));
    const kinds = Object.values(state.objects as Record<string, { kind: string; deletedAt?: number }>)
      .filter((o) => !o.deletedAt)
      .map((o) => o.kind)
      .sort();
    assert.deepEqual(kinds, ['ConfigMap', 'PersistentVolumeClaim', 'Pod', 'TestRun']);
    assert.match(stderr, /kept TestRun, ConfigMap, claim and collector pod .* \(--keep\)/);
  });
});

// Last and alone: it deletes the Flask fixture the other cases share.
describe('--engine k6-operator with --publish-fixtures', () => {
  it('with --publish-fixtures, deletes what the run published, after the runners, and keeps what existed before', async () => {
    const c = await prepare('publish');
    const client = createConnectClient({ server: standin.url, apiKey });
    // The key user's publisher item from before this run: the cleanup keeps it (what the runners
    // create during a run is deleted: test/connect-ownership.test.ts checks that path).
    const plumber = await client.createContent({ name: 'perf-plumber-stock-api' });
    // The shared Flask fixture existed before too (it would be kept): this run publishes its own.
    const shared = await client.findContentByName('perf-flask-stock-api');
    if (shared) await client.deleteContent(shared.guid);
    const { code, stderr } = await harness(c, 'ok', [], ['--publish-fixtures']).done;
    assert.equal(code, 0, stderr);
    assert.match(
      stderr,
      new RegExp(
        `kept the publisher's content 'perf-plumber-stock-api' \\(${plumber.guid}\\): it existed before the run`,
      ),
    );
    assert.equal((await client.findContentByName('perf-plumber-stock-api'))?.guid, plumber.guid);
    await client.deleteContent(plumber.guid);
    assert.equal(
      await client.findContentByName('perf-flask-stock-api'),
      null,
      'the Flask fixture this run created is gone',
    );
  });
});
