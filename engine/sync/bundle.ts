// Builds, once per run, the code synchronous VU threads run: the thread's own code and the script
// with its imports in one ES module graph (k6 names resolved to ./modules/, remote modules read
// through the module cache, `.ts` type-stripped). Plain JavaScript starts a thread in tens of
// milliseconds, where registering loader hooks in every thread would take about a second each.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { builtinImportsAsBindings } from '../loader/builtin-imports.ts';
import { MODULES } from '../loader/register.ts';
import { remoteSource } from '../loader/remote.ts';
import {
  declares,
  K6_CJS_DEFAULT,
  markCommonJsExports,
  nodeGlobalsShadow,
  requirePrelude,
  requireWholeObjects,
} from '../loader/require-prelude.ts';
import { isPathOrUrl, unknownSpecifier, unsupportedModule } from '../loader/unsupported-module.ts';
import { ownFile } from '../own-file.ts';
import { defaultModuleCache, type RunSettings } from '../run-settings.ts';

/**
 * The k6 modules map as ../loader/register.ts MODULES says, with ../modules/module-vu.ts replaced
 * by ./module-vu.ts (what a module asks of a synchronous VU). Only the jslib notice differs here.
 */
const SYNC_OWN: Readonly<Record<string, string>> = {
  'k6/x-engine-jslib': '../jslib/notice-sync.ts',
};

const GLOBAL_MODULE = 'k6/x-engine-global';

/** The modules a synchronous VU can import: k6 name → engine file URL. */
export const SYNC_MODULES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(MODULES)
    .filter(([name]) => name !== 'k6/x-engine-context' && name !== 'k6/x-engine-iter')
    .map(([name, file]) => [name, ownFile(SYNC_OWN[name] ?? `../modules/${file}`, import.meta.url).href])
    .concat([[GLOBAL_MODULE, ownFile('./global.ts', import.meta.url).href]]),
);

/** The name ownImportMeta() gives ./global.ts importMetaResolve in a script module. */
const META_RESOLVE = '__k6_meta_resolve';

/**
 * `globalThis` and `global` as a synchronous VU's script modules see them, and what
 * ownImportMeta() calls (./global.ts): not Node's `URL`, which the module does not see.
 */
function globalBindings(source: string): string {
  const names = ['globalThis', 'global'].filter((name) => !declares(source, name));
  if (source.includes(META_RESOLVE)) names.push(`importMetaResolve as ${META_RESOLVE}`);
  return names.length > 0 ? `import{${names.join(',')}}from"${GLOBAL_MODULE}";` : '';
}

/** The module every k6 module asks for its VU, and this thread's answer to it. */
const ASYNC_MODULE_VU = fileURLToPath(ownFile('../modules/module-vu.ts', import.meta.url));
const SYNC_MODULE_VU = fileURLToPath(ownFile('./module-vu.ts', import.meta.url));

export interface SyncBundle {
  /** The thread's entry module. */
  entry: URL;
  /** The script's module, imported by the entry once the VU's globals are in place. */
  script: string;
  /** Whether the script imports k6/http (the hub then loads the HTTP client before the test starts). */
  usesHttp: boolean;
}

