// `scalability` and `load-soak`: check the target, run the workload with the engine while the
// live samples feed the aggregator, then write the run record, the analysis and the reports.
// A stop request (Ctrl-C, SIGTERM, the parent dying) stops the load gracefully, a second one or
// GRACE_MS later at once; the record and its reports are written either way.
import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ENGINE_HEALTH_ENV } from '../../engine/health.ts';
import type { Engine } from '../../engine/index.ts';
import { baselinePath, loadBaseline } from '../../fixtures/baseline.ts';
import { terminalText } from '../../reports/inert.ts';
import { formatDuration, parseDuration } from '../../scenarios/lib/durations.ts';
import { DEFAULT_PUBLISH_CONTENT_NAME } from '../../scenarios/lib/inputs.ts';
import { loadSoakOptions, scalabilityOptions } from '../../scenarios/lib/profiles.ts';
import { capacityLine, capacityOf } from '../connect/capacity.ts';
import { createConnectClient } from '../connect/client.ts';
import { type ProcessPoller, startProcessPoller, unpolledProcesses } from '../connect/process-poller.ts';
import { Aggregator } from '../ingest/index.ts';
import { followChildren } from '../node-metrics/children.ts';
import { chooseSource, type LabelledProcess, type SourceContext } from '../node-metrics/index.ts';
import { runPath } from '../record/paths.ts';
import { scrubText, scrubValue } from '../record/scrub.ts';
import type { Baseline, NodeMetrics, RunMeta } from '../record/types.ts';
import { createRunFolder, writeJsonAtomic } from '../record/write.ts';
import type { StopRequest, StopWatch } from '../stops/index.ts';
import { type ChosenEngine, chooseEngine } from './engine.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { type EngineEnd, finishRun } from './finish-run.ts';
import { gitRevision } from './git.ts';
import { checkInputFile, checkOutputFolder, INPUT_LIMITS, InputError } from './input-files.ts';
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
  // Everything the command line names is checked before the target or the engine starts.
  try {
    await checkRunInputs(options, io.env);
  } catch (error) {
    io.log((error as Error).message);
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

/** The run's inputs and outputs as the command line and environment name them; throws one sentence. */
export async function checkRunInputs(
  options: RunCommandOptions,
  env: Record<string, string | undefined>,
): Promise<void> {
  if (options.baselineFile) await checkInputFile(options.baselineFile, INPUT_LIMITS.baseline, '--baseline');
  await checkOutputFolder(options.outDir, '--out');
  const server = env.CONNECT_SERVER?.trim();
  if (!server && options.flaskContent) {
    throw new InputError(
      '--flask-content names content on a real Connect, but CONNECT_SERVER is not set, so the run would go to the local stand-in, which deploys its own Flask fixture; set CONNECT_SERVER or leave --flask-content out.',
    );
  }
  if (server) {
    let url: URL | null = null;
    try {
      url = new URL(server);
    } catch {
      // openTarget says what is wrong with it.
    }
    if (url && (url.username || url.password)) {
      // Connect authenticates with the API key (Authorization: Key …), and credentials in a URL
      // travel into logs, records and command lines.
      throw new InputError(
        `CONNECT_SERVER carries credentials (user:password@ before ${url.host}); remove them: Connect authenticates with CONNECT_API_KEY, and a URL with credentials would end up in the run record and logs.`,
      );
    }
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
        createdContent: target.createdContent ?? [],
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
    writer: { pid: process.pid, host: hostname() },
  };
  await writeJsonAtomic(runPath(dir, 'meta'), meta);
  io.log(`run folder: ${dir}`);
  io.log(await diskUse(dir, workload.plan.totalSeconds));
  io.log(`node metrics: ${source.describe(sourceContext)}`);
  const capacity = await capacityNote(target, workload);
  if (capacity) io.log(terminalText(scrubText(capacity, secrets)));

  const publisherName = workload.env.PUBLISH_CONTENT_NAME ?? DEFAULT_PUBLISH_CONTENT_NAME;
  if (workload.env.PUBLISH_CLEANUP === 'true') await target.notePublisherContent?.(publisherName);
  const recorder = source.start(sourceContext);
  const processPoller = pollProcesses(target);
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
  // The stand-in ending on its own (killed, crashed) ends the run at once: every later request
  // would fail against nothing and read as the content's errors.
  let targetDied: string | null = null;
  void target.died?.then((sentence) => {
    if (graceful.signal.aborted && hard.signal.aborted) return;
    targetDied = scrubText(sentence, secrets);
    printer.log(targetDied);
    graceful.abort();
    hard.abort();
  });
  // A local engine that outlives its plan (setup, the load, the publisher's graceful stop,
  // teardown) by a minute is stuck (an output it cannot write, a hung process): it is stopped
  // like on Ctrl-C and the run fails saying so, instead of running at 0 req/s for ever.
  // (k6-operator runners wait for pods and images; their own timeouts apply.)
  const deadlineS = engineDeadlineSeconds(workload);
  let overran = false;
  const watchdog = setTimeout(() => {
    if (engine.kind !== 'local') return;
    if (graceful.signal.aborted) return;
    overran = true;
    printer.log(
      `The engine is still running ${formatDuration(deadlineS)} after it started, past the end of its plan; stopping it.`,
    );
    graceful.abort();
    escalation = setTimeout(() => hard.abort(), GRACE_MS);
    escalation.unref();
  }, deadlineS * 1000);
  watchdog.unref();
  try {
    const end = await runEngine(engine, {
      workload,
      outputs: { out: options.k6Out, env: outputEnv },
      dir,
      aggregator,
      live,
      printer,
      signal: graceful.signal,
      hardStopSignal: hard.signal,
      passEnv: options.k6Env ?? [],
    });
    clearTimeout(escalation);
    clearTimeout(watchdog);
    if (overran && !io.stops.first) {
      end.failure ??= `The engine did not end within ${formatDuration(deadlineS)}, a minute past the end of its plan (setup, load, graceful stop and teardown), and was stopped; the record holds what it wrote.`;
      end.interrupted = false;
    }
    if (targetDied) {
      end.failure = targetDied;
      end.interrupted = false;
    }
    const stop = io.stops.first;
    if (stop && !targetDied) {
      end.interrupted = true;
      end.stop = stop;
    }
    const processes = await processPoller.stop();
    // The sentence may quote the server's answer: never let it carry the key into the record.
    if (processes.stopped) processes.stopped = scrubText(processes.stopped, secrets);
    if (processes.stopped) io.log(`processes: ${processes.stopped}`);
    // What the publisher created and its teardown did not delete (a hard stop skips teardown).
    if (workload.env.PUBLISH_CLEANUP === 'true' && target.removeLeftovers) {
      const name = publisherName;
      // The lines hold no secret (their error texts are scrubbed) but a command with the
      // variable's name, which scrubbing would blank; the server's strings are made inert.
      for (const line of await target.removeLeftovers(name)) io.log(terminalText(line));
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
        processes,
      },
      aggregator,
      live,
      nodeMetrics,
      end,
    );
  } finally {
    clearTimeout(escalation);
    await processPoller.stop();
    clearTimeout(watchdog);
    engineProcess.stop();
    io.stops.off('stop', onStop);
  }
}

