// `import csv from 'k6/experimental/csv'`: csv.parse(file, options) and csv.Parser over a file from
// k6/experimental/fs, with k6's options (delimiter, asObjects, skipFirstLine, fromLine, toLine) and
// k6's reading rules (grafana/k6 internal/js/modules/k6/experimental/csv, module.go and reader.go):
// a line counter that counts every record read from the top of the file, the header and skipped
// lines included; skipFirstLine ignored when fromLine is above 0; toLine 0 meaning no limit; the
// same refusals of contradictory options. RFC 4180 parsing is csv-parse's; csv.parse() records are
// read-only, as k6's SharedArray is, and their objects have their keys sorted (k6 stores each
// record as Go JSON, which sorts a map's keys).
import { parse as parseCsv } from 'csv-parse/sync';
import { goError } from '../vu-errors.ts';
import { type File, fileBytes } from './fs.ts';
import { moduleVU } from './module-vu.ts';

const vu = moduleVU(import.meta.url);

type Row = readonly string[] | Readonly<Record<string, string>>;

interface Options {
  delimiter: string;
  skipFirstLine: boolean;
  fromLine: number | null;
  toLine: number | null;
  asObjects: boolean;
}

/** JavaScript's ToIntegerOrInfinity, clamped as Go's int64 conversion leaves ordinary numbers. */
function toInteger(value: unknown): number {
  const n = Number(value);
  if (Number.isNaN(n)) return 0;
  return Math.trunc(n);
}

/** k6's newParserOptionsFrom: each option read if present (undefined counts when set), coerced as k6. */
function readOptions(options: unknown): Options {
  const out: Options = {
    delimiter: ',',
    skipFirstLine: false,
    fromLine: null,
    toLine: null,
    asObjects: false,
  };
  if (options === undefined || options === null) return out;
  const o = Object(options) as Record<string, unknown>;
  if ('delimiter' in o) {
    const delimiter = String(o.delimiter);
    if (Buffer.byteLength(delimiter) > 1) throw new Error('delimiter must be a single character');
    if (delimiter === '') throw new Error('delimiter must be a single character');
    out.delimiter = delimiter;
  }
  if ('skipFirstLine' in o) out.skipFirstLine = Boolean(o.skipFirstLine);
  if ('fromLine' in o) out.fromLine = toInteger(o.fromLine);
  if ('toLine' in o) out.toLine = toInteger(o.toLine);
  if ('asObjects' in o) out.asObjects = Boolean(o.asObjects);
  if (out.fromLine !== null && out.toLine !== null && out.fromLine >= out.toLine)
    throw new Error('fromLine must be less than or equal to toLine');
  return out;
}

/** k6's validateOptions, with its sentences. */
function validate(o: Options): void {
  if (o.asObjects && o.skipFirstLine)
    throw new Error("the 'header' option cannot be enabled when 'skipFirstLine' is true");
  if (o.asObjects && o.fromLine !== null && o.fromLine > 0)
    throw new Error("the 'header' option cannot be enabled when 'fromLine' is set to a value greater than 0");
  if (o.fromLine !== null && o.fromLine < 0)
    throw new Error(`the 'fromLine' option must be greater than or equal to 0; got ${o.fromLine}`);
  if (o.toLine !== null && o.toLine < 0)
    throw new Error(`the 'toLine' option must be greater than or equal to 0; got ${o.toLine}`);
}

class EndOfFile extends Error {
  constructor() {
    super('EOF');
  }
}

/** The message Go's encoding/csv gives for the fault csv-parse found, where the two agree on it. */
function csvFault(err: Error & { code?: string; lines?: number }): Error {
  if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && err.lines !== undefined)
    return new Error(`record on line ${err.lines}: wrong number of fields`);
  return new Error(`parse error${err.lines !== undefined ? ` on line ${err.lines}` : ''}: ${err.message}`);
}

/** Every record of the file up to the first fault, and that fault (read when the reader gets there). */
function records(bytes: Uint8Array, delimiter: string): { rows: string[][]; fault: Error | null } {
  const rows: string[][] = [];
  try {
    parseCsv(Buffer.from(bytes), {
      delimiter,
      skip_empty_lines: true,
      on_record: (record: string[]) => {
        rows.push(record);
        return null;
      },
    });
  } catch (err) {
    return { rows, fault: csvFault(err as Error) };
  }
  return { rows, fault: null };
}

