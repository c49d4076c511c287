// engine/bin.mjs runs the engine's build (dist/engine, plain JavaScript from esbuild.config.mjs)
// while it is newer than every engine file, and the TypeScript sources otherwise, saying so in one
// stderr line. The build itself runs scripts on both kinds of VU without any TypeScript loader.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from './engine-fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const files = tempDir();
after(() => files.cleanup());

/** Runs node with `args` in `cwd` until it exits (also when it has already exited). */
function node(args: string[], cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A repository-shaped folder: engine/bin.mjs (the real one), package.json and node_modules. */
function checkout(name: string): string {
  const dir = join(files.dir, name);
  mkdirSync(join(dir, 'engine'), { recursive: true });
  copyFileSync(join(ROOT, 'engine', 'bin.mjs'), join(dir, 'engine', 'bin.mjs'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('engine start-up', () => {
  test('bin.mjs runs the build while it is fresh, else the sources with one line on stderr', async () => {
    const dir = checkout('fresh');
    writeFileSync(join(dir, 'engine', 'cli.ts'), "const from: string = 'sources';\nconsole.log(from);\n");
    mkdirSync(join(dir, 'dist', 'engine'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'engine', 'cli.mjs'), "console.log('build');\n");
    const stamp = join(dir, 'dist', 'engine', '.built');
    writeFileSync(stamp, '');
    const bin = join(dir, 'engine', 'bin.mjs');
    const past = new Date(Date.now() - 60_000);
    for (const p of [join(dir, 'engine'), bin, join(dir, 'engine', 'cli.ts')]) utimesSync(p, past, past);

    const fresh = await node([bin]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(fresh.stdout, 'build\n');
    assert.equal(fresh.stderr, '');

    // An engine file edited after the build: the sources run.
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'engine', 'cli.ts'), future, future);
    const stale = await node([bin]);
    assert.equal(stale.code, 0, stale.stderr);
    assert.equal(stale.stdout, 'sources\n');
    assert.equal(stale.stderr.trim().split('\n').length, 1);
    assert.match(stale.stderr, /dist\/engine is missing or older than engine\/.*npm run build/);

    // No build at all: the sources too.
    rmSync(join(dir, 'dist'), { recursive: true });
    utimesSync(join(dir, 'engine', 'cli.ts'), past, past);
    const none = await node([bin]);
    assert.equal(none.stdout, 'sources\n');
    assert.match(none.stderr, /dist\/engine is missing/);
  });

  test('the build runs a script on async and on synchronous VUs, without a TypeScript loader', async () => {
    const dir = checkout('built');
    const built = await node(['esbuild.config.mjs', '--engine-only', '--outdir', join(dir, 'dist')]);
    assert.equal(built.code, 0, built.stderr);
    const script = (fn: string) =>
      files.write(
        `kinds-${fn.length}.js`,
        `import { check, group } from 'k6'; import { Counter } from 'k6/metrics';
         const c = new Counter('mine');
         export default ${fn} () { group('g', () => { c.add(1); check(1, { one: (v) => v === 1 }); }); }`,
      );
    for (const fn of ['function', 'async function']) {
      const r = await node([join(dir, 'engine', 'bin.mjs'), 'run', '-q', '-i', '2', script(fn)], files.dir);
      assert.equal(r.code, 0, `${fn}: ${r.stderr}`);
      assert.equal(r.stderr, '', fn);
      assert.match(r.stdout, /checks_succeeded\.+: 100\.00% 2 out of 2/, fn);
      assert.match(r.stdout, /mine\.+: 2 /, fn);
    }
  });
});
