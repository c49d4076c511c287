#!/usr/bin/env node
// The `connect-perf-engine` command. It runs the engine's build (dist/engine, plain JavaScript made
// by `npm run build`) when that build is newer than every file of engine/; otherwise it says so in
// one line on stderr and runs the TypeScript sources through tsx, which starts slower.
// A SIGINT/SIGTERM that arrives while the code loads is kept for the CLI (see cli.ts), so an
// early Ctrl-C still ends with k6's exit code and a summary export instead of killing us outright.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The parent as the process began: the CLI stops the test when it goes away, and a parent that
// dies while the code loads (a busy machine) must count too.
globalThis[Symbol.for('connect-perf-engine.parent')] = process.ppid;
const early = [];
const keep = (signal) => early.push(signal);
process.on('SIGINT', keep);
process.on('SIGTERM', keep);
globalThis[Symbol.for('connect-perf-engine.early-signals')] = { early, keep };

const sources = fileURLToPath(new URL('./', import.meta.url));
const built = new URL('../dist/engine/cli.mjs', import.meta.url);

/**
 * Whether any code file (.ts, .mjs) below `dir` changed after `since` (ms). Folders do not count:
 * an editor saving the README replaces a file and touches its folder. A new file is new; a file
 * moved in place keeps its time, but the import that names it changed.
 */
function changedSince(dir, since) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (changedSince(path, since)) return true;
    } else if (/\.(ts|mjs)$/.test(entry.name) && statSync(path).mtimeMs > since) return true;
  }
  return false;
}

function buildIsFresh() {
  try {
    const stamp = statSync(fileURLToPath(new URL('../dist/engine/.built', import.meta.url))).mtimeMs;
    return !changedSince(sources.replace(/\/$/, ''), stamp);
  } catch {
    return false;
  }
}

if (buildIsFresh()) {
  await import(built.href);
} else {
  process.stderr.write(
    'connect-perf-engine: dist/engine is missing or older than engine/, running the TypeScript sources (slower start; `npm run build` builds it).\n',
  );
  const { register } = await import('tsx/esm/api');
  register();
  await import('./cli.ts');
}
