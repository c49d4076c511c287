// `scalability` and `load-soak`: check the target, run the workload with the engine while the
// live samples feed the aggregator, then write the run record, the analysis and the reports.
// A stop request (Ctrl-C, SIGTERM, the parent dying) stops the load gracefully, a second one or
// GRACE_MS later at once; the record and its reports are written either way.
import { existsSync } from 'node:fs';
import { ENGINE_HEALTH_ENV } from '../engine/health.ts';
import type { Engine } from '../engine/index.ts';
import { baselinePath, loadBaseline } from '../fixtures/baseline.ts';
import { Aggregator } from '../ingest/index.ts';
import { followChildren } from '../node-metrics/children.ts';
import { chooseSource, type LabelledProcess, type SourceContext } from '../node-metrics/index.ts';
import { runPath } from '../record/paths.ts';
import { scrubText, scrubValue } from '../record/scrub.ts';
import type { Baseline, NodeMetrics, RunMeta } from '../record/types.ts';
import { createRunFolder, writeJsonAtomic } from '../record/write.ts';
import { formatDuration } from '../scenarios/lib/durations.ts';
import type { StopRequest, StopWatch } from '../stops/index.ts';
import { type ChosenEngine, chooseEngine } from './engine.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { type EngineEnd, finishRun } from './finish-run.ts';
import { gitRevision } from './git.ts';
import type { DistributedEngine } from './k6-operator.ts';
import { k6OutEnv, k6OutSecrets } from './k6-out.ts';
import { MAX_RUN_SECONDS, type RunCommandOptions } from './options.ts';
import { type ProgressPrinter, progressPrinter } from './progress.ts';
import { fetchStandinTimings } from './server-timings.ts';
import { openTarget, type Target } from './target.ts';
import { planWorkload, scripts, type Workload } from './workload.ts';

export interface RunIo {
  env: Record<string, string | undefined>;
  /** Lines for the user (stderr). */
  log: (line: string) => void;
  stderr: NodeJS.WriteStream;
  /** The command as typed, for run.json (scrubbed before writing). */
  command: string;
  /** Stop requests: signals to this process and its parent's death. */
  stops: StopWatch;
}

/** How long a graceful stop may take before the engine is stopped at once: the whole stop,
 *  record and reports included, must fit in the 20 s a service manager usually grants. */
export const GRACE_MS = 8_000;

export async function runLoad(options: RunCommandOptions, io: RunIo): Promise<number> {
  if (!existsSync(scripts[options.kind])) {
    io.log(`The scenario bundle ${scripts[options.kind]} is missing; run \`npm run build\` first.`);
    return EXIT_CODES.usage;
  }
  let baseline: Baseline;
  let engine: ChosenEngine;
  try {
    baseline = loadBaseline(options.baselineFile ?? baselinePath);
    engine = await chooseEngine(options.engine, { settings: options.k6Operator, env: io.env, log: io.log });
  } catch (error) {
    io.log((error as Error).message);
    return EXIT_CODES.usage;
  }
  io.log(`engine: ${engine.version} (${engine.why})`);
  // A stop while the target is being prepared: finish preparing, clean up, and end before the
  // load with no run folder (nothing was measured).
  let early: StopRequest | null = null;
  const onEarlyStop = (request: StopRequest) => {
    if (early) return;
    early = request;
    io.log(`${request.reason}: stopping before the load starts, once the target is cleaned up.`);
  };
  io.stops.on('stop', onEarlyStop);
  let target: Target;
  try {
    target = await openTarget({
      env: io.env,
      flaskContent: options.flaskContent,
      publishFixtures: options.publishFixtures,
      log: io.log,
    });
  } catch (error) {
    io.log(scrubText((error as Error).message, [io.env.CONNECT_API_KEY]));
    if (early) return (early as StopRequest).exitCode;
    return (error as Error).name === 'PreflightError' ? EXIT_CODES.usage : EXIT_CODES.failed;
  } finally {
    io.stops.off('stop', onEarlyStop);
  }
  try {
    if (early) return (early as StopRequest).exitCode;
    return await runAgainst(options, io, engine, target, baseline);
  } finally {
    await target.close();
  }
}

