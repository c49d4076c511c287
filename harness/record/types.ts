// The run folder's types are described once, in reports/run-data.ts (what the reports render and
// the harness writes); the harness's stages import them from here.
export type * from '../../reports/run-data.ts';