/** The --k6-out outputs and the variables that configure them. */
interface ExtraOutputs {
  out: string[];
  env: Record<string, string>;
}

/** What one engine run works with: the workload, where its samples and outputs go, its stops. */
interface EngineRunContext {
  workload: Workload;
  outputs: ExtraOutputs;
  /** The run folder. */
  dir: string;
  aggregator: Aggregator;
  /** The aggregator's series of the live engine. */
  live: number;
  printer: ProgressPrinter;
  /** Aborted for a graceful stop; `hardStopSignal` for one at once. */
  signal: AbortSignal;
  hardStopSignal: AbortSignal;
  /** Variables of the harness's environment passed on to the engine (--k6-env). */
  passEnv: readonly string[];
}

async function runEngine(chosen: ChosenEngine, run: EngineRunContext): Promise<EngineEnd> {
  try {
    const end =
      chosen.kind === 'distributed'
        ? await runDistributed(chosen.engine, run)
        : await runLocal(chosen.engine, run);
    if (!end.failure && !end.interrupted && end.exitCode !== 0 && end.exitCode !== EXIT_CODES.thresholds) {
      end.failure = `The engine ended with exit code ${end.exitCode} (see its output above); the record holds what ran.`;
    }
    return end;
  } catch (error) {
    return { exitCode: null, interrupted: false, failure: `The engine failed: ${(error as Error).message}` };
  } finally {
    run.printer.done();
  }
}

