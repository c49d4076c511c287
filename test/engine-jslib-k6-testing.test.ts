// test-tier: unit
// jslib's k6-testing (https://jslib.k6.io/k6-testing/<version>/index.js) when jslib.k6.io cannot be
// reached: the engine's own expect() for plain values, on both kinds of VU, against a local server,
// with what each published version does on a failure (github.com/grafana/jslib.k6.io,
// lib/k6-testing/<version>): a hard failure aborts the test (exit 108), a soft one fails the
// iteration (AssertionFailedError) or, in 0.6.1's default 'fail' mode, marks the test failed and
// goes on (exit 110). Downloads are switched off (NO_DOWNLOAD_ENV) so the offline path is taken.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import {
  type Captured,
  count,
  freshModuleCache,
  offlineLines,
  run,
  runOnBothKinds,
  startServer,
  tempDir,
} from './engine-fixtures.ts';

process.env[NO_DOWNLOAD_ENV] = '1';
const files = tempDir();
const LIB = (v: string) => `https://jslib.k6.io/k6-testing/${v}/index.js`;
const moduleCache = () => freshModuleCache(files.dir);

/** POST /api/users: 201 and a user with an id (the documentation's QuickPizza call); POST /report keeps the body. */
const reports: string[] = [];
function handler(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    if (req.url === '/report') {
      reports.push(body);
      res.end('ok');
      return;
    }
    const sent = JSON.parse(body || '{}') as { username?: string };
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 7, username: sent.username, roles: ['user'], tags: { team: 'qa' } }));
  });
}

let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer(handler);
});
after(async () => {
  await server.close();
  files.cleanup();
});

/** The reports posted by the run that starts now. */
function takeReports(): () => Array<Record<string, unknown>> {
  const from = reports.length;
  return () => reports.slice(from).map((r) => JSON.parse(r) as Record<string, unknown>);
}

/** stderr without the ANSI colour escapes the library's messages carry (written `\u001b[..m` in logfmt). */
const plain = (r: Captured) => r.stderr.replace(/\\u001b\[\d+m/g, '');

test('k6-testing 0.6.1 offline: the documentation example and every plain-value matcher pass on both kinds of VU', async () => {
  const seen = takeReports();
  const runs = await runOnBothKinds(
    files,
    'docs',
    `import http from 'k6/http';
import { check } from 'k6';
import { expect } from '${LIB('0.6.1')}';
export const options = { iterations: 2 };
export default FN () {
  const payload = JSON.stringify({ username: 'u_default@example.com', password: 'secret' });
  const response = AWAIT http.post(__ENV.BASE + '/api/users', payload);
  check(response, { 'status is 201': (r) => r.status === 201 });
  expect(response.status).toBe(201);
  expect(response.json()).toHaveProperty('id');
  // The documentation's expect() examples, and each matcher once each way.
  expect(42).toBe(42);
  expect([1, 2, 3]).toContain(2);
  expect(response.json()).toEqual({ id: 7, username: 'u_default@example.com', roles: ['user'], tags: { team: 'qa' } });
  expect(response.json()).toHaveProperty('roles[0]', 'user');
  expect(response.json()).toHaveProperty('tags.team');
  expect(response.json()).not.toHaveProperty('tags.owner');
  expect(response.json().roles).toHaveLength(1);
  expect(response.json().roles).toContainEqual('user');
  expect(new Set([{ a: 1 }])).toContainEqual({ a: 1 });
  expect(response.body).toContain('qa');
  expect(response.timings.duration).toBeGreaterThanOrEqual(0);
  expect(response.status).toBeGreaterThan(200);
  expect(response.status).toBeLessThan(300);
  expect(response.status).toBeLessThanOrEqual(201);
  expect(0.1 + 0.2).toBeCloseTo(0.3, 5);
  expect(response.error).toBeFalsy();
  expect(response.body).toBeTruthy();
  expect(response.json().missing).toBeUndefined();
  expect(response.json()).toBeDefined();
  expect(null).toBeNull();
  expect('abc').toBeNaN();
  expect([]).toBeInstanceOf(Array);
  expect(response.status, 'status').not.toBe(500);
  expect(1).not.not.toBe(1);
  // The library's own quirks, as published: NaN is not toEqual NaN, two Dates always are.
  expect(NaN).not.toEqual(NaN);
  expect(new Date(1)).toEqual(new Date(2));
  expect(0).not.toBeCloseTo(0);
  const r = expect(1).toBe(1);
  AWAIT http.post(__ENV.BASE + '/report', JSON.stringify({ ok: true, returned: r === undefined }));
}`,
    { env: { BASE: server.url }, moduleCache: moduleCache() },
  );
  for (const [kind, r] of Object.entries(runs)) {
    assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
    assert.equal(count(r.samples, 'iterations'), 2, kind);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      2,
      kind,
    );
    assert.equal(offlineLines(r.stderr, 'k6-testing 0.6.1').length, 1, `${kind}: ${r.stderr}`);
  }
  // Every assertion ran to the end, and a matcher returns nothing (not a Promise) on both kinds.
  assert.deepEqual(
    seen(),
    [1, 2, 3, 4].map(() => ({ ok: true, returned: true })),
  );
});

