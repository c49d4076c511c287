// test-tier: unit
// k6chaijs (https://jslib.k6.io/k6chaijs/<version>/index.js) when jslib.k6.io cannot be reached:
// chai itself with the engine's own k6 glue, checked against k6's documentation examples and,
// where the documentation is silent, against what each published file does (check names, values
// and tags, what describe() returns and logs). Downloads are switched off (NO_DOWNLOAD_ENV).
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: check names hold k6chaijs's literal ${this}
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import type { Sample } from '../engine/metrics/types.ts';
import {
  type Captured,
  freshModuleCache,
  run,
  runOnBothKinds,
  startServer,
  tempDir,
} from './engine-fixtures.ts';

process.env[NO_DOWNLOAD_ENV] = '1';
const files = tempDir();
const CHAI = (v: string) => `https://jslib.k6.io/k6chaijs/${v}/index.js`;
const moduleCache = () => freshModuleCache(files.dir);

const CROCS = [1, 2, 3, 4, 5].map((id) => ({ id, name: `croc ${id}` }));
let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/public/crocodiles/') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(CROCS));
    } else {
      res.setHeader('content-type', 'text/html');
      res.end('<html><body>not JSON</body></html>');
    }
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

interface CheckSeen {
  name: string;
  pass: boolean;
  group: string;
  tags: Record<string, string>;
}

/** The run's check samples, in order: name, pass or fail, group, and every tag. */
const checks = (samples: Sample[]): CheckSeen[] =>
  samples
    .filter((s) => s.metric === 'checks')
    .map((s) => ({ name: s.tags.check, pass: s.value === 1, group: s.tags.group ?? '', tags: s.tags }));

const offlineLines = (stderr: string, label: string) =>
  stderr
    .split('\n')
    .filter((l) => l.includes('cannot be downloaded') && l.includes(`${label} is the npm package chai`));

const VERSIONS = ['4.3.4.0', '4.3.4.1', '4.3.4.2', '4.3.4.3', '4.5.0.0', '4.5.0.1'];

/**
 * A script that imports every version (`d0…d5` describe, `e0…e5` expect, `c0…c5` chai), fetches
 * a page that is not JSON (`page`) and runs `body` once. The same body was run against the
 * published files with a recording k6 to get the expected values below.
 */
const allVersions = (body: string) => `import http from 'k6/http';
import { check as k6check } from 'k6';
import { describe as d0, expect as e0, chai as c0 } from '${CHAI('4.3.4.0')}';
import { describe as d1, expect as e1, chai as c1 } from '${CHAI('4.3.4.1')}';
import c2, { describe as d2, expect as e2 } from '${CHAI('4.3.4.2')}';
import c3, { describe as d3, expect as e3 } from '${CHAI('4.3.4.3')}';
import c4, { describe as d4, expect as e4 } from '${CHAI('4.5.0.0')}';
import c5, { describe as d5, expect as e5 } from '${CHAI('4.5.0.1')}';
export const options = { iterations: 1 };
export default FN () {
  const page = AWAIT http.get('${server.url}/page');
${body}
}`;

const S1_BODY = `  const all = [[d0, e0], [d1, e1], [d2, e2], [d3, e3], [d4, e4], [d5, e5]];
  all.forEach(([d, e], i) => {
    d('v' + i, () => {
      e({ a: 1 }, 'obj').to.have.property('a', 1);
      e(page).to.have.validJsonBody();
    });
    d('deep v' + i, () => { e(new Error('x'), 'err').to.deep.equal(new Error('x')); });
  });
  // Each version has a chai of its own: a config set on one is that one's.
  c1.config.aggregateChecks = false;
  d1('not aggregated', () => { e1(3, 'three').to.equal(3); });
  d2('still aggregated', () => { e2(3, 'three').to.equal(3); });
  k6check(null, { ['OUT ' + [c0 === undefined, typeof c1.expect, typeof c2.expect, c2 === c3, c2.version, c5.version].join(' ')]: () => true });`;

