// Checks on the files given to ingest, all made before anything is read or written: each is an
// existing regular file (a FIFO or device would block or never end), and no file is given twice.
// "Twice" is the same file by any path (same device and inode, so a symlink or `./a` and `a`
// count) or the same content (SHA-256 of files of equal size): k6-operator runners each write
// their own samples, so two identical files are one runner given twice, which would double every
// count and the throughput.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** Input the user must fix: one sentence; the harness answers it with exit code 2. */
export class IngestInputError extends Error {
  override name = 'IngestInputError';
}

async function regularFile(path: string, what: string): Promise<{ dev: number; ino: number; size: number }> {
  let stats: Awaited<ReturnType<typeof stat>>;
  try {
    stats = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
    throw new IngestInputError(`Cannot read ${what} ${path}: ${why}. Nothing was written.`);
  }
  if (!stats.isFile()) {
    throw new IngestInputError(
      `${what[0].toUpperCase()}${what.slice(1)} ${path} is not a regular file (a folder, FIFO or device); ` +
        'save the data to a file first. Nothing was written.',
    );
  }
  return { dev: stats.dev, ino: stats.ino, size: stats.size };
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Throws an IngestInputError for the first input that cannot be ingested. */
export async function checkInputFiles(files: string[], summary?: string): Promise<void> {
  const seen: Array<{ path: string; dev: number; ino: number; size: number; hash?: string }> = [];
  for (const path of files) {
    const file: (typeof seen)[number] = { path, ...(await regularFile(path, 'input file')) };
    for (const other of seen) {
      if (other.dev === file.dev && other.ino === file.ino) {
        throw new IngestInputError(
          `${path} and ${other.path} are the same file; give each runner's file once (it would count every sample twice). Nothing was written.`,
        );
      }
      if (other.size === file.size && file.size > 0) {
        other.hash ??= await sha256(other.path);
        file.hash ??= await sha256(path);
        if (file.hash === other.hash) {
          throw new IngestInputError(
            `${path} has the same content as ${other.path}; give each runner's file once (it would count every sample twice). Nothing was written.`,
          );
        }
      }
    }
    seen.push(file);
  }
  if (summary !== undefined) await regularFile(summary, 'summary export');
}
