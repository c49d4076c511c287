// The engine runs either from its TypeScript sources (engine/…/*.ts, under a TypeScript loader) or
// from its build (dist/engine/…/*.mjs, made by `npm run build`; see esbuild.config.mjs and
// bin.mjs). A file the engine names at run time (a worker's entry, the loader hooks, a k6 module)
// is taken from the same tree as the code that names it.

/** Whether this code runs from the build rather than from the sources. */
export const BUILT = import.meta.url.endsWith('.mjs');

/** The engine file at `path` (written as in the sources, `….ts`) relative to `base` (an import.meta.url). */
export function ownFile(path: string, base: string): URL {
  return new URL(BUILT ? path.replace(/\.ts$/, '.mjs') : path, base);
}
