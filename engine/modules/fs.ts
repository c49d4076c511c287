// `import { open, SeekMode } from 'k6/experimental/fs'`: read-only files opened in the init
// context, as k6 documents them. The bytes of a path are read once and shared by the VUs of a
// thread; each open() gets its own position, so one VU's read or seek does not move another's.
// Results and failures follow k6's module (grafana/k6 internal/js/modules/k6/experimental/fs,
// module.go, file.go, errors.go): errors are named by kind (NotFoundError, InvalidResourceError,
// ForbiddenError, TypeError) with k6's messages, and seeking from the end counts from the last
// byte (k6 computes size - 1 + offset), so a script lands on the same bytes as on k6.
import { readFileSync, statSync } from 'node:fs';
import { basename, posix } from 'node:path';
import { initScriptDir } from '../open.ts';
import { KindError } from '../vu-errors.ts';
import { moduleVU } from './module-vu.ts';

/** k6's fs error, named by its kind (vu-errors.ts KindError). */
class FsError extends KindError {
  constructor(
    name: 'NotFoundError' | 'InvalidResourceError' | 'ForbiddenError' | 'TypeError',
    message: string,
  ) {
    super(name, message);
  }
}

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

  /**
   * Reads into the Uint8Array's buffer from its first byte, as k6 does (it fills the whole
   * ArrayBuffer behind the view); resolves to the count, or null when nothing was left.
   */
  async read(into: Uint8Array): Promise<number | null> {
    if (into === undefined || into === null)
      throw new FsError('TypeError', 'read() failed; reason: into argument cannot be null or undefined');
    if (Object(into).constructor !== Uint8Array)
      throw new FsError('TypeError', 'read() failed; reason: into argument must be a Uint8Array');
    const target = new Uint8Array(into.buffer);
    const bytes = fileBytes(this);
    const n = Math.min(target.byteLength, bytes.byteLength - this.#offset);
    if (this.#offset >= bytes.byteLength) return null;
    target.set(bytes.subarray(this.#offset, this.#offset + n));
    this.#offset += n;
    return n;
  }

  /** Moves the position; resolves to the new offset. */
  async seek(offset: number, whence: number): Promise<number> {
    const offsetValue = whole(offset, 'offset');
    const mode = whole(whence, 'whence');
    if (mode !== SeekMode.Start && mode !== SeekMode.Current && mode !== SeekMode.End)
      throw new FsError('TypeError', 'seek() failed; reason: the whence argument must be a SeekMode');
    const size = fileBytes(this).byteLength;
    let next: number;
    if (mode === SeekMode.Start) {
      if (offsetValue < 0)
        throw new FsError('TypeError', 'offset cannot be negative when using SeekModeStart');
      next = offsetValue;
    } else if (mode === SeekMode.Current) next = this.#offset + offsetValue;
    else {
      if (offsetValue > 0) throw new FsError('TypeError', 'offset cannot be positive when using SeekModeEnd');
      next = size - 1 + offsetValue;
    }
    if (next < 0) throw new FsError('TypeError', 'seeking before start of file');
    if (next > size) throw new FsError('TypeError', 'seeking beyond end of file');
    this.#offset = next;
    return next;
  }
}

/** k6's check of seek()'s arguments: a number, truncated to an integer. */
function whole(value: unknown, name: 'offset' | 'whence'): number {
  if (value === undefined || value === null)
    throw new FsError('TypeError', `seek() failed; reason: the ${name} argument cannot be null or undefined`);
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new FsError('TypeError', `seek() failed; reason: the ${name} argument must be a number`);
  return value;
}

/** The bytes behind an opened file (k6/experimental/csv reads them). */
export function fileBytes(file: File): Uint8Array {
  const bytes = typeof file === 'object' && file !== null ? bytesOf.get(file) : undefined;
  if (!bytes) throw new TypeError('expected a file opened with open() from k6/experimental/fs.');
  return bytes;
}

export async function open(path: string): Promise<File> {
  // Asked here, not at load: k6/experimental/csv imports this file outside any VU's module graph.
  if (moduleVU(import.meta.url).phase !== 'init')
    throw new FsError(
      'ForbiddenError',
      'open() failed; reason: opening a file is allowed only in the Init context',
    );
  if (path === undefined || path === null)
    throw new FsError('TypeError', 'open() failed; reason: path cannot be null or undefined');
  const text = String(path);
  if (text === '') throw new FsError('TypeError', 'open() failed; reason: path cannot be empty');
  const file = k6Path(text, initScriptDir('open'));
  let bytes = loaded.get(file);
  if (!bytes) {
    let isDirectory = false;
    try {
      isDirectory = statSync(file).isDirectory();
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code === 'ENOENT' ||
        (err as NodeJS.ErrnoException).code === 'ENOTDIR'
      )
        throw new FsError('NotFoundError', `no such file or directory ${goQuote(file)}`);
      throw new Error(
        `open() failed, unable to verify if ${goQuote(file)} exists; reason: ${(err as Error).message}`,
      );
    }
    if (isDirectory)
      throw new FsError(
        'InvalidResourceError',
        `cannot open ${goQuote(file)}: opening a directory is not supported`,
      );
    bytes = new Uint8Array(readFileSync(file));
    loaded.set(file, bytes);
  }
  return new File(file, bytes);
}

/**
 * The file k6's open() reads for `path` (grafana/k6 internal/js/modules/k6/experimental/fs
 * module.go openImpl, lib/fsext/filepath.go Abs): a leading `file://` taken off as it is (no
 * percent-decoding, query nor fragment handling: `file:///a%20b.txt` is the file `/a%20b.txt`), a
 * relative path joined to the entry script's folder, then cleaned as Go's filepath.Clean does.
 */
function k6Path(path: string, scriptDir: string): string {
  const bare = path.startsWith('file://') ? path.slice('file://'.length) : path;
  return posix.resolve(bare.startsWith('/') || bare.startsWith('\\') ? '/' : scriptDir, bare);
}

/**
 * A string as Go's %q writes it (strconv.Quote): `"` and `\` escaped, printable characters
 * (Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols, the ASCII space) as they
 * are, \a \b \f \n \r \t \v by name, other bytes below 0x20 and 0x7f as \xHH, other
 * characters as \uHHHH or \UHHHHHHHH.
 */
function goQuote(s: string): string {
  const named: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
  };
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0) ?? 0;
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (c === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c)) out += c;
    else if (named[c]) out += named[c];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0xd800 && cp <= 0xdfff)
      out += '\uFFFD'; // a lone surrogate: Go's string has U+FFFD there
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

export default { open, SeekMode, File };
