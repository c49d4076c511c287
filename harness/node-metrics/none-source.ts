// `none`: no node metrics (the default against a remote server without --prom-url or --cw-* options).
import type { MetricsSource } from './source.ts';

export const noneSource: MetricsSource = {
  name: 'none',
  help: 'no node metrics (default for a remote server without --prom-url or --cw-* options)',
  unusable: () => null,
  suits: () => true,
  describe: () => 'none: no node metrics',
  start: () => ({ stop: async () => ({ source: 'none', periodSeconds: 0, series: [], warnings: [] }) }),
};
