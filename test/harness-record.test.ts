// test-tier: unit
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createRunFolder,
  latestRun,
  parseRunId,
  readRun,
  runId,
  runPath,
  scrubText,
  scrubUrl,
  scrubValue,
  writeFileAtomic,
  writeJsonAtomic,
} from '../harness/record/index.ts';
import type { RunMeta } from '../harness/record/types.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'record-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function meta(id: string, status: RunMeta['status'], kind: RunMeta['kind'] = 'scalability'): RunMeta {
  return {
    id,
    kind,
    profile: 'smoke',
    command: 'harness scalability',
    target: { url: 'http://127.0.0.1:1', kind: 'standin', comparableToBaseline: false },
    engine: { name: 'node', version: '0.1.0' },
    gitRevision: null,
    options: {},
    startedAt: '2026-11-27T08:00:00.000Z',
    endedAt: null,
    status,
    engineExitCode: null,
  };
}

describe('run record', () => {
  it('names run folders by UTC start time and kind', () => {
    assert.equal(runId(new Date('2026-11-27T08:00:00.456Z'), 'load-soak'), '2026-11-27T08-00-00Z-load-soak');
    assert.deepEqual(parseRunId('2026-11-27T08-00-00Z-2-scalability'), { kind: 'scalability' });
    assert.equal(parseRunId('notes'), null);
  });

  it('creates a second folder when two runs start in the same second', async () => {
    const at = new Date('2026-11-27T09:00:00Z');
    const a = await createRunFolder(join(dir, 'same'), 'load-soak', at);
    const b = await createRunFolder(join(dir, 'same'), 'load-soak', at);
    assert.equal(a.id, '2026-11-27T09-00-00Z-load-soak');
    assert.equal(b.id, '2026-11-27T09-00-00Z-2-load-soak');
  });

  it('writes atomically: the content is complete and no temp file stays behind', async () => {
    const folder = join(dir, 'atomic');
    await mkdir(folder);
    const path = join(folder, 'run.json');
    await writeFileAtomic(path, 'old');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => writeJsonAtomic(path, { i, pad: 'x'.repeat(10000) })),
    );
    const parsed = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(parsed.pad.length, 10000, 'one whole write won, never a mix');
    assert.deepEqual(await readdir(folder), ['run.json']);
  });

  it('fails a write into a missing folder without leaving anything', async () => {
    await assert.rejects(writeJsonAtomic(join(dir, 'missing', 'run.json'), {}), /ENOENT/);
  });

  it('reads a run back and tells clearly what is wrong with a folder', async () => {
    const { dir: run } = await createRunFolder(
      join(dir, 'read'),
      'scalability',
      new Date('2026-11-27T10:00:00Z'),
    );
    await assert.rejects(readRun(run), /not a run folder: .* \(missing run\.json\)/);
    await writeFile(runPath(run, 'meta'), '{ nope');
    await assert.rejects(readRun(run), /run\.json is not valid JSON/);
    await writeJsonAtomic(runPath(run, 'meta'), { id: 'x', kind: 'soak' });
    await assert.rejects(
      readRun(run),
      /not a valid run record: kind must be scalability or load-soak; status must be/,
    );
    await writeJsonAtomic(runPath(run, 'meta'), meta('x', 'completed'));
    await writeJsonAtomic(runPath(run, 'analysis'), {
      kind: 'scalability',
      verdict: null,
      thresholds: [],
      checks: [],
    });
    const record = await readRun(run);
    assert.equal(record.meta.status, 'completed');
    assert.equal(record.analysis?.kind, 'scalability');
    assert.equal(record.timeseries, undefined);
  });

  it('finds the latest completed run of a kind', async () => {
    const out = join(dir, 'latest');
    const make = async (id: string, m: RunMeta) => {
      await mkdir(join(out, id), { recursive: true });
      await writeJsonAtomic(join(out, id, 'run.json'), m);
    };
    assert.equal(await latestRun(out, 'scalability'), null, 'a missing out dir has no runs');
    await make('2026-11-27T08-00-00Z-scalability', meta('a', 'completed'));
    await make('2026-11-27T09-00-00Z-scalability', meta('b', 'interrupted'));
    await make('2026-11-27T10-00-00Z-load-soak', meta('c', 'completed', 'load-soak'));
    await mkdir(join(out, '2026-11-27T11-00-00Z-scalability'));
    assert.equal(await latestRun(out, 'scalability'), join(out, '2026-11-27T08-00-00Z-scalability'));
    assert.equal(
      await latestRun(out, 'scalability', ['interrupted']),
      join(out, '2026-11-27T09-00-00Z-scalability'),
    );
  });
});

describe('secret scrubbing', () => {
  const key = 'a1b2c3d4e5f6a7b8c9d0';

  it('removes known keys and anything shaped like a credential', () => {
    const text = [
      `CONNECT_API_KEY=${key} npm run load-soak`,
      `Authorization: Key ${key}`,
      '{"authorization":"Key zzzzzzzzzzzzzzzz"}',
      'Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
      '--api-key=hunter2hunter2 --vus 10',
      'https://admin:s3cret@connect.example.com/__api__',
      `the key ${key} leaked`,
    ].join('\n');
    const out = scrubText(text, [key]);
    assert.ok(!out.includes(key));
    assert.ok(!out.includes('zzzzzzzzzzzzzzzz'));
    assert.ok(!out.includes('eyJhbGciOiJIUzI1NiJ9'));
    assert.ok(!out.includes('hunter2'));
    assert.ok(!out.includes('s3cret'));
    assert.match(out, /--vus 10/);
    assert.match(out, /https:\/\/connect\.example\.com\/__api__/);
  });

  it('cleans URLs of user, password and key-like query values', () => {
    assert.equal(
      scrubUrl('https://u:p@connect.example.com/content/x/?api_key=abc&ticker=AAPL'),
      'https://connect.example.com/content/x/?api_key=%5Bredacted%5D&ticker=AAPL',
    );
  });

  it('scrubs nested values and key-named fields', () => {
    const out = scrubValue({ apiKey: 'whatever', nested: [`Key ${key}`], vus: 4 }, [key]);
    assert.deepEqual(out, { apiKey: '[redacted]', nested: ['Key [redacted]'], vus: 4 });
  });
});
