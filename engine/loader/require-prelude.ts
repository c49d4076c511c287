// k6's init-context `require()` (grafana/k6 internal/js/bundle.go sets a global `require`;
// js/modules/require_impl.go): a CommonJS module gives its `module.exports`, an ES module or a k6
// module its exports; outside the init context it throws. Node has no synchronous import, so in
// each script module every `require('<literal>')` of a path, URL or k6 module becomes an import in
// the module's prelude, and `require` a function that hands those out (../open.ts makes it). The
// required module's code thus runs before the requiring module's body rather than at the call. A
// name computed at run time, or one k6 cannot resolve either, throws when required. Both kinds of
// VU use this: the loader hooks (./hooks.ts) and the synchronous VUs' bundle (../sync/bundle.ts).
import { CJS_EXPORTS, REQUIRE_FACTORY } from '../open.ts';
import { isPathOrUrl } from './unsupported-module.ts';

/** Code that records `value` as a CommonJS module's `module.exports`. */
export function markCommonJsExports(value: string): string {
  return `(globalThis[Symbol.for(${JSON.stringify(CJS_EXPORTS)})]??=new WeakSet()).add(Object(${value}));`;
}

/**
 * k6 modules whose only export is one object (grafana/k6 `Exports()` returns a `Default` and no
 * `Named`: js/modules/k6/http/http.go, k6/execution, k6/html): for those k6's require() returns
 * that object (js/modules/require_impl.go, toESModuleExports), and it is the same object the
 * default import gives, writable. Tracing libraries (jslib http-instrumentation-tempo and
 * -pyroscope) replace `http.get` and the other methods on it so that the script's own calls carry
 * their headers.
 */
const DEFAULT_OBJECT_MODULES = new Set(['k6/http', 'k6/execution', 'k6/html']);

const CALL = /(?<![\w$.])(?:__)?require\s*\(/;
const LITERAL_CALL = /(?<![\w$.])(?:__)?require\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/**
 * One line of code to put after a script module that calls require() (empty when it does
 * not, or declares `require` itself). Comments are not read, and a file path is imported only
 * when `exists` finds the file (a missing one throws when required, as in k6, instead of failing
 * the module's load).
 */
export function requirePrelude(source: string, exists: (specifier: string) => boolean): string {
  if (!CALL.test(source) || declares(source, 'require')) return '';
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\])\/\/.*$/gm, '$1');
  const specs = [...new Set([...code.matchAll(LITERAL_CALL)].map((m) => m[2]))].filter(
    (spec) => /^k6(\/|$)/.test(spec) || (isPathOrUrl(spec) && exists(spec)),
  );
  const imports = specs.map((spec, i) => `import*as __k6_req${i} from${JSON.stringify(spec)};`).join('');
  // A k6 module k6 exports as one object: require() hands out that object itself, the one its
  // default import gives, so what a library assigns to it is what the script calls.
  const whole = specs
    .map((spec, i) => (DEFAULT_OBJECT_MODULES.has(spec) ? markCommonJsExports(`__k6_req${i}.default`) : ''))
    .join('');
  const table = specs.map((spec, i) => `${JSON.stringify(spec)}:__k6_req${i}`).join(',');
  // A function declaration, so that the prelude can stand after the module's code (its columns
  // then stay the script's own) and `require` still works from the module's first line; what it
  // needs is set up at its first call.
  return `${imports}function require(s){if(!__k6_require){${whole}__k6_require=globalThis[Symbol.for(${JSON.stringify(REQUIRE_FACTORY)})]({${table}})}return __k6_require(s)}var __k6_require;`;
}

/**
 * A CommonJS module that esbuild bundles (synchronous VUs, ../sync/bundle.ts) gets from
 * `require('k6/http')` a copy of the module's exports with read-only getters; this makes such a
 * call give the module's one object instead, as k6's require() does (DEFAULT_OBJECT_MODULES).
 */
export function requireWholeObjects(source: string): string {
  return source.replace(LITERAL_CALL, (call, _quote: string, spec: string) =>
    DEFAULT_OBJECT_MODULES.has(spec) && !call.startsWith('__') ? `(${call}.default)` : call,
  );
}