const isRemote = (s: string) => /^https?:\/\//i.test(s);
/** A module written as an ES module (a line that starts with import or export). */
const ESM_SYNTAX = /^\s*(?:import|export)\b/m;
/** A CommonJS module (it sets module.exports or exports.x). */
const CJS_SYNTAX = /\b(?:module\.exports|exports\.\w|exports\[)/;

function k6Modules(moduleCache: string, imported: Set<string>): Plugin {
  return {
    name: 'k6-sync-modules',
    setup(build) {
      build.onResolve({ filter: /^k6(\/|$)/ }, (args) => {
        imported.add(args.path);
        const file = SYNC_MODULES[args.path];
        if (!file) {
          const text =
            args.path in MODULES
              ? `the module "${args.path}" is not available to synchronous VUs yet`
              : unsupportedModule(args.path, Object.keys(SYNC_MODULES));
          return { errors: [{ text }] };
        }
        return { path: fileURLToPath(file) };
      });
      build.onResolve({ filter: /module-vu\.(ts|mjs)$/ }, (args) =>
        args.resolveDir && resolve(args.resolveDir, args.path) === ASYNC_MODULE_VU
          ? { path: SYNC_MODULE_VU }
          : undefined,
      );
      build.onResolve({ filter: /.*/ }, (args) => {
        if (isRemote(args.path)) return { path: args.path, namespace: 'remote' };
        // A script (not an engine module) importing a Node.js built-in or a package: k6 cannot.
        if (
          args.kind !== 'entry-point' &&
          !isPathOrUrl(args.path) &&
          isScriptFile(args.importer, args.namespace)
        )
          return { errors: [{ text: unknownSpecifier(args.path) }] };
        if (args.namespace === 'remote')
          return { path: new URL(args.path, args.importer).href, namespace: 'remote' };
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'remote' }, async (args) => {
        let source = builtinImportsAsBindings(await remoteSource(args.path, moduleCache), MODULES);
        const esm = ESM_SYNTAX.test(source);
        if (!esm && CJS_SYNTAX.test(source)) source = requireWholeObjects(source) + K6_CJS_DEFAULT;
        // After the module's code (a hoisted `var`), so that its first line's columns stay its own.
        const shadow = (esm ? globalBindings(source) : '') + nodeGlobalsShadow(source);
        return { contents: shadow ? `${source}\n;${shadow}` : source, loader: 'js' };
      });
      // The script's own files: the same shadow of Node's globals and require() as async VUs' prelude
      // (after the code, so lines and columns do not move), and a named import a k6 module does
      // not export is undefined, as in k6.
      build.onLoad({ filter: /\.(?:[cm]?js|[cm]?ts)$/ }, async (args) => {
        if (!isScriptFile(args.path, args.namespace)) return undefined;
        const original = await readFile(args.path, 'utf8');
        let source = ownImportMeta(builtinImportsAsBindings(original, MODULES), args.path);
        // k6's init-context require(), as on async VUs (../loader/require-prelude.ts): an ES
        // module gets its `require`; a CommonJS module (esbuild wraps it and resolves its own
        // requires) marks its `module.exports` so that require() hands it out as it is.
        const esm = /\.[cm]?ts$/.test(args.path) || ESM_SYNTAX.test(source);
        const commonJs = !esm && CJS_SYNTAX.test(source);
        if (commonJs)
          source = `${requireWholeObjects(source)}${K6_CJS_DEFAULT}\n;${markCommonJsExports('module.exports')}`;
        const exists = (spec: string) =>
          !/^https?:/i.test(spec) &&
          existsSync(spec.startsWith('file:') ? fileURLToPath(spec) : resolve(dirname(args.path), spec));
        const shadow =
          (esm ? requirePrelude(source, exists) + globalBindings(source) : '') + nodeGlobalsShadow(source);
        if (!shadow && source === original) return undefined;
        // After the module's code (hoisted declarations only), so that its columns stay its own.
        const contents = shadow ? `${source}\n;${shadow}` : source;
        return { contents, loader: /ts$/.test(args.path) ? 'ts' : 'js' };
      });
    },
  };
}

const ENGINE_DIR = fileURLToPath(new URL('../', import.meta.url));

/**
 * A script module keeps its own `import.meta.url` and `import.meta.resolve()` in the build (esbuild
 * would give it the bundle's location in a temporary folder): `open(import.meta.resolve('./a.csv'))`
 * reads the file next to the module, as in k6 and on async VUs. Same lines, so line numbers stay.
 */
function ownImportMeta(source: string, path: string): string {
  if (!source.includes('import.meta')) return source;
  const url = JSON.stringify(pathToFileURL(path).href);
  return source
    .replaceAll('import.meta.resolve', `((s) => ${META_RESOLVE}(s, ${url}))`)
    .replaceAll('import.meta.url', url);
}

/** A file of the user's script (or a remote module), not the engine's own code nor a package. */
function isScriptFile(path: string, namespace: string): boolean {
  if (namespace === 'remote') return true;
  return (
    namespace === 'file' && path !== '' && !path.startsWith(ENGINE_DIR) && !path.includes('/node_modules/')
  );
}

/**
 * Engine modules keep their own `import.meta.url` in the build (esbuild would give them the
 * bundle's, in a temporary folder), so that `createRequire(import.meta.url)` still finds the
 * engine's packages (js-md4, cheerio: loaded from node_modules, on first use, not bundled).
 */
function engineLocations(): Plugin {
  return {
    name: 'engine-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => {
        if (!args.path.startsWith(ENGINE_DIR)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const url = JSON.stringify(pathToFileURL(args.path).href);
        return {
          contents: source.replaceAll('import.meta.url', url),
          loader: args.path.endsWith('.ts') ? 'ts' : 'js',
        };
      });
    },
  };
}

/** Where a run's build goes: the main thread removes it at the end even when it ended the VU thread. */
export function syncBundleDir(runId: string): string {
  return join(tmpdir(), `connect-perf-sync-${process.pid}-${runId}`);
}

export async function buildSyncBundle(
  runId: string,
  scriptPath: string,
  settings: RunSettings,
): Promise<SyncBundle> {
  const { build } = await import('esbuild');
  const outdir = syncBundleDir(runId);
  await mkdir(outdir, { recursive: true });
  const imported = new Set<string>();
  const result = await build({
    entryPoints: {
      'vu-thread': fileURLToPath(ownFile('./vu-thread.ts', import.meta.url)),
      script: scriptPath,
    },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    outExtension: { '.js': '.mjs' },
    // Errors a script throws name its own files and lines, as k6's do (the VU thread turns Node's
    // source-map support on before it imports the script).
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'silent',
    plugins: [k6Modules(resolve(settings.moduleCache ?? defaultModuleCache()), imported), engineLocations()],
  });
  if (result.errors.length > 0) {
    await rm(outdir, { recursive: true, force: true });
    throw new Error(result.errors[0].text);
  }
  return {
    entry: pathToFileURL(join(outdir, 'vu-thread.mjs')),
    script: pathToFileURL(join(outdir, 'script.mjs')).href,
    usesHttp: imported.has('k6/http'),
  };
}
