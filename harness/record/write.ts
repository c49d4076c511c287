// Writing a run folder: every file is written to a temporary name in the same folder, flushed
// to disk and renamed over the final name, so a reader (or a crash) never sees half a file.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { runId } from './run-id.ts';
import type { RunKind } from './types.ts';

export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(temp, 'w');
  try {
    await file.writeFile(content);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Creates `<outDir>/<id>`; a second run in the same second gets `-2`, `-3`… before the kind. */
export async function createRunFolder(
  outDir: string,
  kind: RunKind,
  startedAt: Date,
): Promise<{ id: string; dir: string }> {
  await mkdir(outDir, { recursive: true });
  const base = runId(startedAt, kind);
  for (let n = 1; n < 100; n++) {
    const id = n === 1 ? base : base.replace(`Z-${kind}`, `Z-${n}-${kind}`);
    const dir = join(outDir, id);
    try {
      await mkdir(dir);
      return { id, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`Cannot create a run folder in ${outDir}: too many runs started in the same second.`);
}
