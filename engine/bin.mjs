#!/usr/bin/env node
// The `connect-perf-engine` command: lets Node load the TypeScript sources, then runs the CLI.
// A SIGINT/SIGTERM that arrives while the sources load is kept for the CLI (see cli.ts), so an
// early Ctrl-C still ends with k6's exit code and a summary export instead of killing us outright.
const early = [];
const keep = (signal) => early.push(signal);
process.on('SIGINT', keep);
process.on('SIGTERM', keep);
globalThis[Symbol.for('connect-perf-engine.early-signals')] = { early, keep };

const { register } = await import('tsx/esm/api');
register();
await import('./cli.ts');
