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

export async function* readChunks(path: string): AsyncGenerator<string> {
  let gzip: boolean;
  try {
    gzip = await isGzip(path);
  } catch (error) {
    throw new Error(`Cannot read ${path}: ${(error as Error).message}. Pass an existing k6 NDJSON file.`);
  }
  const raw = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const stream = gzip ? raw.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : raw;
  raw.on('error', (error) => stream.destroy(error));
  let carry: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const lastNewline = chunk.lastIndexOf(10);
      if (lastNewline === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      // The line cut at the previous chunk's end is decoded on its own: decoding one string per
      // buffer avoids both copying the chunk and a concatenated (cons) string, on which every
      // indexOf crawls.
      let from = 0;
      if (carry.length) {
        from = chunk.indexOf(10) + 1;
        yield decode(Buffer.concat([carry, chunk.subarray(0, from)]));
      }
      if (from <= lastNewline) yield decode(chunk.subarray(from, lastNewline + 1));
      carry = Buffer.from(chunk.subarray(lastNewline + 1));
    }
  } catch (error) {
    const what = gzip ? 'gzip data is damaged or cut short' : 'read failed';
    throw new Error(`Cannot read ${path} (${what}: ${(error as Error).message}).`);
  }
  if (carry.length) yield carry.toString('utf8');
}