/** k6's Reader: the header and the skipped lines are consumed when it is made. */
class Reader {
  readonly #rows: string[][];
  readonly #fault: Error | null;
  readonly #options: Options;
  #next = 0;
  #line = 0;
  #columns: string[] | null = null;

  constructor(file: File, options: Options) {
    validate(options);
    const { rows, fault } = records(fileBytes(file), options.delimiter);
    this.#rows = rows;
    this.#fault = fault;
    this.#options = options;
    const fromLine = options.fromLine ?? 0;
    if (options.asObjects) {
      this.#columns = this.#consume('failed to read the first line');
      this.#line++;
    }
    if (options.skipFirstLine && fromLine === 0) {
      this.#consume('failed to skip the first line');
      this.#line++;
    }
    while (this.#line < fromLine) {
      this.#consume(`failed to skip lines until line ${fromLine}`);
      this.#line++;
    }
  }

  #take(): string[] {
    if (this.#next < this.#rows.length) return this.#rows[this.#next++];
    throw this.#fault ?? new EndOfFile();
  }

  #consume(what: string): string[] {
    try {
      return this.#take();
    } catch (err) {
      throw new Error(`${what}; reason: ${(err as Error).message}`);
    }
  }

  /** The next record; EndOfFile past the end or past toLine. */
  read(): string[] | Record<string, string> {
    const toLine = this.#options.toLine;
    if (toLine !== null && toLine > 0 && this.#line > toLine) throw new EndOfFile();
    const record = this.#take();
    this.#line++;
    if (!this.#columns) return record;
    if (record.length !== this.#columns.length)
      throw new Error(
        `record length (${record.length}) doesn't match header length (${this.#columns.length})`,
      );
    const object: Record<string, string> = {};
    this.#columns.forEach((name, i) => {
      object[name] = record[i];
    });
    return object;
  }
}

function sortedKeys(record: string[] | Record<string, string>): Row {
  if (Array.isArray(record)) return Object.freeze(record);
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key];
  return Object.freeze(sorted);
}

/**
 * The whole file's records at once, as a read-only array (k6: a SharedArray). Bad options and a
 * file whose first lines cannot be read throw at the call (a GoError, as k6's Parse returns an
 * error); a bad record rejects the promise.
 */
export function parse(file: File, options?: unknown): Promise<readonly Row[]> {
  let parsed: Options;
  try {
    parsed = readOptions(options);
  } catch (err) {
    throw goError(`failed to interpret the provided Parser options; reason: ${(err as Error).message}`);
  }
  let reader: Reader;
  try {
    reader = new Reader(file, parsed);
  } catch (err) {
    if (err instanceof TypeError) throw err;
    throw goError(`failed to create a new parser; reason: ${(err as Error).message}`);
  }
  return readAll(reader);
}

async function readAll(reader: Reader): Promise<readonly Row[]> {
  const rows: Row[] = [];
  for (;;) {
    let record: string[] | Record<string, string>;
    try {
      record = reader.read();
    } catch (err) {
      if (err instanceof EndOfFile) break;
      throw goError(`failed to read record; reason: ${(err as Error).message}`);
    }
    rows.push(sortedKeys(record));
  }
  return Object.freeze(rows);
}

/** Records one at a time: `await parser.next()` → { done, value }; at the end { done: true, value: [] }. */
export class Parser {
  readonly #reader: Reader;

  constructor(file: File, options?: unknown) {
    if (vu.phase !== 'init') throw goError('csv Parser constructor must be called in the init context');
    if (file === undefined || file === null)
      throw goError('csv Parser constructor takes at least one non-nil source argument');
    let parsed: Options;
    try {
      parsed = readOptions(options);
    } catch (err) {
      throw goError(
        `encountered an error while interpreting Parser options; reason: ${(err as Error).message}`,
      );
    }
    try {
      this.#reader = new Reader(file, parsed);
    } catch (err) {
      if (err instanceof TypeError) throw err;
      throw goError(`failed to create a new parser; reason: ${(err as Error).message}`);
    }
  }

  async next(): Promise<{ done: boolean; value: string[] | Record<string, string> }> {
    try {
      return { done: false, value: this.#reader.read() };
    } catch (err) {
      if (err instanceof EndOfFile) return { done: true, value: [] };
      throw err;
    }
  }
}

export default { parse, Parser };
