// test-tier: unit
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BundleProblem } from '../standin/archive/bundle-problem.ts';
import { resolveSymlink, safeEntryPath } from '../standin/archive/entry-rules.ts';
import { readBundle } from '../standin/archive/read-bundle.ts';
import {
  bundleOf,
  flaskApp,
  flaskManifest,
  hostileCorpus,
  snapshot,
  testLimits,
} from './hostile-archives.ts';

describe('bundle extraction', () => {
  let root: string;
  let sentinel: string;
  let contentDir: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'standin-archive-'));
    sentinel = join(root, 'sentinel');
    contentDir = join(root, 'data', 'content', 'guid');
    await mkdir(sentinel, { recursive: true });
    await writeFile(join(sentinel, 'keep.txt'), 'untouched');
    await mkdir(contentDir, { recursive: true });
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('extracts a valid bundle with an inside symlink and hard link', async () => {
    const archive = join(root, 'ok.tar.gz');
    await writeFile(
      archive,
      bundleOf([
        { path: './', type: '5' },
        flaskManifest,
        flaskApp,
        { path: 'data/prices.csv', body: 'date,close\n' },
        { path: 'latest.csv', type: '2', linkpath: 'data/prices.csv' },
        { path: 'copy.csv', type: '1', linkpath: 'data/prices.csv' },
      ]),
    );
    const into = join(contentDir, 'ok');
    await mkdir(into);
    const { manifest, files } = await readBundle(archive, testLimits, into);
    assert.equal(manifest.appmode, 'python-api');
    assert.deepEqual([...files].sort(), ['app.py', 'copy.csv', 'data/prices.csv', 'manifest.json']);
    assert.equal(await readFile(join(into, 'copy.csv'), 'utf8'), 'date,close\n');
    assert.equal(await readlink(join(into, 'latest.csv')), 'data/prices.csv');
  });

  for (const hostile of hostileCorpus('/tmp/standin-sentinel-absolute')) {
    test(`refuses ${hostile.name} and writes nothing outside the content folder`, async () => {
      const archive = join(contentDir, 'upload.tar.gz');
      await writeFile(archive, hostile.archive);
      const into = await mkdtemp(join(contentDir, 'staging-'));
      const before = await snapshot(root, contentDir);
      await assert.rejects(readBundle(archive, testLimits, into), (err: unknown) => {
        assert.ok(err instanceof BundleProblem, `expected a BundleProblem, got ${String(err)}`);
        assert.equal(err.code, hostile.code, err.message);
        assert.match(err.message, hostile.says);
        return true;
      });
      assert.deepEqual(await snapshot(root, contentDir), before);
      await assert.rejects(lstat('/tmp/standin-sentinel-absolute'));
      await rm(into, { recursive: true });
    });
  }

  test('entry paths are normalised or refused', () => {
    assert.equal(safeEntryPath('./a//b/./c.py'), 'a/b/c.py');
    assert.throws(() => safeEntryPath('a/../../b'), BundleProblem);
    assert.throws(() => safeEntryPath('C:/windows'), BundleProblem);
    assert.throws(() => safeEntryPath('a\\..\\b'), BundleProblem);
  });

  test('symlinks resolve through other links like the kernel would', () => {
    const links = new Map([
      ['d', 'sub/deeper'],
      ['d2', 'd/..'],
      ['loop', 'loop'],
    ]);
    assert.equal(resolveSymlink('d2', links), 'sub');
    assert.throws(() => resolveSymlink('loop', links), /loop/);
  });
});
