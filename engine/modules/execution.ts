// `import exec from 'k6/execution'`, on both kinds of VU.
import { createExecution } from '../api/execution.ts';
import { moduleVU } from './module-vu.ts';

const exec = createExecution(moduleVU(import.meta.url));

export default exec;
export const { instance, scenario, vu, test } = exec;
