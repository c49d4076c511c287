// Build: the k6 scenario bundles (one per entry, k6 and k6/* external, ESM), the embedded engine
// as plain JavaScript (dist/engine, which engine/bin.mjs runs when it is newer than the sources)
// and the Connect content bundles of the fixtures. `node esbuild.config.mjs` is `npm run build`.
// It also bundles the command lines the tests start many times (dist/cli: the harness, nightly,
// k6-operator and the stand-in), which start without a TypeScript loader.
// `--scenarios-only` skips the engine, the command lines and the fixtures; `--engine-only` builds only
// the engine; `--cli-only` builds only the command lines; `--outdir <dir>` writes to <dir>/scenarios,
// <dir>/engine and <dir>/cli instead of dist/… (the tests build into a temp folder this way).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values: args } = parseArgs({
  options: {
    'scenarios-only': { type: 'boolean', default: false },
    'engine-only': { type: 'boolean', default: false },
    'cli-only': { type: 'boolean', default: false },
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

/** The command lines bundled: dist/cli/<name>.mjs stands for <source>. */
const CLI_ENTRIES = {
  harness: 'harness/commands/harness.ts',
  nightly: 'harness/commands/nightly.ts',
  'k6-operator': 'harness/commands/k6-operator.ts',
  standin: 'standin/cli.ts',
};

/**
 * Each command line as one file, its packages included, for the tests, which start them hundreds of
 * times: a start costs about a third of one under the TypeScript loader, as Node reads one file
 * instead of hundreds. The bundle must behave as its sources do, so every `import.meta.url` in a
 * source becomes that source's own URL (the code finds templates, the baseline, the stand-in, the
 * engine and the built scenarios next to itself), `require` (for the CommonJS packages) resolves
 * from the entry's source, and process.argv[1] names that source (nightly.ts compares it with its own
 * URL to know it is the command). The engine code the harness imports takes the engine's sources as
 * its tree (engine/own-file.ts) and starts engine/bin.mjs as from the sources; the harness's bundle
 * starts the stand-in's bundle (harness/pipeline/standin-process.ts). The stamp file lists the
 * project's sources read (the packages through node_modules/.package-lock.json, which npm rewrites on
 * every install), with the moment the build read them as its time, so a test can tell when a bundle
 * is older than a source (test/helpers/cli.ts).
 */
async function buildCli() {
  const started = new Date();
  const outdir = join(args.outdir, 'cli');
  mkdirSync(outdir, { recursive: true });
  const inputs = new Set(['node_modules/.package-lock.json']);
  for (const [name, source] of Object.entries(CLI_ENTRIES)) {
    const entryUrl = pathToFileURL(resolve(source)).href;
    const result = await build({
      entryPoints: [source],
      outfile: join(outdir, `${name}.mjs`),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
      metafile: true,
      // Written below, each file whole at once: tests of a running suite may be starting it.
      write: false,
      banner: {
        js: [
          "import { createRequire as bundleCreateRequire } from 'node:module';",
          `const require = bundleCreateRequire(${JSON.stringify(entryUrl)});`,
          `process.argv[1] = ${JSON.stringify(resolve(source))};`,
          `globalThis[Symbol.for('connect-perf.standin-bundle')] = ${JSON.stringify(resolve(outdir, 'standin.mjs'))};`,
        ].join('\n'),
      },
      plugins: [
        {
          name: 'own-import-meta-url',
          setup(b) {
            b.onLoad({ filter: /\.ts$/ }, (file) => ({
              contents: readFileSync(file.path, 'utf8').replaceAll(
                'import.meta.url',
                JSON.stringify(pathToFileURL(file.path).href),
              ),
              loader: 'ts',
            }));
          },
        },
      ],
    });
    for (const file of result.outputFiles) {
      writeFileSync(`${file.path}.${process.pid}`, file.contents);
      renameSync(`${file.path}.${process.pid}`, file.path);
    }
    for (const input of Object.keys(result.metafile.inputs))
      if (!input.includes('node_modules/')) inputs.add(relative('.', resolve(input)));
  }
  const stamp = join(outdir, '.built');
  writeFileSync(`${stamp}.${process.pid}`, `${[...inputs].sort().join('\n')}\n`);
  utimesSync(`${stamp}.${process.pid}`, started, started);
  renameSync(`${stamp}.${process.pid}`, stamp);
}

if (args['cli-only']) {
  await buildCli();
  process.exit(0);
}
if (!args['scenarios-only']) await buildEngine();
if (args['engine-only']) process.exit(0);
if (!args['scenarios-only']) await buildCli();

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
