// What the run and ingest pipelines are asked to do: the options the command layer parsed.
import type { K6OperatorSettings } from '../k6-operator/index.ts';
import type { SourceOptions } from '../node-metrics/index.ts';
import type { Profile, RunKind } from '../record/types.ts';

/** The longest run the harness starts: a week. Timers hold about 24 days, but nothing a
 *  performance test of Connect needs lasts longer than a week, and a typo (600h for 60h) should
 *  be a question at the prompt, not a month-long run. */
export const MAX_RUN_SECONDS = 7 * 24 * 3600;

export type EngineChoice = 'auto' | 'k6' | 'node' | 'k6-operator';
/** A node-metrics source's name (see node-metrics/sources.ts). */
export type NodeMetricsChoice = string;

export interface RunCommandOptions {
  kind: RunKind;
  engine: EngineChoice;
  /** Undefined: chosen from the target (reference for Connect, local for the stand-in). */
  profile?: Profile;
  /** Load-soak: fetcher VUs ('auto' = latest scalability result); scalability: the top level. */
  vus?: number | 'auto';
  /** Load-soak: the hold; scalability: the hold of each level. */
  duration?: string;
  outDir: string;
  baselineFile?: string;
  failOnBaseline: boolean;
  flaskContent?: string;
  publishFixtures: boolean;
  nodeMetrics?: NodeMetricsChoice;
  /** Each node-metrics source's own options (--prom-*, --cw-*), by source name; {} when none. */
  sourceOptions: SourceOptions;
  /** --k6-out: outputs added to the engine's own json (see pipeline/k6-out.ts); [] when none. */
  k6Out: string[];
  /** Set with --engine k6-operator. */
  k6Operator?: K6OperatorSettings;
  /** --k6-env: K6_* variables of the caller's environment the engine gets (it gets no other). */
  k6Env?: string[];
}

export interface IngestCommandOptions {
  files: string[];
  outDir: string;
  kind: RunKind;
  summary?: string;
  baselineFile?: string;
}
