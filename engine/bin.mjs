#!/usr/bin/env node
// The `connect-perf-engine` command: lets Node load the TypeScript sources, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
