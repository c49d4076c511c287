// The git revision of the suite that ran, for the run record (null outside a git checkout).
import { $ } from 'zx';

export async function gitRevision(): Promise<string | null> {
  const result = await $({ nothrow: true, quiet: true })`git rev-parse HEAD`;
  return result.exitCode === 0 ? result.stdout.trim() : null;
}