async function runAgainst(
  options: RunCommandOptions,
  io: RunIo,
  engine: ChosenEngine,
  target: Target,
  baseline: Baseline,
): Promise<number> {
  const workload = await planWorkload(options, target, io.log);
  if (workload.plan.totalSeconds > MAX_RUN_SECONDS) {
    io.log(
      `This run would last ${formatDuration(workload.plan.totalSeconds)}, longer than a run may (${MAX_RUN_SECONDS / 3600}h, a week); give a shorter --duration.`,
    );
    return EXIT_CODES.usage;
  }
  const startedAt = new Date();
  const { id, dir } = await createRunFolder(options.outDir, options.kind, startedAt);
  const outputEnv = k6OutEnv(options.k6Out, io.env);
  const secrets = [target.apiKey, io.env.CONNECT_API_KEY, ...k6OutSecrets(outputEnv)];
  const engineProcess = followEngineProcess();
  const sourceContext: SourceContext = {
    target: target.kind,
    processes: () => [...target.processes(), ...engineProcess.list()],
    options: options.sourceOptions,
  };
  const source = chooseSource(options.nodeMetrics, sourceContext);
  const meta: RunMeta = {
    id,
    kind: options.kind,
    profile: workload.profile,
    command: scrubText(io.command, secrets),
    target: {
      url: target.url,
      kind: target.kind,
      comparableToBaseline: target.kind === 'connect',
      version: target.version,
    },
    engine: { name: engine.engine.name, version: engine.version },
    gitRevision: await gitRevision(),
    options: scrubValue(
      {
        engine: options.engine,
        vus: workload.env.VUS ?? workload.env.MAX_VUS ?? null,
        duration: options.duration ?? null,
        plan: workload.plan,
        baseline: options.baselineFile ?? 'fixtures/baseline.json',
        failOnBaseline: options.failOnBaseline,
        flaskContent: target.flaskUrl,
        publishFixtures: options.publishFixtures,
        nodeMetrics: source.describe(sourceContext),
        ...(options.k6Out.length ? { k6Out: options.k6Out } : {}),
        ...(options.k6Operator ? { k6Operator: options.k6Operator } : {}),
      },
      secrets,
    ),
    startedAt: startedAt.toISOString(),
    endedAt: null,
    status: 'running',
    engineExitCode: null,
  };
  await writeJsonAtomic(runPath(dir, 'meta'), meta);
  io.log(`run folder: ${dir}`);
  io.log(`node metrics: ${source.describe(sourceContext)}`);

  const recorder = source.start(sourceContext);
  const aggregator = new Aggregator();
  const live = aggregator.addSource('live samples');
  const printer = progressPrinter(workload.plan, io.stderr);
  const graceful = new AbortController();
  const hard = new AbortController();
  let escalation: NodeJS.Timeout | undefined;
  const onStop = (request: StopRequest) => {
    if (!graceful.signal.aborted) {
      printer.log(
        `${request.reason}: stopping the load gracefully (in-flight requests finish, at most ${GRACE_MS / 1000} s); a second stop request ends it at once. The record is written either way.`,
      );
      graceful.abort();
      escalation = setTimeout(() => hard.abort(), GRACE_MS);
      escalation.unref();
      return;
    }
    if (hard.signal.aborted) return;
    printer.log(`${request.reason}: stopping at once; the run record is still written.`);
    hard.abort();
  };
  io.stops.on('stop', onStop);
  try {
    const end = await runEngine(
      engine,
      workload,
      { out: options.k6Out, env: outputEnv },
      dir,
      aggregator,
      live,
      printer,
      graceful.signal,
      hard.signal,
    );
    clearTimeout(escalation);
    const stop = io.stops.first;
    if (stop) {
      end.interrupted = true;
      end.stop = stop;
    }
    let nodeMetrics: NodeMetrics;
    try {
      nodeMetrics = await recorder.stop();
    } catch (error) {
      nodeMetrics = {
        source: 'none',
        periodSeconds: 0,
        series: [],
        warnings: [`Node metrics failed: ${(error as Error).message}`],
      };
    }
    return await finishRun(
      {
        dir,
        meta,
        plan: workload.plan,
        baseline,
        failOnBaseline: options.failOnBaseline,
        secrets,
        log: io.log,
        stops: io.stops,
        serverTimings:
          target.kind === 'standin' ? () => fetchStandinTimings(target.url, target.apiKey) : undefined,
      },
      aggregator,
      live,
      nodeMetrics,
      end,
    );
  } finally {
    clearTimeout(escalation);
    engineProcess.stop();
    io.stops.off('stop', onStop);
  }
}