test('a failed expect() aborts the test: exit 108, no further iteration, a message with expected, received and the line', async () => {
  const runs = await runOnBothKinds(
    files,
    'hard',
    `import http from 'k6/http';
import { expect } from '${LIB('0.6.1')}';
export const options = { iterations: 5 };
export default FN () {
  const response = AWAIT http.post(__ENV.BASE + '/api/users', '{}');
  expect(response.status, 'the user is created').toBe(201);
  expect(response.status).toBe(200);
}`,
    { env: { BASE: server.url }, moduleCache: moduleCache() },
  );
  for (const [kind, r] of Object.entries(runs)) {
    const err = plain(r);
    assert.equal(r.exitCode, 108, `${kind}: ${r.stderr}`);
    assert.equal(count(r.samples, 'http_reqs'), 1, `${kind}: one iteration only`);
    assert.match(err, /test aborted: /, kind);
    assert.match(err, /Error: expect\(received\)\.toBe\(expected\)/, kind);
    assert.match(err, /Expected: 200\\nReceived: 201/, kind);
    assert.match(err, new RegExp(`At: ${files.dir}/hard-${kind}\\.js:7:\\d+`), err);
    assert.match(err, /Filename: hard-\S+\.js\\n {4}Line: 7/, kind);
    assert.equal(offlineLines(r.stderr, 'k6-testing 0.6.1').length, 1, kind);
  }
});

test('soft failures: 0.6.1 marks the test failed and goes on (exit 110); 0.5.0 fails the iteration (AssertionFailedError, exit 0)', async () => {
  const source = (v: string) => `import http from 'k6/http';
import { expect } from '${LIB(v)}';
export const options = { iterations: 3 };
export default FN () {
  const response = AWAIT http.post(__ENV.BASE + '/api/users', '{}');
  expect.soft(response.status, 'status is 200').toBe(200);
  AWAIT http.post(__ENV.BASE + '/report', JSON.stringify({ after: '${v}' }));
}`;
  let seen = takeReports();
  const failMode = await runOnBothKinds(files, 'soft061', source('0.6.1'), {
    env: { BASE: server.url },
    moduleCache: moduleCache(),
  });
  assert.equal(seen().length, 6, 'every iteration went on past the soft failure');
  for (const [kind, r] of Object.entries(failMode)) {
    assert.equal(r.exitCode, 110, `${kind}: ${r.stderr}`);
    assert.equal(count(r.samples, 'iterations'), 3, kind);
    assert.match(plain(r), /test marked as failed: \\n\\n {3}Error: status is 200\\n/, kind);
  }
  seen = takeReports();
  const throwMode = await runOnBothKinds(files, 'soft050', source('0.5.0'), {
    env: { BASE: server.url },
    moduleCache: moduleCache(),
  });
  assert.equal(seen().length, 0, 'each iteration ended at the soft failure');
  for (const [kind, r] of Object.entries(throwMode)) {
    assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
    assert.equal(count(r.samples, 'iterations'), 3, kind);
    assert.equal(count(r.samples, 'http_reqs'), 3, kind);
    assert.equal(plain(r).match(/AssertionFailedError: /g)?.length, 3, r.stderr);
    assert.equal(offlineLines(r.stderr, 'k6-testing 0.5.0').length, 1, kind);
  }
  // K6_TESTING_SOFT_MODE overrides the version's default (0.5.0 reads it).
  const env = await run({
    script: files.write('soft-env.js', source('0.5.0').replace('FN', 'function').replaceAll('AWAIT ', '')),
    env: { BASE: server.url, K6_TESTING_SOFT_MODE: 'fail' },
    moduleCache: moduleCache(),
  });
  assert.equal(env.exitCode, 110, env.stderr);
});

