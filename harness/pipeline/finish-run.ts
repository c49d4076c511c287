// After the load: the series from the aggregator (or the samples file when the engine gave no
// live stream), the analysis, the rest of the run record, the reports, what to tell the user and
// the exit code. A failure in one of these still leaves run.json with a final status.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { readHealthFile } from '../../engine/health.ts';
import type { LoadSoakPlan, ScalabilityPlan } from '../../scenarios/lib/profiles.ts';
import { analyseRun, NdjsonThresholds } from '../analysis/index.ts';
import { type Aggregator, type IngestResult, ingestFiles } from '../ingest/index.ts';
import { runPath } from '../record/paths.ts';
import { writeProcesses } from '../record/processes.ts';
import { readRun } from '../record/read.ts';
import { scrubText } from '../record/scrub.ts';
import type {
  Analysis,
  Baseline,
  NodeMetrics,
  ProcessSeries,
  RunMeta,
  ServerTimings,
  SummaryExport,
  ThresholdResult,
} from '../record/types.ts';
import { writeJsonAtomic } from '../record/write.ts';
import { renderRunReports } from '../reporting/index.ts';
import type { StopRequest, StopWatch } from '../stops/index.ts';
import { EXIT_CODES } from './exit-codes.ts';

export interface EngineEnd {
  exitCode: number | null;
  interrupted: boolean;
  /** What stopped the run early (a signal, the parent's death), when something did. */
  stop?: StopRequest | null;
  /** Set when the engine could not run the test to an end of its own. */
  failure?: string;
  /** The samples are in these files (k6-operator runners) instead of the live stream. */
  sampleFiles?: string[];
  /** Replaces the engine recorded at the start, once the run has told more about it. */
  engine?: RunMeta['engine'];
}

export interface FinishContext {
  dir: string;
  meta: RunMeta;
  plan: ScalabilityPlan | LoadSoakPlan;
  baseline: Baseline;
  failOnBaseline: boolean;
  secrets: Array<string | undefined>;
  log: (line: string) => void;
  /** Stop requests that arrive while the record is written still end the run as interrupted. */
  stops?: StopWatch;
  /** Server-side timings from the target at the end of the run (the stand-in's proxy). */
  serverTimings?: () => Promise<{ timings: ServerTimings } | { problem: string }>;
  /** Connect's processes of the Flask content, polled during the load (processes.json). */
  processes?: ProcessSeries;
}

function interruptedMessage(stop: StopRequest | null | undefined, when: string): string {
  return `Stopped ${when} (${stop?.reason ?? 'the engine was interrupted'}); the figures cover the part that ran.`;
}

async function seriesOf(
  dir: string,
  aggregator: Aggregator,
  live: number,
  files: string[] | undefined,
  watcher: NdjsonThresholds,
): Promise<IngestResult> {
  // Several runners: counts add, histograms merge, VUs sum per second (ingest's own rules). Each
  // runner judged its thresholds on its own share only, so they are judged again on the merge.
  if (files?.length) return ingestFiles(files, { watcher });
  const samples = runPath(dir, 'samples');
  // A file cut short (an engine killed, a full disk) holds no more than the live stream read
  // from it, so its error is not the run's: the live stream's series stands.
  if (aggregator.samples === 0 && existsSync(samples)) {
    const read = await ingestFiles([samples]).catch(() => null);
    if (read) return read;
  }
  aggregator.endSource(live);
  const result = aggregator.finish();
  result.series.inputs = [samples];
  return result;
}

function analyse(
  ctx: FinishContext,
  ingest: IngestResult,
  summary: SummaryExport | null,
  nodeMetrics: NodeMetrics,
  serverTimings: ServerTimings | null,
  ndjsonThresholds: ThresholdResult[] | undefined,
): Analysis {
  const { plan } = ctx;
  return analyseRun(ingest, summary, {
    ndjsonThresholds,
    serverTimings,
    kind: plan.kind,
    processes: ctx.processes ?? null,
    baseline: ctx.baseline,
    comparable: ctx.meta.target.comparableToBaseline,
    engineHealth: readHealthFile(runPath(ctx.dir, 'engineHealth')),
    nodeMetrics,
    sharedMachine: ctx.meta.target.kind === 'standin' && nodeMetrics.source === 'local',
    rampSeconds: plan.kind === 'load-soak' ? plan.rampSeconds : undefined,
    // Levels are held `holdSeconds`; a plateau of 60 % of that is a level, and the first quarter
    // (1–10 s) after a step is warm-up.
    saturation:
      plan.kind === 'scalability'
        ? {
            minHoldSeconds: Math.max(2, Math.floor(plan.holdSeconds * 0.6)),
            settleSeconds: Math.min(10, Math.max(1, Math.floor(plan.holdSeconds / 4))),
            otherVus: ingest.series.byScenario.publisher ? 1 : 0,
          }
        : undefined,
  });
}

