// Module-loader hooks (run on Node's loader thread, registered by ./register.ts).
// A VU's copy of the script is imported as `file:///script.js?__run=R&__vu=N`. Every import made
// from such a module inherits that query, so each VU gets its own instance of every script module
// and of the k6 module facades. Script modules get one line of imports after their code (so that
// every line and column stays theirs) that shadows `__VU`, `__ITER`, `__ENV`, `console`, the
// timer functions, and `globalThis`/`global` (a view of the global object in which those names
// are the VU's) — those the module does not declare itself — with per-VU bindings, so they stay
// right across awaits without any async-context tracking on the hot path.
//
// User scripts are resolved here as k6 resolves them (fully specified relative paths and URLs),
// never by the TypeScript loader the engine itself may run under: `./lib.js` is lib.js even when a
// lib.ts sits next to it. `.ts` files are type-stripped with esbuild, as k6 ≥ 0.57 does.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { runInNewContext } from 'node:vm';
import type { MessagePort } from 'node:worker_threads';
import { builtinImportsAsBindings } from './builtin-imports.ts';
import { remoteSource } from './remote.ts';
import { declares, markCommonJsExports, nodeGlobalsShadow, requirePrelude } from './require-prelude.ts';
import { isPathOrUrl, unknownSpecifier, unsupportedModule } from './unsupported-module.ts';

interface LoaderData {
  /** `k6/http` → file URL of the engine's facade module. */
  modules: Record<string, string>;
  /** Files under this URL (the engine itself) are never given the per-VU prelude. */
  engineUrl: string;
  /** Receives each run's settings (./register.ts configureLoader) before its script is imported. */
  port: MessagePort;
}

/** What a run tells the loader. */
export interface RunLoaderSettings {
  runId: string;
  moduleCache: string;
}

let modules: Record<string, string> = {};
let engineUrl = '';
const sourceCache = new Map<string, string>();
const runSettings = new Map<string, RunLoaderSettings>();
const settingsWaiters = new Map<string, Array<(s: RunLoaderSettings) => void>>();

export function initialize(data: LoaderData): void {
  modules = data.modules;
  engineUrl = data.engineUrl;
  data.port.on('message', (settings: RunLoaderSettings) => {
    runSettings.set(settings.runId, settings);
    for (const wake of settingsWaiters.get(settings.runId) ?? []) wake(settings);
    settingsWaiters.delete(settings.runId);
  });
  data.port.unref();
}

