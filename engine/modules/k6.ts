// `import { check, group, sleep, fail, randomSeed } from 'k6'`, on both kinds of VU.
import { createK6 } from '../api/k6.ts';
import { moduleVU } from './module-vu.ts';

const k6 = createK6(moduleVU(import.meta.url));

export default k6;
export const { check, group, sleep, fail, randomSeed } = k6;
