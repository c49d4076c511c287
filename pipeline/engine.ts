// The engine as the harness drives it: which one runs (and why), one run with the live sample
// stream, and a hard stop for the second Ctrl-C.
import {
  createEngine,
  type Engine,
  findK6,
  type Progress,
  type Sample,
  startTest,
  type TestHandle,
} from '../engine/index.ts';
import type { K6OperatorSettings } from '../k6-operator/index.ts';
import type { EngineName, RunMeta } from '../record/types.ts';
import type { EngineChoice } from './options.ts';

export interface EngineRunRequest {
  script: string;
  env: Record<string, string>;
  out: string[];
  summaryExport: string;
  onSamples: (samples: Sample[]) => void;
  onProgress: (progress: Progress) => void;
  /** Aborting it stops the test gracefully, like k6's first Ctrl-C. */
  signal: AbortSignal;
  /** The plan's length, for engines that must tell a stuck run from a long one. */
  plannedSeconds?: number;
}

export interface EngineOutcome {
  exitCode: number;
  interrupted: boolean;
  /** Set when the samples are in these files rather than the live stream (k6-operator runners). */
  sampleFiles?: string[];
  /** The engine as it turned out to be (k6-operator: the runners' k6 version, parallelism). */
  engine?: RunMeta['engine'];
  /** Why the run did not end cleanly, when the engine knows better than its exit code. */
  failure?: string;
}

export interface HarnessEngine {
  name: EngineName;
  version: string;
  /** Why this engine was picked (for `auto`). */
  why: string;
  run(request: EngineRunRequest): Promise<EngineOutcome>;
  /** Stops the running test at once (second Ctrl-C); false when the engine cannot. */
  stopNow(): boolean;
}

/** The embedded engine through its library handle, which can also stop hard. */
function nodeEngine(version: string, why: string): HarnessEngine {
  let handle: TestHandle | null = null;
  return {
    name: 'node',
    version,
    why,
    async run(request) {
      handle = startTest({ ...request, quiet: true });
      try {
        const result = await handle.result;
        return { exitCode: result.exitCode, interrupted: result.interrupted };
      } finally {
        handle = null;
      }
    },
    stopNow() {
      handle?.stop('hard');
      return handle !== null;
    },
  };
}

/** The k6 binary: the abort sends it SIGINT (graceful), stopNow a second SIGINT (at once). */
function binaryEngine(engine: Engine, version: string, why: string): HarnessEngine {
  let hardStop: AbortController | null = null;
  return {
    name: engine.name,
    version,
    why,
    async run(request) {
      hardStop = new AbortController();
      try {
        const result = await engine.run({ ...request, quiet: true, hardStopSignal: hardStop.signal });
        return { exitCode: result.exitCode, interrupted: result.interrupted };
      } finally {
        hardStop = null;
      }
    },
    stopNow() {
      hardStop?.abort();
      return hardStop !== null;
    },
  };
}

export async function openEngine(
  choice: EngineChoice,
  distributed?: {
    settings?: K6OperatorSettings;
    env: Record<string, string | undefined>;
    log: (line: string) => void;
  },
): Promise<HarnessEngine> {
  if (choice === 'k6-operator') {
    if (!distributed?.settings) throw new Error('--engine k6-operator needs its settings (--parallelism).');
    const { openK6Operator } = await import('./k6-operator.ts');
    return openK6Operator(distributed.settings, distributed.env, distributed.log);
  }
  const engine = createEngine(choice);
  const version = await engine.version();
  if (engine.name === 'node') {
    const why =
      choice === 'auto'
        ? 'no k6 binary found (K6_BIN or PATH), so the embedded Node engine'
        : '--engine node';
    return nodeEngine(version, why);
  }
  return binaryEngine(engine, version, choice === 'auto' ? `k6 found at ${findK6()}` : '--engine k6');
}
