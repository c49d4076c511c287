// test-tier: unit
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { count, run, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

/** Runs `source` and gives the checks that failed (by name) and the run. */
async function checks(name: string, source: string, vus = 1) {
  const r = await run({ script: files.write(name, source), vus, iterations: vus });
  assert.equal(r.exitCode, 0, r.stderr);
  const failed = r.samples.filter((s) => s.metric === 'checks' && s.value === 0).map((s) => s.tags.check);
  return { r, failed, passed: count(r.samples, 'checks', (s) => s.value === 1) };
}

describe('k6/experimental/fs, csv and streams as k6 documents them', () => {
  test('fs: open in init, stat, read in chunks to null at the end, seek from start/current/end; each open has its own position', async () => {
    files.write('bonjour.txt', 'Bonjour, tout le monde!\n');
    const { failed, passed } = await checks(
      'fs.js',
      `import { open, SeekMode } from 'k6/experimental/fs';
       import { check } from 'k6';
       const file = await open('bonjour.txt');
       export default async function () {
         const info = await file.stat();
         const buf = new Uint8Array(5);
         let total = 0; let n;
         while ((n = await file.read(buf)) !== null) total += n;
         const atEnd = await file.read(buf);
         const back = await file.seek(-6, SeekMode.End);
         const two = new Uint8Array(2); await file.read(two);
         const fwd = await file.seek(1, SeekMode.Current);
         await file.seek(0, SeekMode.Start);
         check(null, {
           stat: () => info.name === 'bonjour.txt' && info.size === 24,
           'absolute path': () => file.path.startsWith('/') && file.path.endsWith('/bonjour.txt'),
           'read all': () => total === 24 && atEnd === null,
           'seek end': () => back === 18 && new TextDecoder().decode(two) === 'on',
           'seek current': () => fwd === 21,
         });
       }`,
      3,
    );
    assert.deepEqual(failed, []);
    assert.equal(passed, 15);
  });

  test('fs: outside the init context, a missing file and a directory are errors with a sentence', async () => {
    const outside = await run({
      script: files.write(
        'fs-late.js',
        `import { open } from 'k6/experimental/fs';
         export default async function () { await open('bonjour.txt'); }`,
      ),
      iterations: 1,
    });
    assert.match(outside.stderr, /open\(\\?"bonjour\.txt\\?"\) was called outside the init context/);
    // The iteration threw: it still counts, as in k6.
    assert.equal(count(outside.samples, 'iterations'), 1);
    const missing = await run({
      script: files.write(
        'fs-missing.js',
        `import { open } from 'k6/experimental/fs';\nawait open('nope.txt');\nexport default function () {}`,
      ),
    });
    assert.equal(missing.exitCode, 107);
    assert.match(missing.stderr, /open\(\\?"nope\.txt\\?"\): cannot read .*ENOENT/);
    const dir = await run({
      script: files.write(
        'fs-dir.js',
        `import { open } from 'k6/experimental/fs';\nawait open('.');\nexport default function () {}`,
      ),
    });
    assert.equal(dir.exitCode, 107);
    assert.match(dir.stderr, /is a directory/);
  });

  test('csv: parse (arrays, objects, delimiter, skipFirstLine, fromLine/toLine), Parser.next, quoted fields, read-only rows', async () => {
    files.write('people.csv', 'name,age,note\nJohn,30,"likes ""quotes"", commas"\nJane,25,x\nAda,36,y\n');
    files.write('semi.csv', 'a;b\n1;2\n');
    const { failed, passed } = await checks(
      'csv.js',
      `import { open } from 'k6/experimental/fs';
       import csv from 'k6/experimental/csv';
       import { check } from 'k6';
       const file = await open('people.csv');
       const rows = await csv.parse(file);
       const objects = await csv.parse(file, { asObjects: true });
       const skipped = await csv.parse(file, { skipFirstLine: true });
       const window = await csv.parse(file, { fromLine: 1, toLine: 2 });
       const semi = await csv.parse(await open('semi.csv'), { delimiter: ';' });
       const parser = new csv.Parser(file, { skipFirstLine: true });
       export default async function () {
         const first = await parser.next(); const second = await parser.next();
         await parser.next(); const end = await parser.next();
         let threw = false; try { rows[0][0] = 'x'; } catch (e) { threw = e instanceof TypeError; }
         check(null, {
           arrays: () => rows.length === 4 && rows[1][2] === 'likes "quotes", commas',
           objects: () => objects.length === 3 && objects[1].name === 'Jane' && objects[1].age === '25',
           skip: () => skipped.length === 3 && skipped[0][0] === 'John',
           window: () => window.length === 2 && window[0][0] === 'John' && window[1][0] === 'Jane',
           delimiter: () => semi[1][1] === '2',
           parser: () => !first.done && first.value[0] === 'John' && second.value[0] === 'Jane' && end.done && end.value === undefined,
           'read-only': () => threw && rows[0][0] === 'name',
         });
       }`,
    );
    assert.deepEqual(failed, []);
    assert.equal(passed, 7);
  });

  test('csv: a malformed file and a bad option stop the script with the reason', async () => {
    files.write('bad.csv', 'a,b\n"unclosed,2\n');
    const bad = await run({
      script: files.write(
        'csv-bad.js',
        `import { open } from 'k6/experimental/fs'; import csv from 'k6/experimental/csv';
         await csv.parse(await open('bad.csv'));
         export default function () {}`,
      ),
    });
    assert.equal(bad.exitCode, 107);
    assert.match(bad.stderr, /csv: .*bad\.csv: .*quote/i);
    const option = await run({
      script: files.write(
        'csv-option.js',
        `import { open } from 'k6/experimental/fs'; import csv from 'k6/experimental/csv';
         await csv.parse(await open('bad.csv'), { delimiter: ';;' });
         export default function () {}`,
      ),
    });
    assert.equal(option.exitCode, 107);
    assert.match(option.stderr, /delimiter must be one character/);
  });

  test('streams: a ReadableStream fed by k6/timers is read to its end within the iteration; WritableStream', async () => {
    const { failed } = await checks(
      'streams.js',
      `import { ReadableStream, WritableStream, CountQueuingStrategy } from 'k6/experimental/streams';
       import { setTimeout } from 'k6/timers';
       import { check } from 'k6';
       export default async function () {
         let n = 0;
         const stream = new ReadableStream({ start(c) { const tick = () => { if (n < 3) { c.enqueue(++n); setTimeout(tick, 10); } else c.close(); }; setTimeout(tick, 10); } });
         const reader = stream.getReader(); const got = [];
         for (;;) { const { done, value } = await reader.read(); if (done) break; got.push(value); }
         const written = [];
         const sink = new WritableStream({ write(chunk) { written.push(chunk); } }, new CountQueuingStrategy({ highWaterMark: 1 }));
         const w = sink.getWriter(); await w.write('a'); await w.write('b'); await w.close();
         check(null, { read: () => got.join() === '1,2,3', written: () => written.join() === 'a,b' });
       }`,
    );
    assert.deepEqual(failed, []);
  });
});