/**
 * Code to append to a CommonJS module that esbuild bundles (synchronous VUs): k6 makes a CommonJS
 * module's `exports.default`, when there is one, its default export (grafana/k6
 * js/modules/cjsmodule.go), while esbuild does so only for modules flagged `__esModule`; the flag
 * makes esbuild answer as k6 does.
 */
export const K6_CJS_DEFAULT =
  "\n;(function(m){if(m!==null&&(typeof m==='object'||typeof m==='function')&&'default' in m&&!m.__esModule)try{Object.defineProperty(m,'__esModule',{value:true})}catch{}})(module.exports);";

/**
 * Whether the module declares or imports `name` itself (then the prelude must not bind it);
 * `import { setTimeout as st }` and `const { setTimeout: st } = …` bind `st`, not `setTimeout`.
 */
export function declares(source: string, name: string): boolean {
  return new RegExp(
    `\\b(?:const|let|var|function|class)\\s+${name}\\b|import\\s*\\{[^}]*\\b${name}\\b(?!\\s+as\\b)[^}]*\\}|\\{[^}]*\\b${name}\\b(?!\\s*:)[^}]*\\}\\s*=[^=]`,
  ).test(source);
}

/**
 * The global names Node gives every module that k6's runtime does not have. k6 has the ECMAScript
 * built-ins of its JavaScript engine (sobek: no Intl, WeakRef, FinalizationRegistry,
 * SharedArrayBuffer, Atomics or WebAssembly) and its own globals: open, require, console, the four
 * timers, crypto, TextEncoder and TextDecoder, __VU, __ENV, __ITER and global (grafana/k6
 * internal/js/bundle.go, setupJSRuntime and registerGlobals; grafana/sobek builtin_global.go).
 */
export const NODE_ONLY_GLOBALS: readonly string[] = (
  'process Buffer setImmediate clearImmediate queueMicrotask structuredClone atob btoa fetch ' +
  'Request Response Headers FormData URL URLSearchParams Blob File AbortController AbortSignal ' +
  'Event EventTarget CustomEvent DOMException MessageChannel MessagePort MessageEvent ' +
  'BroadcastChannel performance Performance PerformanceEntry PerformanceMark ' +
  'PerformanceMeasure PerformanceObserver PerformanceObserverEntryList ' +
  'PerformanceResourceTiming Crypto CryptoKey SubtleCrypto ReadableStream ' +
  'ReadableStreamDefaultReader ReadableStreamBYOBReader ReadableStreamBYOBRequest ' +
  'ReadableByteStreamController ReadableStreamDefaultController TransformStream ' +
  'TransformStreamDefaultController WritableStream WritableStreamDefaultWriter ' +
  'WritableStreamDefaultController ByteLengthQueuingStrategy CountQueuingStrategy ' +
  'TextEncoderStream TextDecoderStream CompressionStream DecompressionStream Intl WeakRef ' +
  'FinalizationRegistry SharedArrayBuffer Atomics WebAssembly'
).split(' ');

/**
 * Declarations, put after a script module's code (hoisted, so its lines and columns stay its
 * own), that hide Node's globals k6 does not have (NODE_ONLY_GLOBALS): in the module
 * `typeof Buffer` is "undefined", as in k6, and a use fails the iteration (a TypeError where k6
 * throws a ReferenceError) instead of working, and `process.exit()` cannot end a thread. Only
 * for names the module's text contains, and not for a name it declares or imports itself (or
 * binds by array destructuring), which would then be declared twice.
 */
export function nodeGlobalsShadow(source: string): string {
  let out = '';
  for (const name of NODE_ONLY_GLOBALS) {
    if (!source.includes(name) || declares(source, name)) continue;
    // A default import, `* as name`, `x as name`, or an array destructuring that binds the name.
    const binds = `import\\s+${name}\\b|\\bas\\s+${name}\\b|\\[[^\\]]*\\b${name}\\b[^\\]]*\\]\\s*=[^=]`;
    if (new RegExp(binds).test(source)) continue;
    out += `var ${name}=void 0;`;
  }
  return out;
}
