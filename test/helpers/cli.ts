// How tests start a command line of the project (the harness, nightly, k6-operator, the stand-in):
// node's arguments up to the command's own. The bundle of the command lines (dist/cli, built by
// `npm run build` and by scripts/run-tests.mjs before every run; see esbuild.config.mjs) starts in
// about a third of the time the TypeScript sources take under tsx, and the suite starts these
// commands hundreds of times. The bundle is used only while no source it was built from changed
// since; otherwise (a file run with `node --test` after an edit) the sources run under tsx, so a test
// never runs stale code.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** The commands, by their source file; each is dist/cli/<name>.mjs in the bundle. */
const SOURCES = {
  harness: 'harness/commands/harness.ts',
  nightly: 'harness/commands/nightly.ts',
  'k6-operator': 'harness/commands/k6-operator.ts',
  standin: 'standin/cli.ts',
} as const;

export type Command = keyof typeof SOURCES;

let fresh: boolean | undefined;

/** Whether dist/cli was built from the sources as they are now (checked once per test file). */
export function bundleIsFresh(): boolean {
  if (fresh === undefined) {
    try {
      const stamp = join(ROOT, 'dist', 'cli', '.built');
      const builtAt = statSync(stamp).mtimeMs;
      const inputs = readFileSync(stamp, 'utf8').split('\n').filter(Boolean);
      fresh = inputs.length > 0 && inputs.every((file) => statSync(join(ROOT, file)).mtimeMs <= builtAt);
    } catch {
      // No bundle, or a source it was built from is gone.
      fresh = false;
    }
  }
  return fresh;
}

/** node's arguments that start `command` (absolute paths: they work from any folder). */
export function cliArgs(command: Command): string[] {
  if (bundleIsFresh()) return [join(ROOT, 'dist', 'cli', `${command}.mjs`)];
  return ['--import', 'tsx', join(ROOT, SOURCES[command])];
}
