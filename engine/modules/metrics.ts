// `import { Counter, Gauge, Rate, Trend } from 'k6/metrics'` for one VU.
import { createMetrics } from '../api/metrics.ts';
import { vuForModule } from '../registry.ts';

const metrics = createMetrics(vuForModule(import.meta.url));

export default metrics;
export const { Counter, Gauge, Rate, Trend } = metrics;