/** The lines printed at the end: saturation or steady window, then the verdict. Pure. */
export function verdictLines(analysis: Analysis): string[] {
  const lines: string[] = [];
  if (analysis.saturation) {
    const s = analysis.saturation;
    lines.push(
      `saturation: ${s.saturationVus ?? 'none'} VUs, peak ${s.peakRps.toFixed(1)} req/s. ${s.note ?? ''}`,
    );
    if (s.usl) lines.push(`Universal Scalability Law: ${s.usl.note}`);
  }
  if (analysis.steady) {
    const s = analysis.steady;
    lines.push(
      `steady window: ${s.rps.toFixed(1)} req/s, avg ${s.avgMs.toFixed(1)} ms, p95 ${s.p95Ms.toFixed(1)} ms, ` +
        `errors ${(s.errorRate * 100).toFixed(2)} %${s.unanswered ? ` (${s.unanswered} never answered)` : ''}, publish cycles ${s.publishCycles.completed} ok / ${s.publishCycles.failed} failed`,
    );
    if (typeof s.serverAvgMs === 'number')
      lines.push(
        `server side: avg ${s.serverAvgMs.toFixed(1)} ms${typeof s.serverP95Ms === 'number' ? `, p95 ${s.serverP95Ms.toFixed(1)} ms` : ''} ` +
          `(${(s.avgMs - s.serverAvgMs).toFixed(1)} ms of the client's average is outside the server)`,
      );
  }
  for (const stall of analysis.stalls ?? []) lines.push(`stall: ${stall.note}`);
  if (analysis.problem) return [...lines, 'verdict: none, the run measured nothing (why below)'];
  const g = analysis.generator;
  if (g) lines.push(`generator: ${g.verdict === 'limited' ? 'LIMITED' : g.verdict}. ${g.reasons.join(' ')}`);
  const v = analysis.verdict;
  if (!v) return [...lines, 'verdict: none (nothing was measured to compare)'];
  if (!v.comparable) {
    const checks = v.checks.map((c) => `${c.name} ${c.ok ? 'within' : 'outside'} the limit`).join(', ');
    lines.push(
      `verdict: NOT COMPARABLE with the published baseline (checks for orientation only: ${checks})`,
    );
  } else {
    const checks = v.checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join(', ');
    lines.push(`verdict: ${v.ok ? 'PASS' : 'FAIL'} against the baseline (${checks})`);
  }
  lines.push(v.note);
  return lines;
}