const S2_BODY = `  const out = (text) => k6check(null, { ['OUT ' + text]: () => true });
  const all = [[d0, e0, c0], [d1, e1, c1], [d2, e2, c2], [d3, e3, c3], [d4, e4, c4], [d5, e5, c5]];
  all.forEach(([d, e, c], i) => {
    c.config.logFailures = true;
    const failed = d('fail v' + i, () => { e(5, 'five').to.equal(6); });
    const thrown = d('throws v' + i, () => { null.x; });
    d('anonymized v' + i, () => { e('secret').anonymize().to.have.lengthOf(6); });
    d('long v' + i, () => { e('x'.repeat(150)).to.have.lengthOf(149); });
    d('no message v' + i, () => { e([1, 2]).to.include(3); });
    try {
      e(5, 'five').to.equal(6);
    } catch (err) {
      out([i, failed, thrown, err.name, err.message, JSON.stringify(err.actual), String(err.expected), String(err.showDiff), String(err.operator), String(err[0])].join('|'));
    }
    c.config.aggregateChecks = false;
    d('flat v' + i, () => { e({ b: 2 }, 'thing').to.have.property('b').that.equals(3); });
  });`;

/** What the published files record for S1_BODY (run against a recording k6 and a stand-in Response). */
const PUBLISHED_S1 = [
  "✓ ::v0 obj: expected { a: 1 } to have property 'a'",
  "✓ ::v0 obj: expected { a: 1 } to have property 'a' of 1, but got 1",
  '✗ ::v0 has valid json body',
  '✗ ::deep v0 err: expected [Error: x] to deeply equal [Error: x]',
  '✓ ::v1 expected obj to have property \'a\' {"this":"{ a: 1 }","actual":"{ a: 1 }","expected":"undefined"}',
  '✓ ::v1 expected obj to have property \'a\' of 1, got ${actual} {"this":"{ a: 1 }","actual":"1","expected":"1"}',
  '✗ ::v1 has valid json body',
  '✗ ::deep v1 expected err to deeply equal [Error: x] {"this":"[Error: x]","actual":"[Error: x]","expected":"[Error: x]"}',
  '✓ ::v2 expected obj to have property \'a\' {"this":"{ a: 1 }","actual":"undefined","expected":"undefined"}',
  '✓ ::v2 expected obj to have property \'a\' of 1, got ${actual} {"this":"{ a: 1 }","actual":"1","expected":"1"}',
  '✓ ::v2 has valid json body',
  '✗ ::deep v2 expected err to deeply equal Error: x {"this":"Error: x","actual":"Error: x","expected":"Error: x"}',
  "✓ ::v3 expected obj to have property 'a'",
  "✓ ::v3 expected obj to have property 'a' of 1, got ${actual}",
  '✓ ::v3 has valid json body',
  '✓ ::deep v3 expected err to deeply equal Error: x',
  "✓ ::v4 expected obj to have property 'a'",
  "✓ ::v4 expected obj to have property 'a' of 1, got ${actual}",
  '✓ ::v4 has valid json body',
  '✓ ::deep v4 expected err to deeply equal Error: x',
  "✓ ::v5 expected obj to have property 'a'",
  "✓ ::v5 expected obj to have property 'a' of 1, got ${actual}",
  '✓ ::v5 has valid json body',
  '✓ ::deep v5 expected err to deeply equal Error: x',
  '✓ ::not aggregated three: expected 3 to equal 3 {"this":"3","actual":"3","expected":"3"}',
  '✓ ::still aggregated expected three to equal 3 {"this":"3","actual":"3","expected":"3"}',
  '✓  OUT false function function false 4.3.3 4.3.8',
];

