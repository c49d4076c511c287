// test-tier: unit
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { run, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer((req, res) => {
    setTimeout(() => res.end('ok'), req.url === '/slow' ? 120 : 5);
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

describe('group() as k6 ≥ 0.55 runs it', () => {
  test("an async callback is refused with k6's sentence before it runs (grafana/k6 internal/js/modules/k6/k6.go)", async () => {
    const r = await run({
      script: files.write(
        'groups-async.js',
        `import http from 'k6/http';
import { group } from 'k6';
export const options = { iterations: 2, vus: 1 };
export default async function () {
  await http.get('${server.url}/root1');
  await group('outer', async () => { await http.get('${server.url}/never'); });
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const errors = r.stderr.match(/group\(\) does not support async functions as arguments/g) ?? [];
    assert.equal(errors.length, 2, r.stderr);
    const names = r.samples.filter((s) => s.metric === 'http_reqs').map((s) => s.tags.name);
    assert.deepEqual(names, [`${server.url}/root1`, `${server.url}/root1`]);
    assert.equal(r.samples.filter((s) => s.metric === 'group_duration').length, 0);
    // An iteration that threw is a complete one in k6.
    assert.equal(r.samples.filter((s) => s.metric === 'iterations').length, 2);
  });

  test('nested plain groups tag requests, checks and metrics; group_duration ends when the function returns', async () => {
    const r = await run({
      script: files.write(
        'groups.js',
        `import http from 'k6/http';
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';
const c = new Counter('inside');
export const options = { iterations: 2, vus: 1 };
export default function () {
  http.get('${server.url}/root1');
  const value = group('outer', function () {
    http.get('${server.url}/slow');
    c.add(1);
    group('inner', () => {
      const res = http.get('${server.url}/in');
      check(res, { 'inner ok': (r) => r.status === 200 });
    });
    return 42;
  });
  check(value, { 'group returns the value': (v) => v === 42 });
  const pending = group('promise', () => http.asyncRequest('GET', '${server.url}/slow'));
  pending.then(() => http.get('${server.url}/after'));
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const groupOf = (metric: string, key: 'name' | 'check') =>
      Object.fromEntries(
        r.samples
          .filter((s) => s.metric === metric && s.tags.scenario && s.tags[key] !== `${server.url}/slow`)
          .map((s) => [s.tags[key], s.tags.group]),
      );
    assert.deepEqual(groupOf('http_reqs', 'name'), {
      [`${server.url}/root1`]: '',
      [`${server.url}/in`]: '::outer::inner',
      [`${server.url}/after`]: '',
    });
    assert.deepEqual(
      r.samples
        .filter((s) => s.metric === 'http_reqs' && s.tags.name === `${server.url}/slow`)
        .map((s) => s.tags.group)
        .sort(),
      ['::outer', '::outer', '::promise', '::promise'],
    );
    assert.deepEqual(groupOf('checks', 'check'), {
      'inner ok': '::outer::inner',
      'group returns the value': '',
    });
    assert.deepEqual(
      r.samples.filter((s) => s.metric === 'inside').map((s) => s.tags.group),
      ['::outer', '::outer'],
    );
    const promiseGroup = r.samples.filter(
      (s) => s.metric === 'group_duration' && s.tags.group === '::promise',
    );
    assert.equal(promiseGroup.length, 2);
    for (const d of promiseGroup)
      assert.ok(d.value < 100, `ends at the return, not the 120 ms response (${d.value} ms)`);
  });
});
