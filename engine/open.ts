// The global `open(path, 'b'?)`: reads a file relative to the script, only in the init context.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface InitScope {
  scriptDir: string;
}

/** The global through which script modules get their `require` (../loader/require-prelude.ts). */
export const REQUIRE_FACTORY = 'k6-engine.require';
/** The global WeakSet of CommonJS modules' `module.exports` (require() returns those as they are). */
export const CJS_EXPORTS = 'k6-engine.cjs-exports';

let current: InitScope | null = null;
let installed = false;

/** Runs `init` with open() allowed for files relative to `scriptDir`. */
export async function inInitContext<T>(scriptDir: string, init: () => Promise<T>): Promise<T> {
  installOpen();
  const previous = current;
  current = { scriptDir };
  try {
    return await init();
  } finally {
    current = previous;
  }
}

/** The entry script's folder, for a call made in the init context (what k6 calls the bundle's pwd). */
export function initScriptDir(call: string): string {
  if (!current) throw new Error(`${call}() was called outside the init context.`);
  return current.scriptDir;
}

/** The file `path` names, relative to the script, for a call made in the init context. */
export function initPath(path: string, call: string): string {
  if (!current) {
    throw new Error(
      `${call}("${path}") was called outside the init context; call it at the top level of the script ` +
        'and keep the result in a variable.',
    );
  }
  // A file: URL, e.g. from import.meta.resolve(), as k6's open() takes it.
  if (path.startsWith('file:')) {
    try {
      return fileURLToPath(new URL(path.replace(/[?#].*$/, '')));
    } catch {
      throw new Error(`${call}("${path}"): not a file URL of this machine.`);
    }
  }
  return isAbsolute(path) ? path : resolve(current.scriptDir, path);
}

function open(path: string, mode?: string): string | ArrayBuffer {
  const file = initPath(path, 'open');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Error(`open("${path}"): cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  if (mode === 'b')
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return bytes.toString('utf8');
}

function installOpen(): void {
  if (installed) return;
  installed = true;
  Object.defineProperty(globalThis, 'open', { value: open, writable: true, configurable: true });
  Object.defineProperty(globalThis, Symbol.for(REQUIRE_FACTORY), { value: requireFor });
}

/**
 * The `require` of one script module (../loader/require-prelude.ts): `required` holds the
 * namespaces of the modules it names literally. As in k6 (grafana/k6 js/modules/require_impl.go),
 * a CommonJS module gives its `module.exports`, any other module its exports, and outside the
 * init context require() throws k6's sentence (grafana/k6 internal/js/initcontext.go).
 */
function requireFor(required: Record<string, Record<string, unknown>>) {
  return function require(specifier: string): unknown {
    if (!current) {
      throw new Error(
        'the "require" function is only available in the init stage (i.e. the global scope), see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more information',
      );
    }
    if (!Object.hasOwn(required, specifier)) {
      throw new Error(
        `require(${JSON.stringify(String(specifier))}): not found; the node engine can only require the existing files, URLs and k6 modules that this module's require() calls name by a string literal (require('./lib.js'))${NOT_HERE}`,
      );
    }
    const ns = required[specifier];
    const exported = ns.default;
    const marked = (globalThis as Record<symbol, WeakSet<object> | undefined>)[Symbol.for(CJS_EXPORTS)];
    if (
      exported !== null &&
      (typeof exported === 'object' || typeof exported === 'function') &&
      marked?.has(exported)
    ) {
      return exported;
    }
    return ns;
  };
}

const NOT_HERE = '; run this script with the k6 binary (--engine k6) for anything else.';