/** What the published files record for S2_BODY. */
const PUBLISHED_S2 = [
  '✗ ::fail v0 five: expected 5 to equal 6',
  '✗ ::throws v0 Exception raised "TypeError: Cannot read properties of null (reading \'x\')"',
  "✓ ::anonymized v0 expected 'secret' to have property 'length'",
  '✓ ::anonymized v0 expected <anonymized> to have a length of 6 but got 6',
  "✓ ::long v0 expected 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... to have property 'length'",
  "✗ ::long v0 expected 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... to have a length of 149 but got 150",
  '✗ ::no message v0 expected [ 1, 2 ] to include 3',
  '✗  five: expected 5 to equal 6',
  '✓  OUT 0|false|false|AssertionError|five: expected 5 to equal 6|5|6|true|strictEqual|undefined',
  "✓ ::flat v0 thing: expected { b: 2 } to have property 'b'",
  '✗ ::flat v0 thing: expected 2 to equal 3',
  '✗ ::fail v1 expected five to equal 6 {"this":"5","actual":"5","expected":"6"}',
  '✗ ::throws v1 Exception raised "TypeError: Cannot read properties of null (reading \'x\')"',
  '✓ ::anonymized v1 expected ${this} to have property \'length\' {"this":"\'secret\'","actual":"\'secret\'","expected":"undefined"}',
  '✓ ::anonymized v1 expected <anonymized> to have a length of 6 got ${actual} {"this":"\'secret\'","actual":"6","expected":"6"}',
  '✓ ::long v1 expected ${this} to have property \'length\' {"this":"\'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...","actual":"\'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...","expected":"undefined"}',
  '✗ ::long v1 expected ${this} to have a length of 149 got ${actual} {"this":"\'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...","actual":"150","expected":"149"}',
  '✗ ::no message v1 expected ${this} to include 3 {"this":"[ 1, 2 ]","actual":"[ 1, 2 ]","expected":"undefined"}',
  '✗  expected five to equal 6 {"this":"5","actual":"5","expected":"6"}',
  '✓  OUT 1|false|false|AssertionError|expected 5 to equal 6||undefined|false|undefined|{',
  '✓ ::flat v1 thing: expected { b: 2 } to have property \'b\' {"this":"{ b: 2 }","actual":"{ b: 2 }","expected":"undefined"}',
  '✗ ::flat v1 thing: expected 2 to equal 3 {"this":"2","actual":"2","expected":"3"}',
  '✗ ::fail v2 expected five to equal 6 {"this":"5","actual":"5","expected":"6"}',
  '✗ ::throws v2 Exception raised "TypeError: Cannot read properties of null (reading \'x\')"',
  '✓ ::anonymized v2 expected ${this} to have property \'length\' {"this":"\'secret\'","actual":"undefined","expected":"undefined"}',
  '✓ ::anonymized v2 expected <anonymized> to have a length of 6 got ${actual} {"this":"\'secret\'","actual":"6","expected":"6"}',
  '✓ ::long v2 expected ${this} to have property \'length\' {"this":"\'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…\'","actual":"undefined","expected":"undefined"}',
  '✗ ::long v2 expected ${this} to have a length of 149 got ${actual} {"this":"\'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…\'","actual":"150","expected":"149"}',
  '✗ ::no message v2 expected ${this} to include 3 {"this":"[ 1, 2 ]","actual":"undefined","expected":"undefined"}',
  '✗  expected five to equal 6 {"this":"5","actual":"5","expected":"6"}',
  '✓  OUT 2|false|false|AssertionError|expected 5 to equal 6|5|6|false|strictEqual|undefined',
  '✓ ::flat v2 thing: expected { b: 2 } to have property \'b\' {"this":"{ b: 2 }","actual":"undefined","expected":"undefined"}',
  '✗ ::flat v2 thing: expected 2 to equal 3 {"this":"2","actual":"2","expected":"3"}',
  '✗ ::fail v3 expected five to equal 6',
  '✗ ::throws v3 Exception raised "TypeError: Cannot read properties of null (reading \'x\')"',
  "✓ ::anonymized v3 expected ${this} to have property 'length'",
  '✓ ::anonymized v3 expected <anonymized> to have a length of 6 got ${actual}',
  "✓ ::long v3 expected ${this} to have property 'length'",
  '✗ ::long v3 expected ${this} to have a length of 149 got ${actual}',
  '✗ ::no message v3 expected ${this} to include 3',
  '✗  expected five to equal 6',
  '✓  OUT 3|false|false|AssertionError|expected 5 to equal 6|5|6|false|strictEqual|undefined',
  "✓ ::flat v3 thing: expected { b: 2 } to have property 'b'",
  '✗ ::flat v3 thing: expected 2 to equal 3',
  '✗ ::fail v4 expected five to equal 6',
  '✗ ::throws v4 Exception raised "TypeError: Cannot read properties of null (reading \'x\')"',
  "✓ ::anonymized v4 expected ${this} to have property 'length'",
  '✓ ::anonymized v4 expected <anonymized> to have a length of 6 got ${actual}',
  "✓ ::long v4 expected ${this} to have property 'length'",
  '✗ ::long v4 expected ${this} to have a length of 149 got ${actual}',
  '✗ ::no message v4 expected ${this} to include 3',
  '✗  expected five to equal 6',
  '✓  OUT 4|false|false|AssertionError|expected 5 to equal 6|5|6|false|strictEqual|undefined',
  "✓ ::flat v4 thing: expected { b: 2 } to have property 'b'",
  '✗ ::flat v4 thing: expected 2 to equal 3',
  '✗ ::fail v5 expected five to equal 6',
  '✗ ::throws v5 Exception raised "TypeError: Cannot read properties of null (reading \'x\')"',
  "✓ ::anonymized v5 expected ${this} to have property 'length'",
  '✓ ::anonymized v5 expected <anonymized> to have a length of 6 got ${actual}',
  "✓ ::long v5 expected ${this} to have property 'length'",
  '✗ ::long v5 expected ${this} to have a length of 149 got ${actual}',
  '✗ ::no message v5 expected ${this} to include 3',
  '✗  expected five to equal 6',
  '✓  OUT 5|false|false|AssertionError|expected 5 to equal 6|5|6|false|strictEqual|undefined',
  "✓ ::flat v5 thing: expected { b: 2 } to have property 'b'",
  '✗ ::flat v5 thing: expected 2 to equal 3',
];