export async function finishRun(
  ctx: FinishContext,
  aggregator: Aggregator,
  live: number,
  nodeMetrics: NodeMetrics,
  end: EngineEnd,
): Promise<number> {
  const { dir, log } = ctx;
  let failure = end.failure;
  let analysis: Analysis | null = null;
  try {
    const watcher = new NdjsonThresholds();
    const ingest = await seriesOf(dir, aggregator, live, end.sampleFiles, watcher);
    const merged = end.sampleFiles?.length
      ? watcher.results((ingest.series.end - ingest.series.start + 1) * 1000)
      : undefined;
    for (const problem of end.sampleFiles?.length ? watcher.problems : []) log(problem);
    const summary = ((await readRun(dir).catch(() => null))?.summary ?? null) as SummaryExport | null;
    let serverTimings: ServerTimings | null = null;
    const fetched = await ctx.serverTimings?.();
    if (fetched && 'timings' in fetched) {
      serverTimings = fetched.timings;
      await writeJsonAtomic(runPath(dir, 'serverTimings'), serverTimings);
    } else if (fetched) log(`server-side timings: none (${fetched.problem})`);
    if (ctx.processes) await writeProcesses(dir, ctx.processes);
    analysis = analyse(ctx, ingest, summary, nodeMetrics, serverTimings, merged);
    await writeJsonAtomic(runPath(dir, 'timeseries'), ingest.series);
    await writeJsonAtomic(runPath(dir, 'publish'), ingest.publishCycles);
    await writeJsonAtomic(runPath(dir, 'nodeMetrics'), nodeMetrics);
    await writeJsonAtomic(runPath(dir, 'analysis'), analysis);
  } catch (error) {
    failure ??= `Writing the run record failed: ${(error as Error).message}`;
  }
  // A run that measured nothing fails, unless Ctrl-C cut it short (then it says interrupted).
  if (!end.interrupted && analysis?.problem) failure ??= analysis.problem;
  // So does a run whose target stopped answering: its figures would read as a quiet target.
  const stopped = analysis?.stalls?.find((s) => s.cause !== 'generator');
  if (!end.interrupted && stopped) {
    failure ??= `${stopped.note} The run fails: its figures include seconds in which the target did not answer.`;
  }
  const status: RunMeta['status'] = failure ? 'failed' : end.interrupted ? 'interrupted' : 'completed';
  const meta: RunMeta = {
    ...ctx.meta,
    engine: end.engine ?? ctx.meta.engine,
    endedAt: new Date().toISOString(),
    status,
    engineExitCode: end.exitCode,
  };
  if (failure || end.interrupted) {
    meta.message = scrubText(failure ?? interruptedMessage(end.stop, 'before the planned end'), ctx.secrets);
  }
  if (!(await writeMeta(dir, meta, log))) {
    log(meta.message ?? 'The run failed.');
    return EXIT_CODES.failed;
  }
  await renderReports(dir, log);
  // A stop that arrived while the record and reports were written still counts: the run did not
  // end the way it was asked to, and the caller (a CI runner, systemd) must see that.
  const late = status === 'completed' ? (ctx.stops?.first ?? null) : null;
  if (late) {
    meta.status = 'interrupted';
    meta.message = interruptedMessage(late, 'while the run record was written');
    await writeJsonAtomic(runPath(dir, 'meta'), meta);
    await renderReports(dir, log);
  }
  if (analysis) for (const line of verdictLines(analysis)) log(line);
  if (meta.status === 'failed') {
    log(meta.message ?? 'The run failed.');
    return EXIT_CODES.failed;
  }
  if (meta.status === 'interrupted') {
    log(meta.message ?? 'The run was interrupted.');
    return (late ?? end.stop)?.exitCode ?? EXIT_CODES.interrupted;
  }
  // Runner files (k6-operator): the runners' exit codes judged their own share; the merge decides.
  const mergedFailed = end.sampleFiles?.length ? analysis?.thresholds.some((t) => !t.ok) : false;
  if (end.exitCode === EXIT_CODES.thresholds || mergedFailed) {
    log('A k6 threshold failed (exit 99); see the thresholds table in the report.');
    return EXIT_CODES.thresholds;
  }
  if (ctx.failOnBaseline && analysis?.verdict?.comparable && !analysis.verdict.ok) return EXIT_CODES.verdict;
  return EXIT_CODES.ok;
}

/**
 * run.json with its final status. On a full disk the usual write (a new file renamed over the
 * old) has no room, so the record is overwritten in place: the blocks of the first run.json are
 * still its own. Returns false when even that failed (said once on stderr).
 */
export async function writeMeta(dir: string, meta: RunMeta, log: (line: string) => void): Promise<boolean> {
  const path = runPath(dir, 'meta');
  try {
    await writeJsonAtomic(path, meta);
    return true;
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    if (meta.status !== 'running') {
      meta.status = 'failed';
      meta.message = `${meta.message ?? 'The run failed.'} (The disk or folder refused the final record: ${why}; the reports could not be written.)`;
    }
    try {
      const file = await open(path, 'r+');
      try {
        const text = Buffer.from(JSON.stringify(meta));
        await file.write(text, 0, text.length, 0);
        await file.truncate(text.length);
        await file.sync();
      } finally {
        await file.close();
      }
      log(`${path} was written in place (${why} on the usual write); the reports were not rendered.`);
      return false;
    } catch (again) {
      log(
        `${path} could not be written (${why}, then ${(again as NodeJS.ErrnoException).code ?? (again as Error).message}); it still says "running". Free some space and run \`npm run report -- ${dir}\`.`,
      );
      return false;
    }
  }
}

async function renderReports(dir: string, log: (line: string) => void): Promise<void> {
  try {
    log(`report: ${(await renderRunReports(dir)).html}`);
  } catch (error) {
    log(
      `The reports could not be rendered (${(error as Error).message}); the run record in ${dir} is complete, retry with \`npm run report -- ${dir}\`.`,
    );
  }
}