test('configure(), .not, the message displays and each version’s differences', async () => {
  const seen = takeReports();
  const script = (v: string) => `import http from 'k6/http';
import { expect, colorize } from '${LIB(v)}';
export const options = { iterations: 1 };
export default FN () {
  const out = {};
  const t = (name, f) => {
    try { f(); out[name] = 'passed'; } catch (e) { out[name] = e.name + ': ' + e.message; }
  };
  const soft = expect.configure({ soft: true, softMode: 'throw', colorize: false });
  t('toBe', () => soft('a', 'custom').toBe('b'));
  t('not', () => soft(1).not.toBe(1));
  t('contain', () => soft([1, 2]).toContain(3));
  t('containType', () => soft(5).toContain(3));
  t('inline', () => expect.configure({ soft: true, softMode: 'throw', colorize: false, display: 'inline' })({ a: 'x y' }).toEqual(1));
  t('length', () => soft([1, 2]).toHaveLength(3));
  t('closeTo', () => soft(1).toBeCloseTo(2));
  t('bigint', () => soft(1n).toBe(1n));
  t('browser', () => expect({ ${['clear', 'isEnabled', 'isHidden', 'getAttribute', 'selectOption', 'press', 'type', 'dispatchEvent', 'dblclick', 'setChecked', 'isDisabled', 'focus', 'innerText', 'inputValue', 'check', 'isEditable', 'fill', 'textContent', 'hover', 'waitFor', 'click', 'uncheck', 'isChecked', 'isVisible', 'innerHTML', 'tap'].map((m) => `${m}: 1`).join(', ')} }).toBeVisible());
  if (expect.config) out.chained = 'soft ' + expect.configure({ soft: true }).configure({ colorize: false }).config.soft;
  else t('chained', () => expect.configure({ soft: true, colorize: false }).configure({ display: 'inline' })(1).toBe(2));
  out.config = expect.config === undefined ? 'none' : JSON.stringify(expect.config);
  out.colorize = colorize('x', 'red');
  AWAIT http.post(__ENV.BASE + '/report', JSON.stringify(out));
}`;
  const versions = ['0.1.0', '0.2.0', '0.3.0', '0.6.1'];
  for (const v of versions) {
    const runs = await runOnBothKinds(files, `v${v.replaceAll('.', '')}`, script(v), {
      env: { BASE: server.url },
      moduleCache: moduleCache(),
    });
    for (const [kind, r] of Object.entries(runs)) {
      assert.equal(r.exitCode, 0, `${v} ${kind}: ${r.stderr}`);
      assert.equal(offlineLines(r.stderr, `k6-testing ${v}`).length, 1, `${v} ${kind}`);
    }
  }
  const [v010, , v020, , v030, , v061] = seen().map((o) => o as Record<string, string>);
  assert.equal(seen().length, 8);
  // Both kinds of VU report the same.
  const all = seen();
  const kindless = (o: unknown) =>
    JSON.parse(JSON.stringify(o).replace(/-(?:synchronous|async)\.js/g, '-KIND.js'));
  for (let i = 0; i < all.length; i += 2)
    assert.deepEqual(kindless(all[i]), kindless(all[i + 1]), versions[i / 2]);

  // 0.6.1: the custom message replaces the Error line; strings shown as they are; the script's line.
  assert.match(
    v061.toBe,
    /^AssertionFailedError: \n\n {3}Error: custom\n {6}At: \/\S+v061-\S+\.js:10:\d+\n\nExpected: b\nReceived: a\n\nFilename: v061-\S+\.js\n {4}Line: 10\n\n$/,
  );
  assert.match(v061.not, /Error: expect\(received\)\.toBe\(expected\)/);
  assert.match(v061.contain, /\nExpected to contain: 3\n {5}Received array: \[1,2\]\n/);
  assert.equal(v061.containType, 'Error: toContain is only supported for strings, arrays, and sets');
  assert.match(
    v061.inline,
    /^AssertionFailedError: error=expect\(received\)\.toEqual\(expected\) at=\S+:14:\d+ expected=1 received="\{"a":"x y"\}" filename=\S+ line=14$/,
  );
  assert.match(v061.length, /\nExpected length: 3\nReceived length: 2\n Received array: undefined\n/);
  assert.match(
    v061.closeTo,
    /\n Expected precision: 2\nExpected difference: < 0\.02\nReceived difference: 1\n/,
  );
  assert.match(v061.bigint, /^TypeError: .*BigInt/);
  assert.match(v061.browser, /toBeVisible\(\) on a k6\/browser Locator .*not supported by the node engine/);
  // From 0.2.0 configure() starts from the defaults: the second call dropped soft.
  assert.equal(v061.chained, 'soft false');
  assert.deepEqual(JSON.parse(v061.config), {
    timeout: 5000,
    interval: 100,
    soft: false,
    softMode: 'fail',
    colorize: true,
    display: 'pretty',
  });
  assert.equal(v061.colorize, '\x1b[31mx\x1b[0m');

  // 0.3.0: toBe's Error line ignores the custom message; strings received are shown as JSON.
  assert.match(v030.toBe, /Error: expect\(received\)\.toBe\(expected\)\n.*\n\nExpected: b\nReceived: "a"/);
  assert.ok(!('softMode' in JSON.parse(v030.config)), v030.config);

  // 0.2.0: no .not and no toContain; the location named is inside the library file, as published.
  assert.match(v020.not, /^TypeError: /);
  assert.match(v020.contain, /^TypeError: /);
  assert.match(v020.toBe, /At: https:\/\/jslib\.k6\.io\/k6-testing\/0\.2\.0\/index\.js:8:2203\n/);

  // 0.1.0: configure() builds on the instance it is called on (soft stays), no expect.config.
  assert.match(v010.chained, /^AssertionFailedError: error=/);
  assert.equal(v010.config, 'none');
});

test('a bad K6_TESTING_* value fails the init as published (exit 107), on both kinds of VU', async () => {
  const runs = await runOnBothKinds(
    files,
    'bad-env',
    `import { expect } from '${LIB('0.6.1')}';
export default FN () { expect(1).toBe(1); }`,
    { env: { K6_TESTING_DISPLAY: 'fancy' }, moduleCache: moduleCache() },
  );
  for (const [kind, r] of Object.entries(runs)) {
    assert.equal(r.exitCode, 107, `${kind}: ${r.stderr}`);
    assert.match(r.stderr, /Invalid value for K6_TESTING_DISPLAY\. Must be one of: inline, pretty/, kind);
    assert.equal(count(r.samples, 'iterations'), 0, kind);
  }
});
