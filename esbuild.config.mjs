// Build: the k6 scenario bundles (one per entry, k6 and k6/* external, ESM), the embedded engine
// as plain JavaScript (dist/engine, which engine/bin.mjs runs when it is newer than the sources)
// and the Connect content bundles of the fixtures. `node esbuild.config.mjs` is `npm run build`.
// `--scenarios-only` skips the engine and the fixtures; `--engine-only` builds only the engine;
// `--outdir <dir>` writes to <dir>/scenarios and <dir>/engine instead of dist/… (the tests build into a
// temp folder this way).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values: args } = parseArgs({
  options: {
    'scenarios-only': { type: 'boolean', default: false },
    'engine-only': { type: 'boolean', default: false },
    outdir: { type: 'string', default: 'dist' },
  },
});

const entries = ['scenarios/scalability.ts', 'scenarios/load-soak.ts'];

/** Every TypeScript file below `dir`. */
function typescriptFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return typescriptFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * The engine, file for file: each engine/…/x.ts becomes dist/engine/…/x.mjs with its relative
 * imports pointing at the other .mjs files, so every module keeps its own URL (the k6 modules are
 * imported once per VU by URL, and the engine names its worker entries and loader hooks by
 * URL: see engine/own-file.ts). Packages stay in node_modules. The stamp file's time is the
 * moment the build read the sources: engine/bin.mjs runs the build only while no engine file is
 * newer.
 */
async function buildEngine() {
  const started = new Date();
  const outdir = join(args.outdir, 'engine');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: typescriptFiles('engine'),
    outbase: 'engine',
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    plugins: [
      {
        name: 'engine-files-apart',
        setup(b) {
          b.onResolve({ filter: /^\.{1,2}\// }, (args) =>
            args.kind === 'entry-point'
              ? undefined
              : { path: args.path.replace(/\.ts$/, '.mjs'), external: true },
          );
        },
      },
    ],
  });
  mkdirSync(outdir, { recursive: true });
  const stamp = join(outdir, '.built');
  writeFileSync(stamp, 'engine/ built by esbuild.config.mjs\n');
  utimesSync(stamp, started, started);
}

if (!args['scenarios-only']) await buildEngine();
if (args['engine-only']) process.exit(0);

await build({
  entryPoints: entries,
  outdir: join(args.outdir, 'scenarios'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2020',
  external: ['k6', 'k6/*'],
  sourcemap: 'inline',
  logLevel: 'warning',
});

if (!args['scenarios-only']) {
  const bundles = spawnSync(process.execPath, ['--import', 'tsx', 'fixtures/build.ts'], { stdio: 'inherit' });
  if (bundles.status !== 0) process.exit(bundles.status ?? 1);
}
