// `import { Counter, Gauge, Rate, Trend } from 'k6/metrics'`, on both kinds of VU.
import { createMetrics } from '../api/metrics.ts';
import { moduleVU } from './module-vu.ts';

const metrics = createMetrics(moduleVU(import.meta.url));

export default metrics;
export const { Counter, Gauge, Rate, Trend } = metrics;
