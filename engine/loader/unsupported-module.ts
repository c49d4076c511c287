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
