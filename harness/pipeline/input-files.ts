// Files and folders named on the command line, checked before anything starts: an input must be
// a regular file of a bounded size (never a FIFO, a device such as /dev/zero, or a folder), and an
// output folder must be a folder (or creatable as one). Each problem is one sentence (exit 2).
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export class InputError extends Error {
  override name = 'InputError';
}

/** How large each kind of input may be. */
export const INPUT_LIMITS = {
  /** fixtures/baseline.json is a few hundred bytes. */
  baseline: 1 << 20,
  /** One JSON line per nightly run. */
  history: 64 << 20,
} as const;

function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(bytes < 1 << 20 ? 1 : 0)} MiB`;
}

/** Throws InputError unless `path` is a readable regular file of at most `maxBytes`. */
export async function checkInputFile(
  path: string,
  maxBytes: number,
  what: string,
  options: { mayBeMissing?: boolean } = {},
): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.mayBeMissing) return;
    throw new InputError(
      `${what} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
    );
  }
  if (!info.isFile()) {
    const kind = info.isDirectory()
      ? 'a folder'
      : info.isFIFO()
        ? 'a pipe'
        : info.isCharacterDevice() || info.isBlockDevice()
          ? 'a device'
          : 'not a regular file';
    throw new InputError(`${what} ${path} is ${kind}; give a regular file.`);
  }
  if (info.size > maxBytes) {
    throw new InputError(
      `${what} ${path} is ${mib(info.size)}, more than such a file can be (${mib(maxBytes)}); check the path.`,
    );
  }
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new InputError(`${what} ${path} is not readable.`);
  }
}

/** Throws InputError unless `path` is a writable folder, or can be created as one. */
export async function checkOutputFolder(path: string, what: string): Promise<void> {
  let current = resolve(path);
  for (;;) {
    try {
      const info = await stat(current);
      if (!info.isDirectory()) {
        throw new InputError(
          current === resolve(path)
            ? `${what} ${path} is a file, not a folder; give a folder (it is created when missing).`
            : `${what} ${path} cannot be created: ${current} is a file, not a folder.`,
        );
      }
      try {
        await access(current, constants.W_OK);
      } catch {
        throw new InputError(`${what} ${path} cannot be written: ${current} is not writable.`);
      }
      return;
    } catch (error) {
      if (error instanceof InputError) throw error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new InputError(
          `${what} ${path} cannot be used (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
        );
      }
      const parent = dirname(current);
      if (parent === current) return;
      current = parent;
    }
  }
}
