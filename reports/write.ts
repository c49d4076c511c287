// Reports are replaced atomically (write a temporary file, then rename), so a reader — a CI
// artifact upload, a browser refresh — never sees half a report.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

export async function writeAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new Error(
      `Cannot write ${path} (${(error as Error).message}); check that the folder exists and is writable.`,
    );
  }
}
