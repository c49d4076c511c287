// `import csv from 'k6/experimental/csv'`: csv.parse(file, options) and csv.Parser over a file from
// k6/experimental/fs, with k6's documented options (delimiter, asObjects, skipFirstLine, fromLine,
// toLine). RFC 4180 parsing is csv-parse's; records are read-only, as k6's SharedArray is.
import { parse as parseCsv } from 'csv-parse/sync';
import { type File, fileBytes } from './fs.ts';

interface Options {
  delimiter?: string;
  asObjects?: boolean;
  skipFirstLine?: boolean;
  fromLine?: number;
  toLine?: number;
}

type Row = readonly string[] | Readonly<Record<string, string>>;

function lineNumber(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new TypeError(`csv option ${name} must be a whole number ≥ 0; got ${JSON.stringify(value)}.`);
  return value;
}

function records(file: File, options: Options = {}): Row[] {
  if (options === null || typeof options !== 'object') throw new TypeError('csv options must be an object.');
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || [...delimiter].length !== 1)
    throw new TypeError(`csv option delimiter must be one character; got ${JSON.stringify(delimiter)}.`);
  const fromLine = lineNumber(options.fromLine, 'fromLine') ?? 0;
  const toLine = lineNumber(options.toLine, 'toLine');
  if (toLine !== undefined && toLine < fromLine)
    throw new RangeError(`csv option toLine (${toLine}) is before fromLine (${fromLine}).`);
  let rows: string[][];
  try {
    rows = parseCsv(Buffer.from(fileBytes(file)), { delimiter, skip_empty_lines: true }) as string[][];
  } catch (err) {
    throw new Error(`csv: ${file.path}: ${(err as Error).message}`);
  }
  let header: string[] | null = null;
  if (options.asObjects === true) header = rows.shift() ?? [];
  else if (options.skipFirstLine === true) rows.shift();
  const first = header ? Math.max(0, fromLine - 1) : fromLine;
  const last = toLine === undefined ? rows.length : (header ? toLine - 1 : toLine) + 1;
  return rows
    .slice(first, last)
    .map((fields) =>
      Object.freeze(header ? Object.fromEntries(header.map((name, i) => [name, fields[i] ?? ''])) : fields),
    );
}

/** The whole file's records at once, as a read-only array. */
export async function parse(file: File, options?: Options): Promise<readonly Row[]> {
  return Object.freeze(records(file, options));
}

/** Records one at a time: `await parser.next()` → { done, value }. */
export class Parser {
  readonly #rows: Row[];
  #next = 0;

  constructor(file: File, options?: Options) {
    this.#rows = records(file, options);
  }

  async next(): Promise<{ done: boolean; value: Row | undefined }> {
    if (this.#next >= this.#rows.length) return { done: true, value: undefined };
    return { done: false, value: this.#rows[this.#next++] };
  }
}

export default { parse, Parser };
