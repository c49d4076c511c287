// The workload's inputs, read from k6's `__ENV` once per VU in the init context: a missing or
// malformed input stops the run before any VU starts.

import { type Inputs, readInputs } from './inputs.ts';

export const inputs: Inputs = readInputs(__ENV);
