// `import { open, SeekMode } from 'k6/experimental/fs'`: read-only files opened in the init
// context, as k6 documents them. The bytes of a path are read once and shared by the VUs of a
// thread; each open() gets its own position, so one VU's read or seek does not move another's.
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { initPath } from '../open.ts';

export const SeekMode = Object.freeze({ Start: 0, Current: 1, End: 2 });

// Each VU has its own instance of this module (and k6/experimental/csv its own import of it), so
// what must be common to them lives on the thread's global object.
const STORE = Symbol.for('connect-perf-engine.fs-files');
const holder = globalThis as unknown as Record<
  symbol,
  { loaded: Map<string, Uint8Array>; bytesOf: WeakMap<object, Uint8Array> }
>;
holder[STORE] ??= { loaded: new Map(), bytesOf: new WeakMap() };
const { loaded, bytesOf } = holder[STORE];

export class File {
  /** The absolute path of the file. */
  readonly path: string;
  #offset = 0;

  constructor(path: string, bytes: Uint8Array) {
    this.path = path;
    bytesOf.set(this, bytes);
  }

  async stat(): Promise<{ name: string; size: number }> {
    return { name: basename(this.path), size: fileBytes(this).byteLength };
  }

  /** Reads up to buffer.byteLength bytes at the position; null once there is nothing left. */
  async read(buffer: Uint8Array): Promise<number | null> {
    if (!(buffer instanceof Uint8Array)) throw new TypeError('file.read() needs a Uint8Array to read into.');
    const bytes = fileBytes(this);
    if (this.#offset >= bytes.byteLength || buffer.byteLength === 0) return null;
    const n = Math.min(buffer.byteLength, bytes.byteLength - this.#offset);
    buffer.set(bytes.subarray(this.#offset, this.#offset + n));
    this.#offset += n;
    return n;
  }

  /** Moves the position; resolves to the new offset. */
  async seek(offset: number, whence: number = SeekMode.Start): Promise<number> {
    if (!Number.isInteger(offset))
      throw new TypeError(`file.seek() needs a whole number offset; got ${offset}.`);
    const size = fileBytes(this).byteLength;
    let next: number;
    if (whence === SeekMode.Start) next = offset;
    else if (whence === SeekMode.Current) next = this.#offset + offset;
    else if (whence === SeekMode.End) {
      if (offset > 0) throw new RangeError('file.seek() from SeekMode.End needs an offset ≤ 0.');
      next = size + offset;
    } else throw new TypeError(`file.seek(): unknown whence ${whence}; use SeekMode.Start, Current or End.`);
    if (next < 0) throw new RangeError(`file.seek() to ${next}: the position cannot be before the start.`);
    this.#offset = next;
    return next;
  }
}

/** The bytes behind an opened file (k6/experimental/csv reads them). */
export function fileBytes(file: File): Uint8Array {
  const bytes = typeof file === 'object' && file !== null ? bytesOf.get(file) : undefined;
  if (!bytes) throw new TypeError('expected a file opened with open() from k6/experimental/fs.');
  return bytes;
}

export async function open(path: string): Promise<File> {
  if (typeof path !== 'string' || path === '') throw new TypeError('open() needs a file path.');
  const file = initPath(path, 'open');
  let bytes = loaded.get(file);
  if (!bytes) {
    let isDirectory = false;
    try {
      isDirectory = statSync(file).isDirectory();
      if (!isDirectory) bytes = new Uint8Array(readFileSync(file));
    } catch (err) {
      throw new Error(`open("${path}"): cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    if (isDirectory || !bytes) throw new Error(`open("${path}"): ${file} is a directory, not a file.`);
    loaded.set(file, bytes);
  }
  return new File(file, bytes);
}

export default { open, SeekMode, File };
