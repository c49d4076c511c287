// Reads an NDJSON file (plain, or gzip recognised by its magic bytes rather than its name) as
// text chunks that end on a line boundary, so a line is never split between two chunks.
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

const CHUNK_BYTES = 1024 * 1024;

/** k6 output is nearly always ASCII, and latin1 decodes ASCII several times faster than utf8. */
function decode(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

async function isGzip(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await file.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await file.close();
  }
}

/**
 * Longest line read: k6 writes a sample per line, a few hundred bytes with its tags. A longer line
 * (a file that is not NDJSON, a gzip of zeros) is not kept in memory: its bytes are dropped as
 * they come and it is reported as one skipped line of at least this many bytes.
 */
export const maxLineBytes = 1024 * 1024;

/** A line longer than maxLineBytes, dropped; `bytes` is its length (at least up to where it was dropped). */
export interface LongLine {
  longLine: number;
}

export async function* readChunks(path: string): AsyncGenerator<string | LongLine> {
  let gzip: boolean;
  try {
    gzip = await isGzip(path);
  } catch (error) {
    throw new Error(`Cannot read ${path}: ${(error as Error).message}. Pass an existing k6 NDJSON file.`);
  }
  const raw = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const stream = gzip ? raw.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : raw;
  raw.on('error', (error) => stream.destroy(error));
  // The start of the line cut at a chunk's end, as parts (concatenated once, when the line ends).
  let carry: Buffer[] = [];
  let carryBytes = 0;
  /** Bytes of an over-long line being dropped; -1 while none is. */
  let dropping = -1;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const lastNewline = chunk.lastIndexOf(10);
      if (lastNewline === -1) {
        if (dropping >= 0) dropping += chunk.length;
        else if (carryBytes + chunk.length > maxLineBytes) {
          dropping = carryBytes + chunk.length;
          carry = [];
          carryBytes = 0;
        } else {
          carry.push(chunk);
          carryBytes += chunk.length;
        }
        continue;
      }
      // The line cut at the previous chunk's end is decoded on its own: decoding one string per
      // buffer avoids both copying the chunk and a concatenated (cons) string, on which every
      // indexOf crawls.
      let from = 0;
      if (carryBytes || dropping >= 0) {
        from = chunk.indexOf(10) + 1;
        if (dropping >= 0 || carryBytes + from > maxLineBytes) {
          yield { longLine: Math.max(dropping, 0) + carryBytes + from - 1 };
        } else {
          carry.push(chunk.subarray(0, from));
          yield decode(Buffer.concat(carry));
        }
        dropping = -1;
        carry = [];
        carryBytes = 0;
      }
      // Whole lines of this chunk: a chunk is at most CHUNK_BYTES (1 MiB), so none is over-long.
      if (from <= lastNewline) yield decode(chunk.subarray(from, lastNewline + 1));
      if (lastNewline + 1 < chunk.length) {
        carry = [Buffer.from(chunk.subarray(lastNewline + 1))];
        carryBytes = carry[0].length;
      }
    }
  } catch (error) {
    const what = gzip ? 'gzip data is damaged or cut short' : 'read failed';
    throw new Error(`Cannot read ${path} (${what}: ${(error as Error).message}).`);
  }
  if (dropping >= 0) yield { longLine: dropping };
  else if (carryBytes) yield Buffer.concat(carry).toString('utf8');
}
