// The stand-in's Python restore reuses an environment for identical requirements, as Connect does,
// and stays correct when deploys of the same requirements run at the same time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Manifest } from '../standin/archive/manifest.ts';
import { RestoreFailure, restorePython } from '../standin/environment.ts';

const root = mkdtempSync(join(tmpdir(), 'standin-environment-'));
const cache = join(root, 'envs');
const saved = process.env.CONNECT_STANDIN_PYTHON_ENVS;
before(() => {
  process.env.CONNECT_STANDIN_PYTHON_ENVS = cache;
});
after(() => {
  if (saved === undefined) delete process.env.CONNECT_STANDIN_PYTHON_ENVS;
  else process.env.CONNECT_STANDIN_PYTHON_ENVS = saved;
  rmSync(root, { recursive: true, force: true });
});

const manifest: Manifest = {
  appmode: 'python-api',
  entrypoint: 'app',
  pythonVersion: null,
  rVersion: null,
  rPackages: [],
  pythonPackageFile: 'requirements.txt',
};

let bundles = 0;
/** A bundle's app folder with this requirements.txt, and the folder its environment goes to. */
function bundle(requirements: string | null, extra: Record<string, string> = {}) {
  const dir = join(root, `bundle-${++bundles}`);
  mkdirSync(join(dir, 'app'), { recursive: true });
  const files = new Set(['app.py', ...Object.keys(extra)]);
  if (requirements !== null) {
    writeFileSync(join(dir, 'app', 'requirements.txt'), requirements);
    files.add('requirements.txt');
  }
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, 'app', name), text);
  return { appDir: join(dir, 'app'), envDir: join(dir, 'python-env'), files };
}

async function restore(b: ReturnType<typeof bundle>) {
  const output: string[] = [];
  const python = await restorePython(manifest, b.appDir, b.files, b.envDir, (l) => output.push(l));
  return { python, output };
}

const built = (output: string[]) =>
  output.filter((l) => l.startsWith('Creating a virtual environment')).length;
const reused = (output: string[]) => output.some((l) => l.startsWith('Reusing the Python environment'));
/** The environment folders in the cache (not the published links). */
const envFolders = () =>
  existsSync(cache) ? readdirSync(cache).filter((n) => lstatSync(join(cache, n)).isDirectory()) : [];

describe('Python environments for identical requirements', () => {
  test('concurrent deploys of the same requirements build one environment; a later one reuses it', async () => {
    const [a, b, c] = [bundle('flask\n'), bundle('flask\n'), bundle('flask\n')];
    const [ra, rb] = await Promise.all([restore(a), restore(b)]);
    assert.equal(built(ra.output) + built(rb.output), 1, [...ra.output, ...rb.output].join('\n'));
    assert.ok(
      [...ra.output, ...rb.output].some((l) => /^Requirement already satisfied: flask\b/i.test(l)),
      'pip ran for the first',
    );
    const rc = await restore(c);
    assert.equal(built(rc.output), 0, rc.output.join('\n'));
    assert.ok(reused(rc.output), rc.output.join('\n'));
    // Each bundle has its own python-env, a link to the one environment; its python runs Flask.
    const targets = [a, b, c].map((x) => readlinkSync(x.envDir));
    assert.equal(new Set(targets).size, 1);
    assert.equal(envFolders().length, 1);
    for (const r of [ra, rb, rc]) {
      const py = spawnSync(r.python, ['-c', 'import sys, flask; print(sys.prefix != sys.base_prefix)'], {
        encoding: 'utf8',
      });
      assert.equal(py.stdout.trim(), 'True', py.stderr);
    }
  });

  test('other requirements get another environment', async () => {
    const before = envFolders().length;
    const r = await restore(bundle('flask\ngunicorn\n'));
    assert.equal(built(r.output), 1);
    assert.equal(envFolders().length, before + 1);
  });

  test('a failed restore is not kept: the next deploy tries again and fails the same way', async () => {
    const before = envFolders().length;
    for (let i = 0; i < 2; i++) {
      const output: string[] = [];
      const b = bundle('no-such-package-standin-env\n');
      await assert.rejects(
        restorePython(manifest, b.appDir, b.files, b.envDir, (l) => output.push(l)),
        (e: Error) => e instanceof RestoreFailure && /python-package-install-failed/.test(e.message),
      );
      assert.equal(built(output), 1, 'built again, not reused');
      assert.equal(existsSync(b.envDir), false);
    }
    assert.equal(envFolders().length, before);
  });

  test('requirements that name other files of the bundle are never shared', async () => {
    const outputs: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const b = bundle('-r more.txt\n', { 'more.txt': 'flask\n' });
      const r = await restore(b);
      outputs.push(r.output);
      assert.ok(lstatSync(b.envDir).isDirectory(), 'an environment of its own, not a link');
      assert.ok(r.output.some((l) => /refers to other files/.test(l)));
    }
    assert.deepEqual(outputs.map(built), [1, 1]);
  });

  test('no requirements file: one empty environment, shared too', async () => {
    const [first, second] = [await restore(bundle(null)), await restore(bundle(null))];
    assert.equal(built(first.output), 1);
    assert.ok(reused(second.output), second.output.join('\n'));
  });
});
