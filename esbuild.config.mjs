// Build: the k6 scenario bundles (one per entry, k6 and k6/* external, ESM) and the Connect
// content bundles of the fixtures. `node esbuild.config.mjs` is `npm run build`.
// `--scenarios-only` skips the fixtures; `--outdir <dir>` writes to <dir>/scenarios instead of
// dist/scenarios (the tests build into a temp folder this way).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values: args } = parseArgs({
  options: {
    'scenarios-only': { type: 'boolean', default: false },
    outdir: { type: 'string', default: 'dist' },
  },
});

const entries = ['scenarios/scalability.ts', 'scenarios/load-soak.ts'];

await build({
  entryPoints: entries,
  outdir: join(args.outdir, 'scenarios'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2020',
  external: ['k6', 'k6/*'],
  sourcemap: 'inline',
  logLevel: 'warning',
});

if (!args['scenarios-only']) {
  const bundles = spawnSync(process.execPath, ['--import', 'tsx', 'fixtures/build.ts'], { stdio: 'inherit' });
  if (bundles.status !== 0) process.exit(bundles.status ?? 1);
}