/** What the published files log (console.warn, console.error) for S2_BODY. */
const PUBLISHED_S2_LOGS = [
  'ERROR Exception raised in test "throws v0". Failing the test and continuing. \nTypeError: Cannot read properties of null (reading \'x\')',
  'WARN expected 5 to equal 6',
  'ERROR Exception raised in test "throws v1". Failing the test and continuing. \nTypeError: Cannot read properties of null (reading \'x\')',
  "WARN expected 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... to have a length of 149 got 150",
  'WARN expected [ 1, 2 ] to include 3',
  'WARN expected 5 to equal 6',
  'WARN thing: expected 2 to equal 3',
  'WARN expected 5 to equal 6',
  'ERROR Exception raised in test "throws v2". Failing the test and continuing. \nTypeError: Cannot read properties of null (reading \'x\')',
  "WARN expected 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' to have a length of 149 got 150",
  'WARN expected [ 1, 2 ] to include 3',
  'WARN expected 5 to equal 6',
  'WARN thing: expected 2 to equal 3',
  'WARN expected 5 to equal 6',
  'ERROR Exception raised in test "throws v3". Failing the test and continuing. \nTypeError: Cannot read properties of null (reading \'x\')',
  "WARN expected 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' to have a length of 149 got 150",
  'WARN expected [ 1, 2 ] to include 3',
  'WARN expected 5 to equal 6',
  'WARN thing: expected 2 to equal 3',
  'WARN expected 5 to equal 6',
  'ERROR Exception raised in test "throws v4". Failing the test and continuing. \nTypeError: Cannot read properties of null (reading \'x\')',
  "WARN expected 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' to have a length of 149 got 150",
  'WARN expected [ 1, 2 ] to include 3',
  'WARN expected 5 to equal 6',
  'WARN thing: expected 2 to equal 3',
  'WARN expected 5 to equal 6',
  'ERROR Exception raised in test "throws v5". Failing the test and continuing. \nTypeError: Cannot read properties of null (reading \'x\')',
  "WARN expected 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' to have a length of 149 got 150",
  'WARN expected [ 1, 2 ] to include 3',
  'WARN expected 5 to equal 6',
  'WARN thing: expected 2 to equal 3',
];

