// test-tier: unit
// A runner's .ndjson.gz cut short (the runner killed before closing it) becomes a whole gzip of
// its complete lines; a whole file is left alone.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { repairCutShortGzip } from '../harness/k6-operator/repair.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'k6op-repair-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = Array.from({ length: 20_000 }, (_, i) =>
  JSON.stringify({
    metric: 'http_reqs',
    type: 'Point',
    data: { time: `t${i}`, value: 1, tags: { n: String(i * 7919) } },
  }),
);
const text = `${lines.join('\n')}\n`;

describe('repairCutShortGzip', () => {
  it('keeps the complete lines of a cut-short file', async () => {
    const whole = gzipSync(text);
    const path = join(dir, 'cut.ndjson.gz');
    await writeFile(path, whole.subarray(0, Math.floor(whole.length * 0.7)));
    assert.equal(await repairCutShortGzip(path), true);
    const kept = gunzipSync(await readFile(path)).toString('utf8');
    assert.ok(kept.endsWith('\n'), 'ends on a whole line');
    const keptLines = kept.trimEnd().split('\n');
    assert.ok(keptLines.length > 1000 && keptLines.length < lines.length, `${keptLines.length} lines kept`);
    assert.deepEqual(keptLines, lines.slice(0, keptLines.length));
  });

  it('leaves a whole file and a plain file alone', async () => {
    const path = join(dir, 'whole.ndjson.gz');
    const whole = gzipSync(text);
    await writeFile(path, whole);
    assert.equal(await repairCutShortGzip(path), false);
    assert.ok((await readFile(path)).equals(whole));
    const plain = join(dir, 'plain.ndjson');
    await writeFile(plain, 'half a li');
    assert.equal(await repairCutShortGzip(plain), false);
  });
});
