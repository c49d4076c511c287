// The sentence for a k6 module the engine does not have, for both kinds of VU.

/** Why a k6 module is missing here, in one sentence that names it and the way out. */
export function unsupportedModule(specifier: string, modules: string[]): string {
  const useK6 = 'Run this script with the k6 binary (--engine k6) instead.';
  if (/^k6\/(ws|websockets|experimental\/websockets)$/.test(specifier))
    return `The module "${specifier}" (WebSockets) is not supported by the node engine. ${useK6}`;
  if (/^k6\/(net\/grpc|experimental\/grpc)$/.test(specifier))
    return `The module "${specifier}" (gRPC) is not supported by the node engine. ${useK6}`;
  if (/^k6\/(experimental\/)?browser$/.test(specifier))
    return `The module "${specifier}" (browser testing) is not supported by the node engine. ${useK6}`;
  if (specifier.startsWith('k6/x/'))
    return `The module "${specifier}" is an xk6 extension; the node engine cannot load extensions. Run this script with a k6 binary built with that extension (--engine k6) instead.`;
  const supported = modules.join(', ');
  if (specifier.startsWith('k6/experimental/'))
    return `The module "${specifier}" is not supported by the node engine (it supports ${supported}). ${useK6}`;
  return `The module "${specifier}" is not a k6 module the node engine knows (it supports ${supported}). ${useK6}`;
}

/**
 * The sentence for an import that is neither a k6 module, a file path nor a URL: a Node.js
 * built-in (`node:fs`, `child_process`) or an npm package. k6 resolves only k6 modules, paths and
 * https/file URLs (grafana/k6 internal/loader/loader.go, Resolve) and refuses anything else when
 * the script loads, so a script that runs here runs on k6 too.
 */
export function unknownSpecifier(specifier: string): string {
  return (
    `The module "${specifier}" cannot be imported: k6 scripts have no Node.js built-in modules or npm packages. ` +
    'Import k6 modules (k6/http, k6/metrics …), files by relative or absolute path, or https URLs.'
  );
}

/** Whether an import names a file or a URL (anything else but k6 modules is refused in scripts). */
export const isPathOrUrl = (specifier: string): boolean =>
  /^(\.{1,2}\/|\/|file:|https?:\/\/)/i.test(specifier);

/**
 * Scripts see no `process` (k6 has none): one declaration put in front of each script module
 * shadows Node's global there, so `typeof process` is "undefined" and `process.exit()` fails the
 * iteration instead of ending a thread. Not added when the module declares the name itself.
 */
export function processShadow(source: string): string {
  return /\b(?:const|let|var|function|class)\s+process\b|import\s[^;]*\bprocess\b/.test(source)
    ? ''
    : 'var process=void 0;';
}
