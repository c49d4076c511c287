// `globalThis` and k6's `global` for a synchronous VU's script modules (./bundle.ts binds them
// after each module's code): the thread's global object, on which the VU's names are plain
// globals, without Node's globals that k6 does not have.
import { scriptGlobalView } from '../loader/global-view.ts';

const view = scriptGlobalView(globalThis);

export { view as globalThis, view as global };

/** `import.meta.resolve(specifier)` of the module at `base` (./bundle.ts ownImportMeta). */
export function importMetaResolve(specifier: string, base: string): string {
  return new URL(specifier, base).href;
}
