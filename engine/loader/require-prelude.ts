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
  const table = specs.map((spec, i) => `${JSON.stringify(spec)}:__k6_req${i}`).join(',');
  // A function declaration, so that the prelude can stand after the module's code (its columns
  // then stay the script's own) and `require` still works from the module's first line.
  return `${imports}function require(s){return(__k6_require??=globalThis[Symbol.for(${JSON.stringify(REQUIRE_FACTORY)})]({${table}}))(s)}var __k6_require;`;
}

/** Whether the module declares or imports `name` itself (then the prelude must not bind it). */
export function declares(source: string, name: string): boolean {
  return new RegExp(
    `\\b(?:const|let|var|function|class)\\s+${name}\\b|import\\s*\\{[^}]*\\b${name}\\b[^}]*\\}|\\{[^}]*\\b${name}\\b[^}]*\\}\\s*=[^=]`,
  ).test(source);
}
