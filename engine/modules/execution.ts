// `import exec from 'k6/execution'` for one VU.
import { createExecution } from '../api/execution.ts';
import { vuForModule } from '../registry.ts';

const exec = createExecution(vuForModule(import.meta.url));

export default exec;
export const { instance, scenario, vu, test } = exec;
