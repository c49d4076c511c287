import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type HistoryEntry, JsonlHistoryStore } from '../harness/nightly/history.ts';
import { parseS3Url, S3HistoryStore } from '../harness/nightly/history-s3.ts';
import { openHistoryStore } from '../harness/nightly/store.ts';

function entry(i: number, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    date: new Date(Date.UTC(2026, 10, 1 + i, 2)).toISOString(),
    runId: `run-${i}`,
    gitRevision: 'abc123',
    target: 'https://connect.example.com',
    profile: 'reference',
    kind: 'load-soak',
    engine: 'k6 v1.4.0',
    figures: { rps: 1600 + i, avgMs: 220, p95Ms: 400, errorRate: 0, vus: 400 },
    verdicts: { baseline: true, thresholds: true, regression: false },
    ...over,
  };
}

describe('JSON-lines history store', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'history-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads nothing from a missing file and appends entries in order', async () => {
    const store = new JsonlHistoryStore(join(dir, 'a', 'history.jsonl'));
    assert.deepEqual(await store.read(), { entries: [], warnings: [] });
    await store.append(entry(2));
    await store.append(entry(1));
    const { entries, warnings } = await store.read();
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      entries.map((e) => e.runId),
      ['run-1', 'run-2'],
    );
  });

  it('skips corrupt and partial lines with a warning naming the line', async () => {
    const file = join(dir, 'corrupt.jsonl');
    const good = JSON.stringify(entry(1));
    const noFigures = JSON.stringify({ ...entry(2), figures: undefined });
    await writeFile(
      file,
      `${good}\nnot json at all\n${noFigures}\n\n{"date":"2026-11-03T00:00:00Z","runId":"x"`,
    );
    const store = new JsonlHistoryStore(file);
    const { entries, warnings } = await store.read();
    assert.equal(entries.length, 1);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0], /corrupt\.jsonl:2: skipped a corrupt history line/);
    assert.match(warnings[1], /:3: .*figures/);
    assert.match(warnings[2], /:5: /);
    // The next append starts on a fresh line after the partial one, so it is not lost.
    await store.append(entry(4));
    const again = await store.read();
    assert.deepEqual(
      again.entries.map((e) => e.runId),
      ['run-1', 'run-4'],
    );
  });

  it('refuses to append an invalid entry and writes nothing', async () => {
    const file = join(dir, 'invalid.jsonl');
    const store = new JsonlHistoryStore(file);
    await assert.rejects(
      store.append({ ...entry(1), figures: { ...entry(1).figures, rps: Number.NaN } }),
      /figures\.rps is not a number/,
    );
    await assert.rejects(readFile(file), { code: 'ENOENT' });
  });

  it('loses no entry when several processes append at once', async () => {
    const file = join(dir, 'concurrent.jsonl');
    const writers = 6;
    const perWriter = 25;
    const script = `
      import { JsonlHistoryStore } from ${JSON.stringify(new URL('../harness/nightly/history.ts', import.meta.url).href)};
      const store = new JsonlHistoryStore(process.argv[1]);
      const w = Number(process.argv[2]);
      for (let i = 0; i < ${perWriter}; i++) {
        await store.append({
          date: new Date(Date.UTC(2026, 0, 1, 0, 0, w * 100 + i)).toISOString(), runId: 'w' + w + '-' + i,
          gitRevision: null, target: 't', profile: 'smoke', kind: 'load-soak', engine: 'node',
          figures: { rps: 1, avgMs: 1, p95Ms: 1, errorRate: 0, vus: 1 },
          verdicts: { baseline: null, thresholds: true, regression: null },
        });
      }`;
    await Promise.all(
      Array.from({ length: writers }, (_, w) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', script, file, String(w)],
          {
            stdio: ['ignore', 'ignore', 'inherit'],
          },
        );
        return new Promise<void>((resolve, reject) =>
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`)))),
        );
      }),
    );
    const { entries, warnings } = await new JsonlHistoryStore(file).read();
    assert.deepEqual(warnings, []);
    assert.equal(entries.length, writers * perWriter);
    assert.equal(new Set(entries.map((e) => e.runId)).size, writers * perWriter);
  });
});

describe('S3 history store (command-level mock)', () => {
  it('parses s3 locations and rejects others', () => {
    assert.deepEqual(parseS3Url('s3://perf-bucket/nightly'), { bucket: 'perf-bucket', prefix: 'nightly/' });
    assert.deepEqual(parseS3Url('s3://perf-bucket'), { bucket: 'perf-bucket', prefix: '' });
    assert.throws(() => parseS3Url('s3:/x'), /not an S3 location/);
    assert.throws(() => openHistoryStore('https://example.com/h.jsonl'), /neither a file path nor s3/);
    assert.ok(openHistoryStore('/tmp/h.jsonl') instanceof JsonlHistoryStore);
  });

  it('writes one object per run and reads them back, skipping corrupt objects', async () => {
    const s3 = mockClient(S3Client);
    const objects = new Map<string, string>();
    s3.on(PutObjectCommand).callsFake((input) => {
      objects.set(input.Key, String(input.Body));
      return {};
    });
    s3.on(ListObjectsV2Command).callsFake((input) => {
      const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix)).sort();
      // Two pages, to exercise pagination.
      if (!input.ContinuationToken) {
        return {
          Contents: keys.slice(0, 1).map((Key) => ({ Key })),
          NextContinuationToken: 'p2',
          IsTruncated: true,
        };
      }
      return { Contents: keys.slice(1).map((Key) => ({ Key })), IsTruncated: false };
    });
    s3.on(GetObjectCommand).callsFake((input) => ({
      Body: { transformToString: async () => objects.get(input.Key) ?? '' },
    }));
    const store = new S3HistoryStore('s3://perf-bucket/nightly/', new S3Client({ region: 'us-east-1' }));
    await store.append(entry(1));
    await store.append(entry(2));
    objects.set('nightly/zz-corrupt.json', '{oops');
    const { entries, warnings } = await store.read();
    assert.deepEqual(
      entries.map((e) => e.runId),
      ['run-1', 'run-2'],
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /zz-corrupt\.json: skipped/);
    assert.ok([...objects.keys()].every((k) => k.startsWith('nightly/')));
    s3.restore();
  });
});
