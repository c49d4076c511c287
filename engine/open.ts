// The global `open(path, 'b'?)`: reads a file relative to the script, only in the init context.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface InitScope {
  scriptDir: string;
}

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
}
