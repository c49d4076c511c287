// test-serial: signals a paused engine process and holds engine processes on a local server's answers
// --paused and k6's REST API (https://grafana.com/docs/k6/latest/reference/k6-rest-api/, shapes as in
// grafana/k6's api/v1/*.go) on real engine processes, loopback only: nothing reaches the target
// while paused, setup() runs after the un-pause as in k6, the run then ends normally; JSON:API
// errors; stop through the API (exit 103); an address already taken (exit 106); SIGTERM while paused.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import type { RestStatus } from '../engine/rest-api.ts';
import { startServer, tempDir } from './engine-fixtures.ts';
import { exitOf, hasExited, start, type Watched } from './helpers/child.ts';

const BIN = new URL('../engine/bin.mjs', import.meta.url).pathname;
const files = tempDir();
/** Every engine started here; one a failed test left waiting is killed, so the file still ends. */
const engines: Watched[] = [];
after(async () => {
  for (const e of engines) {
    if (!hasExited(e.child)) {
      const ended = exitOf(e.child);
      e.child.kill('SIGKILL');
      await ended;
    }
  }
  files.cleanup();
});

/** A port free right now on 127.0.0.1 (the engine is then told to listen there). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Answer {
  status: number;
  body: unknown;
}

async function api(port: number, path: string, method = 'GET', body?: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed };
}

const patch = (port: number, attributes: Record<string, unknown>) =>
  api(port, '/v1/status', 'PATCH', JSON.stringify({ data: { type: 'status', id: 'default', attributes } }));

const attributesOf = (a: Answer) => (a.body as { data: { attributes: RestStatus } }).data.attributes;

/**
 * Asks GET /v1/status until `until` holds: the event waited for is the engine's answer (its port
 * opening, its state changing). Fails at once, with the engine's output, if the engine ends first.
 */
