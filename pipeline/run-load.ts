// `scalability` and `load-soak`: check the target, run the workload with the engine while the
// live samples feed the aggregator, then write the run record, the analysis and the reports.
// Ctrl-C once stops the load gracefully, twice at once; the record is written either way.
import { existsSync } from 'node:fs';
import { baselinePath, loadBaseline } from '../fixtures/baseline.ts';
import { Aggregator } from '../ingest/index.ts';
import { describeSource, type NodeMetricsSource, startNodeMetrics } from '../node-metrics/index.ts';
import { runPath } from '../record/paths.ts';
import { scrubText, scrubValue } from '../record/scrub.ts';
import type { Baseline, NodeMetrics, RunMeta } from '../record/types.ts';
import { createRunFolder, writeJsonAtomic } from '../record/write.ts';
import { type HarnessEngine, openEngine } from './engine.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { type EngineEnd, finishRun } from './finish-run.ts';
import { gitRevision } from './git.ts';
import type { RunCommandOptions } from './options.ts';
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
  /** Where SIGINT is listened for (process in the CLI). */
  signals: NodeJS.EventEmitter;
}

function nodeMetricsSource(options: RunCommandOptions, target: Target): NodeMetricsSource {
  const fallback = target.kind === 'standin' ? 'local' : options.cloudWatch ? 'cloudwatch' : 'none';
  const choice = options.nodeMetrics ?? fallback;
  if (choice === 'local') return { kind: 'local', processes: target.processes };
  if (choice === 'cloudwatch' && options.cloudWatch)
    return { kind: 'cloudwatch', options: options.cloudWatch };
  return { kind: 'none' };
}

export async function runLoad(options: RunCommandOptions, io: RunIo): Promise<number> {
  if (!existsSync(scripts[options.kind])) {
    io.log(`The scenario bundle ${scripts[options.kind]} is missing; run \`npm run build\` first.`);
    return EXIT_CODES.usage;
  }
  let baseline: Baseline;
  let engine: HarnessEngine;
  try {
    baseline = loadBaseline(options.baselineFile ?? baselinePath);
    engine = await openEngine(options.engine);
  } catch (error) {
    io.log((error as Error).message);
    return EXIT_CODES.usage;
  }
  io.log(`engine: ${engine.version} (${engine.why})`);
  // Ctrl-C while the target is being prepared: finish preparing, clean up, and stop before the load.
  let cancelled = false;
  const onEarlyInterrupt = () => {
    if (cancelled) process.exit(EXIT_CODES.interrupted);
    cancelled = true;
    io.log(
      'Ctrl-C: stopping before the load starts, once the target is cleaned up (Ctrl-C again quits at once).',
    );
  };
  io.signals.on('SIGINT', onEarlyInterrupt);
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
    return (error as Error).name === 'PreflightError' ? EXIT_CODES.usage : EXIT_CODES.failed;
  } finally {
    io.signals.off('SIGINT', onEarlyInterrupt);
  }
  try {
    if (cancelled) return EXIT_CODES.interrupted;
    return await runAgainst(options, io, engine, target, baseline);
  } finally {
    await target.close();
  }
}

async function runAgainst(
  options: RunCommandOptions,
  io: RunIo,
  engine: HarnessEngine,
  target: Target,
  baseline: Baseline,
): Promise<number> {
  const workload = await planWorkload(options, target, io.log);
  const startedAt = new Date();
  const { id, dir } = await createRunFolder(options.outDir, options.kind, startedAt);
  const secrets = [target.apiKey, io.env.CONNECT_API_KEY];
  const source = nodeMetricsSource(options, target);
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
    engine: { name: engine.name, version: engine.version },
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
        nodeMetrics: describeSource(source),
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
  io.log(`node metrics: ${describeSource(source)}`);

  const recorder = startNodeMetrics(source);
  const aggregator = new Aggregator();
  const live = aggregator.addSource('live samples');
  const printer = progressPrinter(workload.plan, io.stderr);
  const graceful = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      printer.log(
        'Ctrl-C: stopping the load gracefully (in-flight requests and the publish cycle finish); Ctrl-C again stops at once.',
      );
      graceful.abort();
      return;
    }
    const stopped = engine.stopNow();
    printer.log(
      stopped
        ? 'Ctrl-C again: stopping at once; the run record is still written.'
        : `Ctrl-C again: ${engine.name} is still stopping; the run record is written when it ends.`,
    );
  };
  io.signals.on('SIGINT', onInterrupt);
  try {
    const end = await runEngine(engine, workload, dir, aggregator, live, printer, graceful.signal);
    end.interrupted ||= interrupts > 0;
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
        serverTimings:
          target.kind === 'standin' ? () => fetchStandinTimings(target.url, target.apiKey) : undefined,
      },
      aggregator,
      live,
      nodeMetrics,
      end,
    );
  } finally {
    io.signals.off('SIGINT', onInterrupt);
  }
}

async function runEngine(
  engine: HarnessEngine,
  workload: Workload,
  dir: string,
  aggregator: Aggregator,
  live: number,
  printer: ProgressPrinter,
  signal: AbortSignal,
): Promise<EngineEnd> {
  try {
    const result = await engine.run({
      script: workload.script,
      env: workload.env,
      out: [`json=${runPath(dir, 'samples')}`],
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
    });
    const end: EngineEnd = { exitCode: result.exitCode, interrupted: result.interrupted };
    if (!result.interrupted && result.exitCode !== 0 && result.exitCode !== EXIT_CODES.thresholds) {
      end.failure = `The engine ended with exit code ${result.exitCode} (see its output above); the record holds what ran.`;
    }
    return end;
  } catch (error) {
    return { exitCode: null, interrupted: false, failure: `The engine failed: ${(error as Error).message}` };
  } finally {
    printer.done();
  }
}
