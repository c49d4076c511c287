// `import { check, group, sleep, fail } from 'k6'` for one VU.
import { createK6 } from '../api/k6.ts';
import { vuForModule } from '../registry.ts';

const k6 = createK6(vuForModule(import.meta.url));

export default k6;
export const { check, group, sleep, fail, randomSeed } = k6;