async function waitForStatus(
  engine: Watched,
  port: number,
  until: (s: RestStatus) => boolean,
): Promise<RestStatus> {
  let exited = false;
  void engine.ended.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`the engine ended first:\n${engine.stderr()}`);
    const answer = await api(port, '/v1/status').catch(() => null);
    if (answer?.status === 200) {
      const s = attributesOf(answer);
      if (until(s)) return s;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function engine(args: string[], env: Record<string, string> = {}): Watched {
  const watched = start(process.execPath, [BIN, 'run', '--summary-mode=disabled', ...args], {
    env: { ...process.env, ...env },
  });
  engines.push(watched);
  return watched;
}

describe('--paused and the REST API', () => {
  test('paused: no request until PATCH un-pauses; setup() runs after it; the run ends with 0', async () => {
    const seen: Array<{ path: string; at: number }> = [];
    const target = await startServer((req, res) => {
      seen.push({ path: req.url ?? '', at: Date.now() });
      res.end('ok');
    });
    try {
      const script = files.write(
        'paused.js',
        `import http from 'k6/http';
         export const options = { vus: 2, iterations: 6 };
         export async function setup() { await http.get('${target.url}/setup'); }
         export default async function () { await http.get('${target.url}/iteration'); }`,
      );
      const port = await freePort();
      const run = engine(['--paused', '--address', `127.0.0.1:${port}`, script]);
      // Status 4 (k6's PausedBeforeRun): the VUs are initialised and the test waits.
      const paused = await waitForStatus(run, port, (s) => s.status === 4);
      assert.deepEqual(paused, {
        status: 4,
        paused: true,
        vus: 0,
        'vus-max': 2,
        stopped: false,
        running: false,
        tainted: false,
      });
      assert.equal(seen.length, 0, 'nothing reaches the target while paused');
      const pauseAgain = await patch(port, { paused: true });
      assert.equal(pauseAgain.status, 500);
      assert.deepEqual(pauseAgain.body, {
        errors: [{ status: '500', title: 'Pause error', detail: 'execution is already paused' }],
      });
      const unpausedAt = Date.now();
      const unpaused = await patch(port, { paused: false });
      assert.equal(unpaused.status, 200);
      assert.equal(attributesOf(unpaused).paused, false);
      assert.equal((unpaused.body as { data: { type: string; id: string } }).data.type, 'status');
      const ended = await run.ended;
      assert.equal(ended.code, 0, run.stderr());
      assert.deepEqual(
        seen.map((s) => s.path),
        ['/setup', ...Array(6).fill('/iteration')],
      );
      assert.ok(seen.every((s) => s.at >= unpausedAt));
    } finally {
      await target.close();
    }
  });

  test('while running: status, metrics and groups in JSON:API shapes; errors as k6 answers them', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const target = await startServer((req, res) => {
      if (req.url === '/hold') void released.then(() => res.end('held'));
      else res.end('ok');
    });
    try {
      const script = files.write(
        'running.js',
        `import http from 'k6/http';
         import { check, group } from 'k6';
         export const options = { vus: 1, iterations: 1, thresholds: { checks: ['rate==1'] } };
         export default function () {
           group('outer', () => {
             const r = http.get('${target.url}/quick');
             check(r, { 'is 200': (x) => x.status === 200 });
             http.get('${target.url}/hold');
           });
         }`,
      );
      const port = await freePort();
      const run = engine(['--address', `127.0.0.1:${port}`, script]);
      await waitForStatus(run, port, (s) => s.status === 7);
      // The check is in the group tree once its sample has reached the main thread.
      type GroupDoc = {
        id: string;
        attributes: { name: string; path: string; checks: null | Array<Record<string, unknown>> };
        relationships: { groups: { data: Array<{ id: string }> }; parent: { data: null | { id: string } } };
      };
      let groups: GroupDoc[] = [];
      while (!groups.some((g) => g.attributes.checks?.length)) {
        groups = ((await api(port, '/v1/groups')).body as { data: GroupDoc[] }).data;
        if (!groups.some((g) => g.attributes.checks?.length)) await new Promise((r) => setTimeout(r, 50));
      }
      const [root, outer] = groups;
      assert.deepEqual(root.attributes, { path: '', name: '', checks: null });
      assert.equal(root.id, 'd41d8cd98f00b204e9800998ecf8427e', "k6's id of the root group: md5 of its path");
      assert.deepEqual(root.relationships.groups.data, [{ type: 'groups', id: outer.id }]);
      assert.equal(root.relationships.parent.data, null);
      assert.equal(outer.attributes.path, '::outer');
      assert.deepEqual(outer.relationships.parent.data, { type: 'groups', id: root.id });
      assert.deepEqual(
        outer.attributes.checks?.map((c) => [c.name, c.path, c.passes, c.fails]),
        [['is 200', '::outer::is 200', 1, 0]],
      );
      const one = await api(port, `/v1/groups/${outer.id}`);
      assert.equal((one.body as { data: GroupDoc }).data.attributes.path, '::outer');

      const status = await waitForStatus(run, port, (s) => s.vus === 1);
      assert.equal(status.running, true);
      assert.equal(status.paused, false);
      const metrics = (await api(port, '/v1/metrics')).body as {
        data: Array<{ type: string; id: string; attributes: Record<string, unknown> }>;
      };
      const reqs = metrics.data.find((m) => m.id === 'http_reqs');
      assert.equal(reqs?.type, 'metrics');
      assert.deepEqual(Object.keys(reqs?.attributes ?? {}), ['type', 'contains', 'tainted', 'sample']);
      assert.equal(reqs?.attributes.type, 'counter');
      assert.equal(reqs?.attributes.tainted, null);
      const checks = await api(port, '/v1/metrics/checks');
      assert.deepEqual((checks.body as { data: { attributes: unknown } }).data.attributes, {
        type: 'rate',
        contains: 'default',
        tainted: false,
        sample: { rate: 1 },
      });
      const duration = await api(port, '/v1/metrics/http_req_duration');
      assert.deepEqual(
        Object.keys((duration.body as { data: { attributes: { sample: object } } }).data.attributes.sample),
        ['avg', 'max', 'med', 'min', 'p(90)', 'p(95)'],
      );

      assert.deepEqual(await api(port, '/v1/metrics/nope'), {
        status: 404,
        body: { errors: [{ status: '404', title: 'Not Found', detail: 'No metric with that ID was found' }] },
      });
      assert.deepEqual(await api(port, '/v1/groups/nope'), {
        status: 404,
        body: { errors: [{ status: '404', title: 'Not Found', detail: 'No group with that ID was found' }] },
      });
      assert.equal((await api(port, '/v1/status', 'POST')).status, 405);
      const invalid = await api(port, '/v1/status', 'PATCH', '{nope');
      assert.equal(invalid.status, 400);
      assert.equal((invalid.body as { errors: Array<{ title: string }> }).errors[0].title, 'Invalid data');
      // Once started, none of these executors can pause (k6: only externally-controlled can).
      assert.deepEqual((await patch(port, { paused: true })).body, {
        errors: [
          {
            status: '500',
            title: 'Pause error',
            detail:
              "shared-iterations executor 'default' doesn't support pause and resume operations after its start",
          },
        ],
      });
      assert.equal((await patch(port, { vus: 5 })).status, 500);
      release();
      const ended = await run.ended;
      assert.equal(ended.code, 0, run.stderr());
      // The server ends with the test.
      await assert.rejects(fetch(`http://127.0.0.1:${port}/v1/status`));
    } finally {
      release();
      await target.close();
    }
  });

  test('PATCH stopped: true ends a paused test with 103, without setup()', async () => {
    const seen: string[] = [];
    const target = await startServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('ok');
    });
    try {
      const script = files.write(
        'stop.js',
        `import http from 'k6/http';
         export async function setup() { await http.get('${target.url}/setup'); }
         export default async function () { await http.get('${target.url}/iteration'); }
         export async function teardown() { await http.get('${target.url}/teardown'); }`,
      );
      const port = await freePort();
      const run = engine(['-p', '-a', `127.0.0.1:${port}`, script]);
      await waitForStatus(run, port, (s) => s.status === 4);
      const stopped = await patch(port, { stopped: true });
      assert.equal(stopped.status, 200);
      assert.equal(attributesOf(stopped).stopped, true);
      const ended = await run.ended;
      assert.equal(ended.code, 103, run.stderr());
      assert.match(run.stderr(), /test run stopped from REST API/);
      assert.deepEqual(seen, []);
    } finally {
      await target.close();
    }
  });

  test('SIGTERM while paused ends the engine cleanly (105) and closes the REST API', async () => {
    const script = files.write('sigterm.js', 'export default function () {}');
    const port = await freePort();
    const run = engine(['--paused', '--address', `127.0.0.1:${port}`, script]);
    await waitForStatus(run, port, (s) => s.status === 4);
    const exited = exitOf(run.child);
    run.child.kill('SIGTERM');
    await exited;
    const ended = await run.ended;
    assert.equal(ended.code, 105, run.stderr());
    await assert.rejects(fetch(`http://127.0.0.1:${port}/v1/status`));
  });

  test('an --address already taken exits 106; from K6_ADDRESS it only warns, as k6', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as AddressInfo;
    try {
      const script = files.write('taken.js', 'export default function () {}');
      const flag = engine(['-q', '--address', `127.0.0.1:${port}`, script]);
      const byFlag = await flag.ended;
      assert.equal(byFlag.code, 106, flag.stderr());
      assert.match(flag.stderr(), /Error from API server: cannot listen on 127\.0\.0\.1:\d+/);
      const fromEnv = engine(['-q', script], { K6_ADDRESS: `127.0.0.1:${port}` });
      const byEnv = await fromEnv.ended;
      assert.equal(byEnv.code, 0, fromEnv.stderr());
      assert.match(fromEnv.stderr(), /level=warning msg="Error from API server/);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });
});
