// A runner stopped hard (Ctrl-C twice, or Kubernetes' kill after the grace period) leaves its
// .ndjson.gz without the gzip trailer. Such a file is rewritten as a whole gzip holding every
// complete line that was written, so the merge keeps what the runner measured before it stopped.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createGzip } from 'node:zlib';

async function isWhole(path: string): Promise<boolean> {
  try {
    await pipeline(createReadStream(path), createGunzip(), new Writable({ write: (_c, _e, done) => done() }));
    return true;
  } catch {
    return false;
  }
}

/** Drops the bytes after the last newline: a line cut in the middle is not a sample. */
function wholeLines(): Transform {
  let tail = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const data = Buffer.concat([tail, chunk]);
      const end = data.lastIndexOf(0x0a) + 1;
      tail = data.subarray(end);
      done(null, data.subarray(0, end));
    },
  });
}

/** Rewrites a cut-short gzip file in place; true when it had to. Leaves other damage alone. */
export async function repairCutShortGzip(path: string): Promise<boolean> {
  if (!path.endsWith('.gz') || (await isWhole(path))) return false;
  const temp = `${path}.repaired`;
  await pipeline(
    createReadStream(path),
    // Z_SYNC_FLUSH at the end hands over what was decompressed instead of failing on the cut.
    createGunzip({ finishFlush: constants.Z_SYNC_FLUSH }),
    wholeLines(),
    createGzip(),
    createWriteStream(temp),
  );
  await rename(temp, path);
  return true;
}