/** k6 or the embedded engine as a child process; its samples stream into the aggregator. */
async function runLocal(engine: Engine, run: EngineRunContext): Promise<EngineEnd> {
  const { workload, outputs, dir, aggregator, live, printer, signal, hardStopSignal, passEnv } = run;
  const { CONNECT_API_KEY, ...env } = workload.env;
  const result = await engine.run({
    script: workload.script,
    env,
    passEnv,
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
  if (result.signal) {
    // No exit code of its own: the kernel (the out-of-memory killer sends SIGKILL) or someone
    // else ended it. That is a failed run, not a stop the user asked for.
    const who = `The load generator (${engine.name === 'k6' ? 'k6' : 'the embedded engine'}, pid ${result.pid ?? '?'})`;
    const oom = result.signal === 'SIGKILL' ? ' (the out-of-memory killer ends processes this way)' : '';
    return {
      exitCode: null,
      interrupted: false,
      failure: `${who} was killed by ${result.signal}${oom} before the run ended; the record holds what it wrote until then.`,
    };
  }
  const end: EngineEnd = { exitCode: result.exitCode, interrupted: result.interrupted };
  // Samples the engine could not write (a full disk, a file size limit) leave the record short
  // whatever the exit code: thresholds crossed on top of it keep k6's code 99, the run still fails.
  const samplesLost = /could not finish the --out file|\b(ENOSPC|EFBIG|EDQUOT)\b/.test(
    result.lastError ?? '',
  );
  if (
    !result.interrupted &&
    (samplesLost || (result.exitCode !== 0 && result.exitCode !== EXIT_CODES.thresholds))
  ) {
    const full = await diskFull(dir);
    const why = [full, result.lastError ? `its last error: ${result.lastError}` : null].filter(Boolean);
    end.failure = `The engine ended with exit code ${result.exitCode}${why.length ? ` (${why.join('; ')})` : ' (see its output above)'}; the record holds what ran.`;
  }
  if (result.samplesDamaged && result.exitCode === 0) {
    end.failure = `The samples file the engine wrote is cut short or damaged (${result.samplesDamaged}); the record holds what could be read.`;
  }
  return end;
}

/** k6-operator: runner pods write NDJSON files that are merged once they are back. */
async function runDistributed(engine: DistributedEngine, run: EngineRunContext): Promise<EngineEnd> {
  const { workload, outputs, dir, signal, hardStopSignal } = run;
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

/** The Flask content's capacity against the plan's fetcher VUs (null when it cannot be read). */
async function capacityNote(target: Target, workload: Workload): Promise<string | null> {
  if (!target.flaskGuid) return null;
  const vus = workload.plan.kind === 'load-soak' ? workload.plan.vus : Math.max(...workload.plan.levels);
  try {
    const client = createConnectClient({ server: target.url, apiKey: target.apiKey, timeoutMs: 5_000 });
    return capacityLine(capacityOf(await client.getContent(target.flaskGuid)), vus);
  } catch (error) {
    return `capacity: the Flask content's scheduler settings could not be read (${(error as Error).message}).`;
  }
}

/** Polls Connect's processes of the Flask content once a second for the whole load (processes.json). */
function pollProcesses(target: Target): ProcessPoller {
  if (!target.flaskGuid) {
    const series = unpolledProcesses(
      '',
      "The Flask content's GUID is not known (--flask-content gave a URL without one, such as a vanity URL), so Connect's processes were not polled.",
    );
    return { stop: async () => series };
  }
  // A short timeout: a poll in flight when the load ends delays the record by at most this.
  const client = createConnectClient({ server: target.url, apiKey: target.apiKey, timeoutMs: 5_000 });
  return startProcessPoller({ client, guid: target.flaskGuid });
}

/** Compressed samples per request (measured: 3.5 MB for 33,569 requests of the smoke load), and
 *  a rate above Posit's published 1618 req/s, to size a run's samples before it starts. */
const SAMPLE_BYTES_PER_REQUEST = 110;
const SIZING_RPS = 2000;

/** One line on the disk the run will use and what is free; a warning when it may not fit. */
export async function diskUse(dir: string, seconds: number): Promise<string> {
  const need = SAMPLE_BYTES_PER_REQUEST * SIZING_RPS * seconds;
  const mb = (bytes: number) => `${Math.max(1, Math.round(bytes / 1e6)).toLocaleString('en')} MB`;
  const text = `disk: the samples are kept compressed in the run folder, about ${SAMPLE_BYTES_PER_REQUEST} bytes per request (${mb(need)} for this plan at ${SIZING_RPS} req/s); nothing else grows with the run`;
  try {
    const fs = await statfs(dir);
    const free = fs.bavail * fs.bsize;
    if (free < need) return `${text}. WARNING: only ${mb(free)} free there; a full disk fails the run.`;
    return `${text}; ${mb(free)} free.`;
  } catch {
    return `${text}.`;
  }
}

/** A sentence when the file system holding `dir` has (almost) no room left; else null. */
export async function diskFull(dir: string): Promise<string | null> {
  try {
    const fs = await statfs(dir);
    const free = fs.bavail * fs.bsize;
    return free < 1 << 20 ? `the disk holding ${dir} is full (${Math.round(free / 1024)} KiB free)` : null;
  } catch {
    return null;
  }
}

/** The longest an engine may run for this workload: the plan, the scenarios' graceful stop, the
 *  setup and teardown timeouts, and a minute. */
export function engineDeadlineSeconds(workload: Workload): number {
  const options =
    workload.plan.kind === 'load-soak' ? loadSoakOptions(workload.env) : scalabilityOptions(workload.env);
  const seconds = (text: string) => parseDuration(text, 'a timeout');
  const graceful = Math.max(
    ...Object.values(options.scenarios).map((scenario) => seconds(scenario.gracefulStop)),
  );
  return (
    workload.plan.totalSeconds +
    graceful +
    seconds(options.setupTimeout) +
    seconds(options.teardownTimeout) +
    60
  );
}

/** The engine's child process (k6 or the embedded engine), so node metrics sample the load
 *  generator apart from the harness. */
function followEngineProcess(): { list(): LabelledProcess[]; stop(): void } {
  return followChildren(process.pid, (command) =>
    /engine\/bin\.mjs run |(^|\/)k6 run /.test(command) ? 'engine (load generator)' : null,
  );
}
