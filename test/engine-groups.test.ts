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

describe('group() with async callbacks (k6 ≥ 0.5x async groups)', () => {
  test('awaited requests, checks and metrics inside keep the group tag; group_duration spans the awaits', async () => {
    const r = await run({
      script: files.write(
        'groups.js',
        `import http from 'k6/http';
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';
const c = new Counter('inside');
export const options = { iterations: 2, vus: 1 };
export default async function () {
  await http.get('${server.url}/root1');
  const value = await group('outer', async () => {
    await http.get('${server.url}/slow');
    c.add(1);
    await group('inner', async () => {
      const res = await http.get('${server.url}/in');
      check(res, { 'inner ok': (r) => r.status === 200 });
    });
    group('sync', function () { c.add(1); });
    const res = await http.get('${server.url}/after-inner');
    check(res, { 'outer ok': (r) => r.status === 200 });
    return 42;
  });
  check(value, { 'group returns the value': (v) => v === 42 });
  await http.get('${server.url}/root2');
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const groupOf = (metric: string, key: 'name' | 'check' | 'group') =>
      Object.fromEntries(
        r.samples
          .filter((s) => s.metric === metric && s.tags.scenario)
          .map((s) => [s.tags[key], s.tags.group]),
      );
    const reqs = groupOf('http_reqs', 'name');
    assert.deepEqual(reqs, {
      [`${server.url}/root1`]: '',
      [`${server.url}/slow`]: '::outer',
      [`${server.url}/in`]: '::outer::inner',
      [`${server.url}/after-inner`]: '::outer',
      [`${server.url}/root2`]: '',
    });
    assert.deepEqual(groupOf('checks', 'check'), {
      'inner ok': '::outer::inner',
      'outer ok': '::outer',
      'group returns the value': '',
    });
    assert.deepEqual(
      r.samples.filter((s) => s.metric === 'inside').map((s) => s.tags.group),
      ['::outer', '::outer::sync', '::outer', '::outer::sync'],
    );
    const durations = r.samples.filter((s) => s.metric === 'group_duration');
    assert.deepEqual(durations.map((s) => s.tags.group).sort(), [
      '::outer',
      '::outer',
      '::outer::inner',
      '::outer::inner',
      '::outer::sync',
      '::outer::sync',
    ]);
    for (const d of durations.filter((s) => s.tags.group === '::outer')) {
      assert.ok(d.value >= 120, `outer group_duration ${d.value} ms covers the awaited 120 ms request`);
    }
    const sampleIter = r.samples.filter((s) => s.metric === 'iterations');
    assert.equal(sampleIter.length, 2);
  });

  test('code after an un-awaited async group gets the parent tags at once; a rejection still records the duration', async () => {
    const r = await run({
      script: files.write(
        'groups-parallel.js',
        `import http from 'k6/http';
import { group } from 'k6';
export const options = { iterations: 1 };
export default async function () {
  const a = group('a', async () => { await http.get('${server.url}/slow'); await http.get('${server.url}/a2'); });
  const b = group('b', async () => { await http.get('${server.url}/b1'); });
  const root = http.get('${server.url}/root');
  await Promise.all([a, b, root]);
  try {
    await group('bad', async () => { await http.get('${server.url}/bad'); throw new Error('boom'); });
  } catch (e) { if (e.message !== 'boom') throw e; }
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const byName = Object.fromEntries(
      r.samples
        .filter((s) => s.metric === 'http_reqs')
        .map((s) => [s.tags.name.replace(server.url, ''), s.tags.group]),
    );
    assert.deepEqual(byName, { '/slow': '::a', '/a2': '::a', '/b1': '::b', '/root': '', '/bad': '::bad' });
    assert.deepEqual(
      r.samples
        .filter((s) => s.metric === 'group_duration')
        .map((s) => s.tags.group)
        .sort(),
      ['::a', '::b', '::bad'],
    );
  });
});