/** The --k6-out outputs and the variables that configure them. */
interface ExtraOutputs {
  out: string[];
  env: Record<string, string>;
}

async function runEngine(
  chosen: ChosenEngine,
  workload: Workload,
  outputs: ExtraOutputs,
  dir: string,
  aggregator: Aggregator,
  live: number,
  printer: ProgressPrinter,
  signal: AbortSignal,
  hardStopSignal: AbortSignal,
): Promise<EngineEnd> {
  try {
    const end =
      chosen.kind === 'distributed'
        ? await runDistributed(chosen.engine, workload, outputs, dir, signal, hardStopSignal)
        : await runLocal(
            chosen.engine,
            workload,
            outputs,
            dir,
            aggregator,
            live,
            printer,
            signal,
            hardStopSignal,
          );
    if (!end.failure && !end.interrupted && end.exitCode !== 0 && end.exitCode !== EXIT_CODES.thresholds) {
      end.failure = `The engine ended with exit code ${end.exitCode} (see its output above); the record holds what ran.`;
    }
    return end;
  } catch (error) {
    return { exitCode: null, interrupted: false, failure: `The engine failed: ${(error as Error).message}` };
  } finally {
    printer.done();
  }
}

/** k6 or the embedded engine as a child process; its samples stream into the aggregator. */
async function runLocal(
  engine: Engine,
  workload: Workload,
  outputs: ExtraOutputs,
  dir: string,
  aggregator: Aggregator,
  live: number,
  printer: ProgressPrinter,
  signal: AbortSignal,
  hardStopSignal: AbortSignal,
): Promise<EngineEnd> {
  const { CONNECT_API_KEY, ...env } = workload.env;
  const result = await engine.run({
    script: workload.script,
    env,
    secretEnv: CONNECT_API_KEY === undefined ? undefined : { CONNECT_API_KEY },
    // The outputs' variables go in the child's environment (never on its command line), and to an
    // engine in this process as the only environment its outputs read.
    childEnv: { ...outputs.env, [ENGINE_HEALTH_ENV]: runPath(dir, 'engineHealth') },
    outputEnv: outputs.env,
    quiet: true,
    out: [`json=${runPath(dir, 'samples')}`, ...outputs.out],
    summaryExport: runPath(dir, 'summary'),
    onSamples: (samples) => {
      aggregator.addSamples(live, samples);
      aggregator.flush();
    },
    onProgress: (p) =>
      printer.update({
        elapsedS: p.elapsedMs / 1000,
        plannedS: workload.plan.totalSeconds,
        vus: p.vus,
        reqPerSec: p.reqPerSec,
        errors: p.errors,
      }),
    signal,
    hardStopSignal,
  });
  return { exitCode: result.exitCode, interrupted: result.interrupted };
}

/** k6-operator: runner pods write NDJSON files that are merged once they are back. */
async function runDistributed(
  engine: DistributedEngine,
  workload: Workload,
  outputs: ExtraOutputs,
  dir: string,
  signal: AbortSignal,
  hardStopSignal: AbortSignal,
): Promise<EngineEnd> {
  const onHardStop = () => engine.stopNow();
  hardStopSignal.addEventListener('abort', onHardStop);
  try {
    const result = await engine.run({
      script: workload.script,
      env: workload.env,
      summaryExport: runPath(dir, 'summary'),
      signal,
      plannedSeconds: workload.plan.totalSeconds,
      outputs,
    });
    return {
      exitCode: result.exitCode,
      interrupted: result.interrupted,
      sampleFiles: result.sampleFiles,
      engine: result.engine,
      failure: result.failure,
    };
  } finally {
    hardStopSignal.removeEventListener('abort', onHardStop);
  }
}

/** The engine's child process (k6 or the embedded engine), so node metrics sample the load
 *  generator apart from the harness. */
function followEngineProcess(): { list(): LabelledProcess[]; stop(): void } {
  return followChildren(process.pid, (command) =>
    /engine\/bin\.mjs run |(^|\/)k6 run /.test(command) ? 'engine (load generator)' : null,
  );
}
