// test-tier: unit
// k6's jslib libraries when jslib.k6.io cannot be reached: the engine's own implementations of
// their documented APIs, checked against the documentation's examples. Downloads are switched off
// (NO_DOWNLOAD_ENV) so these runs take the offline path whether or not this machine has a network.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import * as cheerio from 'cheerio';
import { cachedPath, NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import {
  assertChecksPassed,
  count,
  freshModuleCache,
  offlineLines,
  run,
  tempDir,
} from './engine-fixtures.ts';

process.env[NO_DOWNLOAD_ENV] = '1';
const files = tempDir();
after(() => files.cleanup());
const UTILS = (v: string) => `https://jslib.k6.io/k6-utils/${v}/index.js`;
const moduleCache = () => freshModuleCache(files.dir);

/** Runs `source` offline; every check of the run must pass, and there must be `checks` of them. */
async function allPass(name: string, source: string, checks: number) {
  const r = await run({ script: files.write(name, source), moduleCache: moduleCache() });
  assertChecksPassed(r, checks);
  return r;
}

describe('k6-utils offline', () => {
  test('the documented functions and examples (1.4.0, async VUs), with one info line per run', async () => {
    const r = await allPass(
      'utils.js',
      `import { check } from 'k6';
import { randomIntBetween, randomItem, randomString, uuidv4, findBetween } from '${UTILS('1.4.0')}';
export const options = { vus: 3, iterations: 3 };
const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export default async function () {
  const ints = Array.from({ length: 400 }, () => randomIntBetween(1, 3));
  const page = '<div class="message">Message 1</div><div class="message">Message 2</div>';
  check(null, {
    'randomIntBetween: integers from min to max, both ends reached': () =>
      ints.every((n) => Number.isInteger(n) && n >= 1 && n <= 3) && ints.includes(1) && ints.includes(3),
    'randomItem: an item of the array': () => ['a', 'b', 'c'].includes(randomItem(['a', 'b', 'c'])),
    'randomString(8): 8 lowercase letters': () => /^[a-z]{8}$/.test(randomString(8)),
    'randomString(10, charset): from the charset': () => /^[aeioubcdfghijpqrstuv]{10}$/.test(randomString(10, 'aeioubcdfghijpqrstuv')),
    'randomString(1, weighted)': () => 'ABCD'.includes(randomString(1, 'AAAABBBCCD')),
    'uuidv4(): a v4 UUID': () => V4.test(uuidv4()) && uuidv4() !== uuidv4(),
    'uuidv4(true): a v4 UUID': () => V4.test(uuidv4(true)),
    'findBetween: the first match': () => findBetween(page, '<div class="message">', '</div>') === 'Message 1',
    'findBetween repeat: all matches': () =>
      JSON.stringify(findBetween(page, '<div class="message">', '</div>', true)) === '["Message 1","Message 2"]',
    // The documentation says '' and [], the published files return null: k6 runs those.
    'findBetween: no match is null, with or without repeat': () =>
      findBetween(page, '<p>', '</p>') === null && findBetween(page, '<p>', '</p>', true) === null &&
      findBetween('a[1', '[', ']') === null,
  });
}`,
      30,
    );
    assert.equal(offlineLines(r.stderr, 'k6-utils 1.4.0').length, 1, r.stderr);
  });

  test('versions export what they had: 1.0.0 randomString takes no charset, and has no findBetween', async () => {
    await allPass(
      'utils-100.js',
      `import { check } from 'k6';
import { randomString } from '${UTILS('1.0.0')}';
export default function () {
  check(randomString(12, 'XYZ'), { 'lowercase letters whatever the second argument': (s) => /^[a-z]{12}$/.test(s) });
}`,
      1,
    );
    const r = await run({
      script: files.write(
        'utils-100-find.js',
        `import { findBetween } from '${UTILS('1.0.0')}';\nexport default function () { findBetween('a', 'b', 'c'); }`,
      ),
      moduleCache: moduleCache(),
    });
    assert.equal(r.exitCode, 107);
    assert.match(r.stderr, /findBetween/);
  });

  test('a library or version the engine does not implement keeps the download error', async () => {
    const r = await run({
      script: files.write(
        'utils-unknown.js',
        `import { randomIntBetween } from '${UTILS('9.9.9')}';\nexport default function () { randomIntBetween(1, 2); }`,
      ),
      moduleCache: moduleCache(),
    });
    assert.equal(r.exitCode, 107);
    assert.match(
      r.stderr,
      /Cannot download the remote module https:\/\/jslib\.k6\.io\/k6-utils\/9\.9\.9\/index\.js/,
    );
    assert.doesNotMatch(r.stderr, /offline implementation/);
  });

  test('a cached copy of the URL is used, not the offline implementation', async () => {
    const cache = moduleCache();
    mkdirSync(cache, { recursive: true });
    writeFileSync(cachedPath(cache, UTILS('1.2.0')), 'export function randomIntBetween() { return 42; }');
    const r = await run({
      script: files.write(
        'utils-cached.js',
        `import { check } from 'k6';\nimport { randomIntBetween } from '${UTILS('1.2.0')}';\nexport default function () { check(randomIntBetween(1, 2), { 'the cached module': (n) => n === 42 }); }`,
      ),
      moduleCache: cache,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      1,
      r.stderr,
    );
    assert.equal(offlineLines(r.stderr, 'k6-utils').length, 0, r.stderr);
  });

  test('what the published files answer where the documentation is silent or says otherwise', async () => {
    // Expected values: what the published k6-utils 1.6.0 (github.com/grafana/jslib.k6.io) returns.
    await allPass(
      'utils-published.js',
      `import { check } from 'k6';
import { normalDistributionStages, parseDuration, randomIntBetween, randomString } from '${UTILS('1.6.0')}';
export const options = { iterations: 1 };
export default function () {
  const fromEnv = Array.from({ length: 300 }, () => randomIntBetween('1', '3'));
  let endless = '';
  try { randomString(-1); } catch (e) { endless = e.message; }
  check(null, {
    'normalDistributionStages(10, 20, 5)': () =>
      JSON.stringify(normalDistributionStages(10, 20, 5)) ===
      JSON.stringify([[4, 1], [3, 5], [3, 10], [3, 10], [3, 5], [3, 1], [4, 0]].map(([d, t]) => ({ duration: d + 's', target: t }))),
    'normalDistributionStages(100, 600): 12 stages, peak in the middle': () => {
      const st = normalDistributionStages(100, 600);
      return st.length === 12 && st[0].duration === '100s' && st[1].duration === '40s' && st[5].target === 100 && st[0].target === 14 && st[11].target === 0;
    },
    'parseDuration': () =>
      [parseDuration('1m30s'), parseDuration('500ms'), parseDuration('1h2m3s4'), parseDuration('2.5s'), parseDuration('1d')].join() ===
      '90000,500,3723004,2500,86400000',
    // String bounds (an __ENV value): '+ min' concatenates, so 0 to max - min.
    'randomIntBetween with strings': () => fromEnv.every((n) => n >= 0 && n <= 2) && fromEnv.includes(0) && fromEnv.includes(2),
    'randomString indexes UTF-16 code units': () => randomString(4, '\u{1F600}').length === 4,
    'randomString(-1) never returns there: a sentence': () => endless.includes('never returns'),
  });
}`,
      6,
    );
  });

  test('1.1.0 findBetween gives an empty string for no match; 1.6.0 check awaits a Promise value', async () => {
    await allPass(
      'utils-110.js',
      `import { check } from 'k6';
import { findBetween } from '${UTILS('1.1.0')}';
import { check as check16 } from '${UTILS('1.6.0')}';
import { check as check15 } from '${UTILS('1.5.0')}';
export const options = { iterations: 1 };
export default async function () {
  const seen16 = await check16(Promise.resolve(5), { 'value awaited (1.6.0)': (v) => v === 5 });
  const seen15 = await check15(Promise.resolve(5), { 'value not awaited (1.5.0)': (v) => v instanceof Promise });
  check(null, {
    '1.1.0 no match': () => findBetween('abc', '<', '>') === '',
    'both resolve to true': () => seen16 === true && seen15 === true,
  });
}`,
      4,
    );
  });

  // The first stage is ramp-up even when its target equals startVUs: so the published library has it.
  test('stage index and profile tags follow the running stage (synchronous VUs)', async () => {
    const r = await run({
      script: files.write(
        'utils-stages.js',
        `import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
import { getCurrentStageIndex, tagWithCurrentStageIndex, tagWithCurrentStageProfile } from '${UTILS('1.3.0')}';
const seen = new Counter('seen');
export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-vus', startVUs: 2, gracefulRampDown: '0s',
      stages: [ { duration: '700ms', target: 2 }, { duration: '700ms', target: 2 }, { duration: '700ms', target: 1 } ],
    },
  },
};
export default function () {
  tagWithCurrentStageIndex();
  tagWithCurrentStageProfile();
  seen.add(1, { index: String(getCurrentStageIndex()) });
  sleep(0.1);
}`,
      ),
      moduleCache: moduleCache(),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const pairs = new Set(
      r.samples
        .filter((s) => s.metric === 'seen')
        .map((s) => `${s.tags.stage}:${s.tags.stage_profile}:${s.tags.index}`),
    );
    // The three readings (index tag, profile tag, getCurrentStageIndex) are made one after the
    // other, so a stage boundary may fall between any two of them, however fast the machine:
    // each reading is of the same stage as the one before or of the next.
    const profiles = ['ramp-up', 'steady', 'ramp-down'];
    const allowed = new Set<string>();
    for (let s = 0; s < 3; s++) {
      allowed.add(`${s}:${profiles[s]}:${s}`);
      if (s < 2) allowed.add(`${s}:${profiles[s]}:${s + 1}`).add(`${s}:${profiles[s + 1]}:${s + 1}`);
    }
    for (const p of pairs) assert.ok(allowed.has(p), `unexpected stage:profile:index ${p} in ${[...pairs]}`);
    for (const stage of ['0:ramp-up', '1:steady', '2:ramp-down'])
      assert.ok(
        [...pairs].some((p) => p.startsWith(stage)),
        `${stage} never seen in ${[...pairs]}`,
      );
    // The synchronous VUs' threads add no line of their own.
    assert.equal(offlineLines(r.stderr, 'k6-utils 1.3.0').length, 1, r.stderr);
  });

  test('getCurrentStageIndex in a scenario without stages says so', async () => {
    const r = await run({
      script: files.write(
        'utils-nostages.js',
        `import { getCurrentStageIndex } from '${UTILS('1.6.0')}';\nexport const options = { iterations: 1 };\nexport default async function () { getCurrentStageIndex(); }`,
      ),
      moduleCache: moduleCache(),
    });
    assert.match(r.stderr, /getCurrentStageIndex\(\) works only in a scenario with stages/);
  });

  test('check (1.5.0+) awaits Promises and async functions, as documented', async () => {
    const r = await run({
      script: files.write(
        'utils-check.js',
        `import { check as k6check } from 'k6';
import { check } from '${UTILS('1.5.0')}';
const waitFor = (ms) => new Promise((resolve) => setTimeout(() => resolve(true), ms));
export const options = { iterations: 1 };
export default async function () {
  const pending = check(200, {
    'passing promise as a value': waitFor(50),
    'async function': async (status) => { await waitFor(20); return status === 200; },
    'failing async function': async (status) => status === 404,
    'plain function': (status) => status === 200,
  }, { mine: 'yes' });
  const plain = check(1, { 'only plain checks give a boolean': (v) => v === 1 });
  k6check(null, {
    'the result is a Promise': () => typeof pending.then === 'function',
    'no Promise, a boolean': () => plain === true,
  });
  const all = await pending;
  k6check(all, { 'resolves to false when one failed': (v) => v === false });
}`,
      ),
      moduleCache: moduleCache(),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const outcome = (name: string) => r.samples.find((s) => s.metric === 'checks' && s.tags.check === name);
    assert.equal(outcome('passing promise as a value')?.value, 1);
    assert.equal(outcome('async function')?.value, 1);
    assert.equal(outcome('failing async function')?.value, 0);
    assert.equal(outcome('plain function')?.value, 1);
    assert.equal(outcome('async function')?.tags.mine, 'yes');
    assert.equal(outcome('the result is a Promise')?.value, 1);
    assert.equal(outcome('no Promise, a boolean')?.value, 1);
    assert.equal(outcome('resolves to false when one failed')?.value, 1);
  });
});

describe('k6-summary offline', () => {
  test('textSummary and jUnit in handleSummary: thresholds as test cases', async () => {
    const r = await run({
      script: files.write(
        'summary.js',
        `import { check } from 'k6';
import { textSummary, jUnit } from 'https://jslib.k6.io/k6-summary/0.0.2/index.js';
export const options = {
  iterations: 2,
  thresholds: { checks: ['rate>0.9'], iteration_duration: ['p(95)<100000', 'max<0'] },
};
export default async function () { check(1, { 'one is one': (v) => v === 1 }); }
export function handleSummary(data) {
  return {
    stdout: textSummary(data, { indent: '→ ', enableColors: false }) + '\\n=====\\n' + jUnit(data, { name: 'my <suite>', classname: 'perf' }),
  };
}`,
      ),
      moduleCache: moduleCache(),
    });
    assert.equal(r.exitCode, 99, r.stderr);
    const [text, xml] = r.stdout.split('\n=====\n');
    // The layout of the published 0.0.2 (engine-jslib-summary.test.ts checks it byte for byte).
    assert.match(text, /^→ {5}iterations\.+: 2 /m);
    assert.match(text, /^→ {3}✓ checks\.+: 100\.00% ✓ 2 +✗ 0/m);
    assert.match(text, /^→ {5}✓ one is one$/m);
    assert.ok(!text.includes('\x1b['), 'no colours');
    assert.ok(xml.startsWith('<?xml version="1.0"?>'), xml);
    const $ = cheerio.load(xml, { xml: true });
    assert.equal($('testsuites').attr('tests'), '3');
    assert.equal($('testsuites').attr('failures'), '1');
    assert.equal($('testsuite').attr('name'), 'my <suite>');
    const cases = $('testcase')
      .toArray()
      .map((el) => [
        $(el).attr('name'),
        $(el).attr('classname'),
        $(el).find('failure').attr('message') ?? 'ok',
      ]);
    // 0.0.2 writes no classname (0.1.0 does).
    assert.deepEqual(cases.sort(), [
      ['checks - rate>0.9', undefined, 'ok'],
      ['iteration_duration - max<0', undefined, 'failed'],
      ['iteration_duration - p(95)<100000', undefined, 'ok'],
    ]);
    assert.equal(offlineLines(r.stderr, 'k6-summary 0.0.2').length, 1, r.stderr);
  });
});

describe('papaparse offline', () => {
  test('the npm papaparse parses a CSV as jslib papaparse 5.1.1 does', async () => {
    await allPass(
      'papa.js',
      `import { check } from 'k6';
import papaparse from 'https://jslib.k6.io/papaparse/5.1.1/index.js';
const csv = papaparse.parse('name,age\\n"Doe, Jane",42\\nJohn,7\\n', { header: true, dynamicTyping: true, skipEmptyLines: true });
export default function () {
  check(csv, {
    'rows as objects': (c) => JSON.stringify(c.data) === '[{"name":"Doe, Jane","age":42},{"name":"John","age":7}]',
    'no errors': (c) => c.errors.length === 0,
    'unparse back': () => papaparse.unparse([{ a: 1, b: 'x,y' }]) === 'a,b\\r\\n1,"x,y"',
  });
}`,
      3,
    );
  });

  // Expected values: what the published 5.1.1 file (github.com/grafana/jslib.k6.io,
  // lib/papaparse/5.1.1) returns; later papaparse versions answer otherwise.
  test('what changed after 5.1.1 answers as 5.1.1: repeated headers, escapeFormulae, transformHeader', async () => {
    const r = await allPass(
      'papa-511.js',
      `import { check } from 'k6';
import papaparse from 'https://jslib.k6.io/papaparse/5.1.1/index.js';
const dup = papaparse.parse('a,a,b\\n1,2,3', { header: true });
const typed = papaparse.parse('a,a\\n1,2', { header: true, dynamicTyping: { a: true }, transform: (v, f) => f + v });
const seen = [];
papaparse.parse('x,y\\n1,2', { header: true, transformHeader: (...args) => { seen.push(args.length); return args[0]; } });
export default function () {
  check(null, {
    'repeated header kept, the later value wins': () => JSON.stringify(dup.data) === '[{"a":"2","b":"3"}]',
    'fields as written, no renamedHeaders': () => JSON.stringify(dup.meta.fields) === '["a","a","b"]' && !('renamedHeaders' in dup.meta),
    'field names given to transform and dynamicTyping are the header names': () => JSON.stringify(typed.data) === '[{"a":"a2"}]',
    'escapeFormulae is not an option of 5.1.1': () => papaparse.unparse([['=1', '+2']], { escapeFormulae: true }) === '=1,+2',
    'transformHeader gets the name only': () => seen.join() === '1,1',
  });
}`,
      5,
    );
    assert.doesNotMatch(r.stdout + r.stderr, /Duplicate headers/);
  });
});