/**
 * Checks as `✓ ::group name` lines, with the this/actual/expected tags as JSON where a version
 * sets them (not for validJsonBody, whose `this` is a Response, which the recording k6 did not have).
 */
const published = (samples: Sample[]) =>
  checks(samples).map((c) => {
    const line = `${c.pass ? '✓' : '✗'} ${c.group} ${c.name}`;
    if (c.tags.this === undefined || c.name === 'has valid json body') return line;
    return `${line} ${JSON.stringify({ this: c.tags.this, actual: c.tags.actual, expected: c.tags.expected })}`;
  });

/** The console.warn and console.error lines of a run, as `WARN text` and `ERROR text`. */
const consoleLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.includes('source=console') && /level=(warning|error)/.test(l))
    .map((l) => {
      const level = /level=(\w+)/.exec(l)?.[1] === 'warning' ? 'WARN' : 'ERROR';
      const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(l)?.[1] ?? '';
      return `${level} ${JSON.parse(`"${msg}"`)}`;
    });

/** Checks as `✓ ::group name` lines. */
const summary = (seen: CheckSeen[]) => seen.map((c) => `${c.pass ? '✓' : '✗'} ${c.group} ${c.name}`);

describe('k6chaijs offline', () => {
  test("the documentation's examples (4.3.4.3) on both kinds of VU: names, results, groups, describe's returns", async () => {
    const source = `import http from 'k6/http';
import { check } from 'k6';
import { describe, expect } from '${CHAI('4.3.4.3')}';
export const options = { vus: 2, iterations: 4 };
export default FN () {
  const response = AWAIT http.get('${server.url}/public/crocodiles/');
  describe('Fetch a list of public crocodiles', () => {
    expect(response.status, 'response status').to.equal(200);
    expect(response).to.have.validJsonBody();
    expect(response.json().length, 'number of crocs').to.be.above(4);
  });
  const success1 = describe('Basic test', () => {
    expect(1, 'number one').to.equal(1);
  });
  const success2 = describe('Another test', () => {
    throw 'Something entirely unexpected happened';
  });
  const success3 = describe('Yet another test', () => {
    expect(false, 'my vat').to.be.true;
    expect(1, 'never reached').to.equal(1);
  });
  console.log('describe returned ' + [success1, success2, success3].join(' '));
  check(null, { 'the iteration went on': () => true });
}`;
    const runs = await runOnBothKinds(files, 'docs', source, { moduleCache: moduleCache() });
    for (const [kind, r] of Object.entries(runs) as Array<[string, Captured]>) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      const seen = checks(r.samples);
      // Two VUs' iterations interleave: each of the 4 iterations records these 7 checks.
      const iteration = [
        '✓ ::Fetch a list of public crocodiles expected response status to equal 200',
        '✓ ::Fetch a list of public crocodiles has valid json body',
        '✓ ::Fetch a list of public crocodiles expected number of crocs to be above 4',
        '✓ ::Basic test expected number one to equal 1',
        '✗ ::Another test Exception raised "Something entirely unexpected happened"',
        '✗ ::Yet another test expected my vat to be true',
        '✓  the iteration went on',
      ];
      assert.deepEqual(
        summary(seen).sort(),
        [...iteration, ...iteration, ...iteration, ...iteration].sort(),
        kind,
      );
      // 4.3.4.3 dropped the this/actual/expected tags.
      assert.equal(seen[0].tags.this, undefined, kind);
      assert.equal(r.stderr.match(/describe returned true false false/g)?.length, 4, `${kind}: ${r.stderr}`);
      assert.deepEqual(
        consoleLines(r.stderr),
        Array(4).fill(
          'ERROR Exception raised in test "Another test". Failing the test and continuing. \nSomething entirely unexpected happened',
        ),
        `${kind}: ${r.stderr}`,
      );
      assert.equal(offlineLines(r.stderr, 'k6chaijs 4.3.4.3').length, 1, `${kind}: ${r.stderr}`);
    }
  });

  test('every version records what its published file records (names, results, tags, groups)', async () => {
    const runs = await runOnBothKinds(files, 'versions', allVersions(S1_BODY), {
      moduleCache: moduleCache(),
    });
    for (const [kind, r] of Object.entries(runs) as Array<[string, Captured]>) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      assert.deepEqual(published(r.samples), PUBLISHED_S1, kind);
      for (const v of VERSIONS) assert.equal(offlineLines(r.stderr, `k6chaijs ${v}`).length, 1, r.stderr);
    }
  });

  test('failures: logFailures, aggregateChecks, anonymize, truncation, the assertion error, other exceptions', async () => {
    const runs = await runOnBothKinds(files, 'failures', allVersions(S2_BODY), {
      moduleCache: moduleCache(),
    });
    for (const [kind, r] of Object.entries(runs) as Array<[string, Captured]>) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      assert.deepEqual(published(r.samples), PUBLISHED_S2, kind);
      assert.deepEqual(consoleLines(r.stderr), PUBLISHED_S2_LOGS, kind);
    }
  });

  test('exitOnError (4.5.0.1) aborts the test at the first failed assertion; 4.5.0.0 has no such option', async () => {
    const source = `import { check } from 'k6';
import chai, { describe, expect } from '${CHAI('4.5.0.1')}';
import chai0, { describe as describe0, expect as expect0 } from '${CHAI('4.5.0.0')}';
chai.config.exitOnError = true;
chai0.config.exitOnError = true;
export const options = { iterations: 3 };
export default FN () {
  describe0('old', () => { expect0(1, 'one').to.equal(2); });
  check(null, { 'after 4.5.0.0': () => true });
  describe('new', () => { expect(1, 'one').to.equal(2); });
  check(null, { 'never recorded': () => true });
}`;
    const runs = await runOnBothKinds(files, 'exit-on-error', source, { moduleCache: moduleCache() });
    for (const [kind, r] of Object.entries(runs) as Array<[string, Captured]>) {
      assert.equal(r.exitCode, 108, `${kind}: ${r.stderr}`);
      assert.deepEqual(
        summary(checks(r.samples)),
        ['✗ ::old expected one to equal 2', '✓  after 4.5.0.0', '✗ ::new expected one to equal 2'],
        `${kind}: ${r.stderr}`,
      );
      assert.match(r.stderr, /test aborted: expected 1 to equal 2/, kind);
      assert.doesNotMatch(r.stderr, /Exception raised/, kind);
    }
  });

  test('an async function given to describe() is called, not awaited, as in every published version', async () => {
    const source = `import { check } from 'k6';
import { describe, expect } from '${CHAI('4.5.0.1')}';
export const options = { iterations: 1 };
export default FN () {
  const returned = describe('async', async () => {
    expect(1, 'before await').to.equal(1);
    await null;
    expect(2, 'after await').to.equal(2);
  });
  check(null, { ['describe returned ' + returned]: () => true });
}`;
    const runs = await runOnBothKinds(files, 'async-describe', source, { moduleCache: moduleCache() });
    for (const [kind, r] of Object.entries(runs) as Array<[string, Captured]>) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      // The group ends when the function returns its Promise: what runs after the await is outside.
      assert.deepEqual(
        summary(checks(r.samples)),
        [
          '✓ ::async expected before await to equal 1',
          '✓  describe returned true',
          '✓  expected after await to equal 2',
        ],
        `${kind}: ${r.stderr}`,
      );
    }
  });

  test('chai.use() plugins; the default import of 4.3.4.0 is its whole exports object', async () => {
    const source = `import { check } from 'k6';
import k6chai from '${CHAI('4.3.4.0')}';
import chai, { describe, expect } from '${CHAI('4.5.0.1')}';
chai.use((c) => {
  c.Assertion.addMethod('even', function () {
    this.assert(this._obj % 2 === 0, 'expected #{this} to be even', 'expected #{this} to be odd');
  });
});
export const options = { iterations: 1 };
export default FN () {
  describe('plugin', () => {
    expect(4, 'four').to.be.even();
    expect(3).not.to.be.even();
  });
  k6chai.describe('default import', () => { k6chai.expect(1).to.equal(1); });
  check(k6chai, { 'the default import holds describe, expect and chai': (m) => Object.keys(m).sort().join() === 'chai,describe,expect' && typeof m.chai.expect === 'function' });
}`;
    const runs = await runOnBothKinds(files, 'plugin', source, { moduleCache: moduleCache() });
    for (const [kind, r] of Object.entries(runs) as Array<[string, Captured]>) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      assert.deepEqual(
        summary(checks(r.samples)),
        [
          '✓ ::plugin expected four to be even',
          '✓ ::plugin expected ${this} to be odd',
          '✓ ::default import expected 1 to equal 1',
          '✓  the default import holds describe, expect and chai',
        ],
        `${kind}: ${r.stderr}`,
      );
    }
  });

  test('chai.should() is refused with a sentence (it would extend the Object.prototype all async VUs share)', async () => {
    const r = await run({
      script: files.write(
        'should.js',
        `import chai from '${CHAI('4.5.0.1')}';\nchai.should();\nexport default function () {}`,
      ),
      moduleCache: moduleCache(),
    });
    assert.equal(r.exitCode, 107, r.stderr);
    assert.match(r.stderr, /k6chaijs chai\.should\(\) .*is not supported by the node engine/);
  });

  test("a Response in a check name is shown with k6's fields in k6's order, on both kinds of VU", async () => {
    const source = `import http from 'k6/http';
import { describe, expect } from '${CHAI('4.3.4.0')}';
import { describe as describe1, expect as expect1 } from '${CHAI('4.3.4.1')}';
export const options = { iterations: 1 };
export default FN () {
  const res = AWAIT http.get('${server.url}/public/crocodiles/');
  describe('shown', () => { expect(res).to.have.property('status', 200); });
  describe1('tagged', () => { expect1(res).to.have.validJsonBody(); });
}`;
    const runs = await runOnBothKinds(files, 'response-shown', source, { moduleCache: moduleCache() });
    for (const [kind, r] of Object.entries(runs) as Array<[string, Captured]>) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      const seen = checks(r.samples);
      assert.deepEqual(
        summary(seen),
        [
          "✓ ::shown expected { Object (remote_ip, remote_port, ...) } to have property 'status'",
          "✓ ::shown expected { Object (remote_ip, remote_port, ...) } to have property 'status' of 200, but got 200",
          '✓ ::tagged has valid json body',
        ],
        `${kind}: ${r.stderr}`,
      );
      assert.equal(seen[2].tags.this, '{ Object (remote_ip, remote_port, ...) }', kind);
    }
  });

  test("each VU has its own chai: one VU's config does not change another's check names", async () => {
    const source = `import exec from 'k6/execution';
import chai, { describe, expect } from '${CHAI('4.5.0.1')}';
export const options = { scenarios: { each: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };
export default FN () {
  if (exec.vu.idInTest === 1) chai.config.aggregateChecks = false;
  describe('vu ' + exec.vu.idInTest, () => { expect(exec.vu.idInTest, 'id').to.be.above(0); });
}`;
    const runs = await runOnBothKinds(files, 'isolation', source, { moduleCache: moduleCache() });
    for (const [kind, r] of Object.entries(runs) as Array<[string, Captured]>) {
      assert.equal(r.exitCode, 0, `${kind}: ${r.stderr}`);
      assert.deepEqual(
        summary(checks(r.samples)).sort(),
        [
          '✓ ::vu 1 id: expected 1 to be above +0',
          '✓ ::vu 1 id: expected 1 to be above +0',
          '✓ ::vu 2 expected id to be above +0',
          '✓ ::vu 2 expected id to be above +0',
        ],
        `${kind}: ${r.stderr}`,
      );
    }
  });
});
