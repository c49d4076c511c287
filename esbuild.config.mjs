// Build: the k6 scenario bundles (one per entry, k6 and k6/* external, ESM) and the Connect
// content bundles of the fixtures. `node esbuild.config.mjs` is `npm run build`.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

const entries = ['scenarios/scalability.ts', 'scenarios/load-soak.ts'];

await build({
  entryPoints: entries,
  outdir: 'dist/scenarios',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2020',
  external: ['k6', 'k6/*'],
  sourcemap: 'inline',
  logLevel: 'warning',
});

const bundles = spawnSync(process.execPath, ['--import', 'tsx', 'fixtures/build.ts'], { stdio: 'inherit' });
if (bundles.status !== 0) process.exit(bundles.status ?? 1);