/** The settings of the run a VU URL belongs to (sent just before its first import). */
function settingsOf(url: string): Promise<RunLoaderSettings> {
  const runId = /[?&]__run=([^&#]*)/.exec(url)?.[1] ?? '';
  const known = runSettings.get(runId);
  if (known) return Promise.resolve(known);
  return new Promise((resolve) => {
    const waiters = settingsWaiters.get(runId) ?? [];
    waiters.push(resolve);
    settingsWaiters.set(runId, waiters);
  });
}

/** The VU parameters (`__run=R&__vu=N`) of a module URL, or null for a module outside any VU. */
function vuQuery(url: string | undefined): string | null {
  if (!url) return null;
  const q = url.indexOf('?');
  if (q < 0) return null;
  const params = url.slice(q + 1).match(/(?:^|&)__(?:run|vu)=[^&#]*/g);
  return params ? params.map((p) => p.replace(/^&/, '')).join('&') : null;
}

/** An error whose only stack line is the importing script, so the engine reports where it came from. */
function scriptError(message: string, parentURL: string | undefined): Error {
  const err = new Error(message);
  err.stack = `Error: ${message}${parentURL ? `\n    at ${parentURL}` : ''}`;
  return err;
}

/** k6's sentence for an import of a local file that is not there. */
function missingModule(specifier: string): string {
  return (
    `The moduleSpecifier "${specifier}" couldn't be found on local disk. Make sure that you've specified ` +
    "the right path to the file. If you're running k6 using the Docker image make sure you have mounted " +
    'the local directory (-v /local/path/:/inside/docker/path) containing your script and modules so ' +
    "that they're accessible by k6 from inside of the container, see " +
    'https://grafana.com/docs/k6/latest/using-k6/modules/#use-modules-with-docker.'
  );
}

function withQuery(url: string, query: string): string {
  const q = url.indexOf('?');
  return `${q < 0 ? url : url.slice(0, q)}?${query}`;
}

const VU_PARAMS = /[?&]__(?:run|vu)=[^&#]*/g;

/** A remote URL keeps its own query; the VU's parameters are appended to it. */
function remoteWithQuery(url: string, query: string): string {
  const plain = remotePlain(url);
  return `${plain}${plain.includes('?') ? '&' : '?'}${query}`;
}

/** A remote module URL without the VU's parameters: what is downloaded and cached. */
function remotePlain(url: string): string {
  const plain = url.replace(VU_PARAMS, '');
  return plain.includes('?') || !plain.includes('&') ? plain : plain.replace('&', '?');
}

/** A file with an extension that is not a script's (k6 imports JavaScript and TypeScript modules). */
const DATA_FILE = /\.(?![cm]?[jt]s$|[jt]sx$)[^./]+$/i;

const isRemote = (url: string) => /^https?:\/\//i.test(url);
const isPath = (specifier: string) => /^(\.{1,2}\/|\/|file:)/.test(specifier);

type Resolve = (
  specifier: string,
  context: { parentURL?: string },
) => Promise<{ url: string; format?: string }>;

export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  nextResolve: Resolve,
): Promise<{ url: string; format?: string; shortCircuit?: boolean }> {
  // The entry script, imported by the engine with its VU query.
  if (specifier.startsWith('file:') && vuQuery(specifier) !== null) {
    return { url: specifier, format: 'module', shortCircuit: true };
  }
  const query = vuQuery(context.parentURL);
  if (query === null) return nextResolve(specifier, context);
  if (specifier === 'k6' || specifier.startsWith('k6/')) {
    const target = modules[specifier];
    if (!target)
      throw scriptError(
        unsupportedModule(
          specifier,
          Object.keys(modules).filter((m) => !m.includes('x-engine')),
        ),
        context.parentURL,
      );
    return { url: `${target}?${query}`, format: 'module', shortCircuit: true };
  }
  if (isRemote(specifier))
    return { url: remoteWithQuery(specifier, query), format: 'module', shortCircuit: true };
  if (isRemote(context.parentURL ?? '') && isPath(specifier)) {
    const url = new URL(specifier, remotePlain(context.parentURL ?? '')).href;
    return { url: remoteWithQuery(url, query), format: 'module', shortCircuit: true };
  }
  if (isPath(specifier) && (context.parentURL ?? '').startsWith('file:')) {
    const url = new URL(specifier, context.parentURL).href;
    if (url.startsWith(engineUrl)) return nextResolve(specifier, context);
    // import.meta.resolve('./data.csv') comes here too: a file that is not a script keeps its
    // plain URL, as k6 returns it (and as open() takes it).
    if (DATA_FILE.test(new URL(url).pathname)) return { url, shortCircuit: true };
    // k6 takes the path as written (no extension or index.js is tried) and names the specifier
    // the script wrote (grafana/k6 internal/loader/loader.go).
    if (!existsSync(new URL(url))) throw scriptError(missingModule(specifier), context.parentURL);
    return { url: withQuery(url, query), format: 'module', shortCircuit: true };
  }
  // A script (not an engine module) importing a Node.js built-in or a package: k6 cannot.
  if (!isPathOrUrl(specifier) && !(context.parentURL ?? '').startsWith(engineUrl))
    throw scriptError(unknownSpecifier(specifier), context.parentURL);
  const resolved = await nextResolve(specifier, context);
  const own = resolved.url.startsWith(engineUrl) || resolved.url.includes('/node_modules/');
  if (resolved.url.startsWith('file:') && !own) {
    return { ...resolved, url: withQuery(resolved.url, query) };
  }
  return resolved;
}

type Load = (
  url: string,
  context: object,
) => Promise<{ format?: string; source?: string | ArrayBuffer | Uint8Array }>;

export async function load(
  url: string,
  context: { format?: string },
  nextLoad: Load,
): Promise<{ format?: string; source?: string | ArrayBuffer | Uint8Array; shortCircuit?: boolean }> {
  const query = vuQuery(url);
  if (query === null || url.startsWith(engineUrl)) return nextLoad(url, context);
  if (isRemote(url)) {
    const plain = remotePlain(url);
    const { moduleCache } = await settingsOf(url);
    let source = sourceCache.get(plain);
    if (source === undefined) {
      try {
        source = await esModuleOf(await remoteSource(plain, moduleCache), plain);
      } catch (err) {
        throw scriptError((err as Error).message, plain);
      }
      sourceCache.set(plain, source);
    }
    return {
      format: 'module',
      source: withPrelude(builtinImportsAsBindings(source, modules), plain),
      shortCircuit: true,
    };
  }
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const plain = url.slice(0, url.indexOf('?'));
  let source = sourceCache.get(plain);
  if (source === undefined) {
    source = await readFile(new URL(plain), 'utf8');
    if (/\.[mc]?ts$/.test(plain)) source = await stripTypes(source, new URL(plain).pathname);
    source = await esModuleOf(source, new URL(plain).pathname);
    sourceCache.set(plain, source);
  }
  return {
    format: 'module',
    source: withPrelude(builtinImportsAsBindings(source, modules), plain),
    shortCircuit: true,
  };
}

/**
 * k6 also loads CommonJS modules (jslib serves many libraries as UMD or CommonJS bundles): such a
 * module becomes an ES module whose default export is its `module.exports` and whose named exports
 * are the names it assigns to `exports` (found the way Node finds them, with cjs-module-lexer), so
 * `import { textSummary } from '…/k6-summary/0.0.2/index.js'` works as in k6. ES modules are left
 * as they are.
 */
async function esModuleOf(source: string, path: string): Promise<string> {
  // A cheap first look; esbuild's answer below (does it wrap the module?) decides. Webpack's
  // library output hands `exports` to a function (`}(exports, …)`, jslib url 1.0.0).
  if (
    !/\b(module\.exports|exports\.\w|exports\[|require\s*\()|=\s*exports\b|[(,]\s*exports\s*[,)]/.test(source)
  )
    return source;
  const { transform } = await import('esbuild');
  let out: string;
  try {
    out = (await transform(source, { loader: 'js', format: 'esm', target: 'esnext', sourcefile: path })).code;
  } catch {
    // Not parseable as a script either: Node's own error for the original source says more.
    return source;
  }
  const tail = out.lastIndexOf('export default ');
  if (!out.includes('__commonJS(') || tail < 0) return source;
  let names = await cjsExportNames(source);
  if (names.length === 0) names = evaluatedExportNames(source);
  names = names.filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
  const value = out.slice(tail + 'export default '.length).replace(/;\s*$/, '');
  // k6's default import of a CommonJS module is its `exports.default` when that exists, else
  // `module.exports` itself (grafana/k6 js/modules/cjsmodule.go, GetBindingValue): esbuild- and
  // Babel-made bundles such as k6chaijs 4.3.4.2+ put the library there.
  const defaultExport = "('default' in Object(__k6_cjs) ? __k6_cjs.default : __k6_cjs)";
  return (
    `${out.slice(0, tail)}const __k6_cjs = ${value};\nexport default ${defaultExport};\n${markCommonJsExports('__k6_cjs')}\n` +
    (names.length > 0 ? `export const { ${names.join(', ')} } = __k6_cjs;\n` : '')
  );
}

/**
 * The keys of `module.exports` after running the module once in an empty context, for bundles
 * whose exports no lexer can see (webpack's `var r = exports; for (var k in lib) r[k] = lib[k]`,
 * as k6-reporter 2.x ships). k6 resolves every named import of a CommonJS module against its
 * exports object at run time (grafana/k6 js/modules/cjsmodule.go), so `import { htmlReport }`
 * works there. Only the names are kept; a module that needs more than plain JavaScript and inert
 * required modules to run (__ENV, open()) throws here and keeps the lexer's answer.
 */
function evaluatedExportNames(source: string): string[] {
  const module = { exports: {} as Record<string, unknown> };
  try {
    // k6's `global` (its default "extended" compatibility mode aliases it to globalThis) is there,
    // and require() hands out an inert stand-in: bundles that require k6 modules at their top
    // (k6-utils 1.3.0+, k6chaijs) only keep what they get for later.
    const context: Record<string, unknown> = {};
    context.global = context;
    const fn = runInNewContext(`(function (module, exports, require) {\n${source}\n})`, context, {
      timeout: 2000,
    });
    fn(module, module.exports, () => inert());
    const value = module.exports;
    return value !== null && typeof value === 'object' ? Object.keys(value) : [];
  } catch {
    return [];
  }
}

/** A value any property read, call or `new` of which gives itself: stands in for a required module. */
function inert(): unknown {
  // A function expression, not an arrow: only those can be the target of `new`.
  const self: unknown = new Proxy(function stub() {}, {
    get: (_target, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => '' : self),
    apply: () => self,
    construct: () => self as object,
  });
  return self;
}

async function cjsExportNames(source: string): Promise<string[]> {
  const lexer = (await import('cjs-module-lexer')) as unknown as {
    init?: () => Promise<void>;
    parse(source: string): { exports: string[] };
  };
  await lexer.init?.();
  try {
    return [...new Set(lexer.parse(source).exports)];
  } catch {
    return [];
  }
}

/** TypeScript to JavaScript as k6 does it: types stripped file by file, ES modules kept, no checks. */
async function stripTypes(source: string, path: string): Promise<string> {
  const { transform } = await import('esbuild');
  try {
    const out = await transform(source, {
      loader: 'ts',
      format: 'esm',
      target: 'esnext',
      platform: 'neutral',
      sourcefile: path,
      sourcemap: 'inline',
    });
    return out.code;
  } catch (err) {
    // A compile error as V8 gives one (no frame): the engine locates it (./syntax-location.ts).
    const first = (err as { errors?: Array<{ text: string }> }).errors?.[0];
    const e = new SyntaxError(first?.text ?? (err as Error).message);
    e.stack = `SyntaxError: ${e.message}`;
    throw e;
  }
}

const TIMERS = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'];

/**
 * Whether a path or URL a module requires names something to import: a file that exists (next to
 * a file module), or any URL (a remote module's own relative paths are URLs too).
 */
function requiredExists(specifier: string, moduleUrl: string): boolean {
  let target: URL;
  try {
    target = new URL(specifier, moduleUrl);
  } catch {
    return false;
  }
  return target.protocol === 'file:' ? existsSync(target) : /^https?:$/.test(target.protocol);
}

function withPrelude(source: string, moduleUrl: string): string {
  const globals = [...TIMERS, 'globalThis', 'global'].filter((name) => !declares(source, name));
  const names = ['__VU', '__ENV', 'console', ...globals].join(',');
  // `__ITER` only where the module's text names it: the VU then updates no binding at each iteration.
  const iter = source.includes('__ITER') ? 'import{__ITER}from"k6/x-engine-iter";' : '';
  const prelude = `import{${names}}from"k6/x-engine-context";${iter}${requirePrelude(source, (spec) => requiredExists(spec, moduleUrl))}${nodeGlobalsShadow(source)}`;
  // After the module's code, on a line of its own: imports and function declarations are hoisted,
  // and every line and column of an error's stack stays the script's own.
  return `${source}\n;${prelude}`;
}
