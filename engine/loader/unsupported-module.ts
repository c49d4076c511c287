// The sentence for a k6 module the engine does not have, for both kinds of VU.

/**
 * The experimental modules k6 itself no longer has: importing one throws this error in k6's init
 * context, in k6's words (grafana/k6 internal/js/jsmodules.go, `newRemovedModule`), so a script
 * that imports one fails here as it fails on k6 (k6/experimental/grpc since v0.51,
 * k6/experimental/timers since v0.54, k6/experimental/tracing since v0.55,
 * k6/experimental/browser since v0.57, k6/experimental/webcrypto since v1.1,
 * k6/experimental/redis since v2.0).
 */
export const REMOVED_MODULES: Readonly<Record<string, string>> = {
  'k6/experimental/redis':
    "k6/experimental/redis has been removed. Please migrate to the new version by changing your import to 'k6/x/redis'. Read more here: https://grafana.com/docs/k6/latest/javascript-api/k6-x-redis",
  'k6/experimental/browser':
    'k6/experimental/browser has been graduated, please use k6/browser instead.Please update your imports to use k6/browser instead of k6/experimental/browser, For more information, see the migration guide at the link: https://grafana.com/docs/k6/latest/using-k6-browser/migrating-to-k6-v0-52/',
  'k6/experimental/grpc':
    'k6/experimental/grpc has been graduated, please use k6/net/grpc instead. See https://grafana.com/docs/k6/latest/javascript-api/k6-net-grpc/ for more information.',
  'k6/experimental/timers':
    "k6/experimental/timers has been graduated, and it's now globally available as defined by standard WebAPIs. You just need to remove the import.",
  'k6/experimental/tracing':
    'k6/experimental/tracing has been removed. All of it functionality is available as pure JavaScript module. More info available at the docs: https://grafana.com/docs/k6/latest/javascript-api/jslib/http-instrumentation-tempo',
  'k6/experimental/webcrypto':
    "k6/experimental/webcrypto has been graduated and it's now globally available as defined by standard WebAPIs. You just need to remove the import.",
};

/** Why a k6 module is missing here, in one sentence that names it and the way out. */
export function unsupportedModule(specifier: string, modules: string[]): string {
  const removed = REMOVED_MODULES[specifier];
  if (removed) return removed;
  const useK6 = 'Run this script with the k6 binary (--engine k6) instead.';
  if (/^k6\/(ws|websockets|experimental\/websockets)$/.test(specifier))
    return `The module "${specifier}" (WebSockets) is not supported by the node engine. ${useK6}`;
  if (specifier === 'k6/net/grpc')
    return `The module "${specifier}" (gRPC) is not supported by the node engine. ${useK6}`;
  if (specifier === 'k6/browser')
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
