// Analysis of one run: from the ingested series and the k6 summary to analysis.json. Pure.
import type { IngestResult } from '../ingest/aggregator.ts';
import type {
  Analysis,
  Baseline,
  EngineHealthLine,
  NodeMetrics,
  ProcessSeries,
  RunKind,
  Saturation,
  ServerTimings,
  SteadyWindow,
  SummaryExport,
  ThresholdResult,
  TimeSeries,
} from '../record/types.ts';
import { baselineVerdict, type Tolerances } from './baseline-verdict.ts';
import { generatorHealth } from './generator.ts';
import { processFigures } from './processes.ts';
import { type SaturationOptions, saturationPoint } from './saturation.ts';
import { albTimings, serverWindow } from './server-latency.ts';
import { findStalls, generatorFreezes, stallSentence } from './stall.ts';
import { rampSecondsFromVus, steadyWindow } from './steady-window.ts';
import { fetchScenario, pointsOf } from './window.ts';

export { baselineVerdict, type Measured, standinNote, type Tolerances } from './baseline-verdict.ts';
export { type GeneratorInput, generatorHealth, generatorLimits } from './generator.ts';
export { NdjsonThresholds } from './ndjson-thresholds.ts';
export { processFigures } from './processes.ts';
export { findPlateaus, longestHold, type SaturationOptions, saturationPoint } from './saturation.ts';
export { albTimings, type ServerWindow, serverWindow } from './server-latency.ts';
export { findStalls, generatorFreezes, STALL_MIN_SECONDS, stallSentence } from './stall.ts';
export { rampSecondsFromVus, steadyWindow } from './steady-window.ts';
export { fitUsl, fitUslParams, uslThroughput } from './usl.ts';
export { fetchScenario, type WindowStats, windowStats } from './window.ts';

export function thresholdResults(summary: SummaryExport | null | undefined): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, values] of Object.entries(summary?.metrics ?? {})) {
    for (const [expression, failed] of Object.entries(values.thresholds ?? {})) {
      out.push({ metric, expression, ok: failed !== true, source: 'summary' });
    }
  }
  return out.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
}

/** The engine wrote no sample at all: nothing ran, or its results went nowhere. */
function noResults(series: TimeSeries): string | undefined {
  if (series.total.length > 0) return undefined;
  return 'The engine ended without writing any results (not one sample), so nothing was measured; check its output above (installation, flags, the script) — the run record keeps what there is.';
}

function levelsProblem(saturation: Saturation): string | undefined {
  if (saturation.levels.length === 0) {
    return `No VU level was held long enough to measure, so the scalability run has no saturation point. ${saturation.note ?? ''}`.trim();
  }
  if (saturation.levels.every((l) => l.rps === 0)) {
    return 'No held VU level completed a single fetch request, so the scalability run measured nothing; check that the Flask content answers.';
  }
  return undefined;
}

function steadyProblem(series: TimeSeries, steady: SteadyWindow): string | undefined {
  const missing = noResults(series);
  if (missing) return missing;
  const who = fetchScenario(series) ? `the '${fetchScenario(series)}' scenario` : 'any scenario';
  if (!steady.requests) {
    return `The steady window holds no request of ${who}, so nothing was measured: the fetchers never completed a request against the target (check that the Flask content answers).`;
  }
  if (!steady.answered) {
    return `None of the ${steady.requests} requests of ${who} in the steady window got an HTTP answer (all were network errors: refused, reset or timed out), so the target was not measured; check that the Flask content answers.`;
  }
  return undefined;
}

export interface AnalyseOptions {
  kind: RunKind;
  baseline: Baseline | null;
  tolerances?: Partial<Tolerances>;
  comparable: boolean;
  /** Ramp-up to exclude from a load-soak window; detected from the vus gauge when left out. */
  rampSeconds?: number;
  saturation?: SaturationOptions;
  /** Thresholds evaluated on the ingested NDJSON; used when the summary export has none. */
  ndjsonThresholds?: ThresholdResult[];
  /** The embedded engine's health lines (engine-health.ndjson), for the generator verdict. */
  engineHealth?: EngineHealthLine[];
  nodeMetrics?: NodeMetrics | null;
  /** Generator and target ran on one machine (the stand-in with local node metrics). */
  sharedMachine?: boolean;
  /** Server-side time per request (the stand-in proxy); else the ALB's from the node metrics. */
  serverTimings?: ServerTimings | null;
  /** Connect's processes of the Flask content (processes.json), for the figures over the window. */
  processes?: ProcessSeries | null;
}

function droppedIterations(summary: SummaryExport | null): number | null {
  if (!summary?.metrics) return null;
  const count = (summary.metrics.dropped_iterations as { count?: unknown } | undefined)?.count;
  // k6 lists a counter only once it has a sample: absent from a summary means none was dropped.
  return typeof count === 'number' ? count : 0;
}

function maxVusIn(series: TimeSeries, from: number, to: number): number | null {
  const inWindow = series.vus.filter((v) => v.t >= from && v.t <= to).map((v) => v.vus);
  return inWindow.length ? Math.max(...inWindow) : null;
}

/** Stalls change the verdicts: a target that stopped answering fails the baseline verdict, a
 *  generator that stopped running is what limited it. */
function applyStalls(analysis: Analysis): void {
  const stalls = analysis.stalls ?? [];
  const target = stalls.filter((s) => s.cause !== 'generator');
  const generator = stalls.filter((s) => s.cause === 'generator');
  if (target.length && analysis.verdict) {
    const seconds = target.reduce((n, s) => n + s.seconds, 0);
    analysis.verdict.checks.push({
      name: 'answering',
      measured: seconds,
      baseline: 0,
      limit: 0,
      comparison: '<=',
      ok: false,
      description: 'Seconds of the window in which fetch VUs ran and no request completed.',
    });
    analysis.verdict.ok = false;
    analysis.verdict.note = `${target.map((s) => s.note).join(' ')} ${analysis.verdict.note}`;
  }
  if (generator.length && analysis.generator) {
    const g = analysis.generator;
    g.reasons = [...generator.map((s) => s.note!), ...(g.verdict === 'limited' ? g.reasons : [])];
    g.verdict = 'limited';
  }
}

export function analyseRun(
  ingest: IngestResult,
  summary: SummaryExport | null,
  given: AnalyseOptions,
): Analysis {
  // Seconds in which the engine did not run are named as a stall; they must not also read as
  // event-loop delay or CPU figures of a running generator.
  const freezes = generatorFreezes(given.engineHealth ?? []);
  const options = given;
  const runningHealth = (given.engineHealth ?? []).filter(
    (h) => !freezes.some((f) => h.t >= f.from && h.t <= f.to + 1),
  );
  const fromSummary = thresholdResults(summary);
  const analysis: Analysis = {
    kind: options.kind,
    verdict: null,
    thresholds: fromSummary.length ? fromSummary : (options.ndjsonThresholds ?? []),
    checks: ingest.checks,
  };
  const { series } = ingest;
  if (options.kind === 'scalability') {
    const saturation = saturationPoint(series, options.saturation);
    analysis.saturation = saturation;
    // From the first completed fetch request (a cold start before it is not a stall) to the end.
    const scenario = fetchScenario(series);
    const first = pointsOf(series, scenario).find((p) => p.reqs > 0);
    if (first) {
      const stalls = findStalls(series, scenario, first.t, series.end, {
        health: options.engineHealth,
        otherVus: series.byScenario.publisher ? 1 : 0,
      });
      for (const stall of stalls) stall.note = stallSentence(stall, series.start);
      if (stalls.length) analysis.stalls = stalls;
    }
    const level = saturation.levels.find((l) => l.vus === saturation.saturationVus);
    analysis.problem = noResults(series) ?? levelsProblem(saturation);
    if (options.baseline && level && !analysis.problem) {
      analysis.verdict = baselineVerdict(
        { rps: saturation.peakRps, avgMs: level.avgMs, errorRate: level.errorRate },
        options.baseline,
        options.tolerances,
        options.comparable,
        'the scalability peak (latency and errors at the saturation level)',
      );
    }
    const measuredLevel = level ?? saturation.levels.at(-1);
    const processes = measuredLevel
      ? processFigures(
          options.processes,
          measuredLevel.from,
          measuredLevel.to,
          `the ${level ? 'saturation' : 'highest'} level (${measuredLevel.vus} VUs)`,
        )
      : null;
    if (processes) analysis.processes = processes;
    if (measuredLevel && !analysis.problem) {
      analysis.generator = generatorHealth({
        from: measuredLevel.from,
        to: measuredLevel.to,
        rps: measuredLevel.rps,
        avgMs: measuredLevel.avgMs,
        vus: measuredLevel.vus,
        health: runningHealth,
        nodeMetrics: options.nodeMetrics ?? null,
        sharedMachine: options.sharedMachine ?? false,
        droppedIterations: droppedIterations(summary),
        processes,
      });
    }
  } else {
    const steady = steadyWindow(
      series,
      options.rampSeconds ?? rampSecondsFromVus(series),
      ingest.publishCycles,
    );
    analysis.steady = steady;
    const windowed = (list: Array<{ t: number; count: number }> | undefined) =>
      (list ?? []).reduce((n, p) => (p.t >= steady.from && p.t <= steady.to ? n + p.count : n), 0);
    const seconds = steady.to - steady.from + 1;
    let requests = Math.round(steady.rps * seconds);
    const scenario = fetchScenario(series);
    const stalls = findStalls(series, scenario, steady.from, steady.to, {
      health: options.engineHealth,
      otherVus: series.byScenario.publisher ? 1 : 0,
    });
    for (const stall of stalls) stall.note = stallSentence(stall, series.start);
    if (stalls.length) analysis.stalls = stalls;
    // Requests still waiting when the window ended were never answered: each is a failed request,
    // as k6 counts one that reaches its timeout. The engine reports them after the window, if at
    // all, so the larger of the VUs waiting and the failures it reported later is counted.
    const last = stalls.at(-1);
    if (last?.untilEnd && last.cause !== 'generator') {
      const reportedLater = pointsOf(series, scenario)
        .filter((p) => p.t > steady.to)
        .reduce((n, p) => n + p.failed, 0);
      const unanswered = Math.max(last.vus, reportedLater);
      const failed = steady.errorRate * requests + unanswered;
      requests += unanswered;
      steady.unanswered = unanswered;
      steady.rps = requests / seconds;
      steady.errorRate = requests > 0 ? failed / requests : 0;
    }
    // Status 0 is k6's "no HTTP answer" (refused, reset, timeout): such a request measured nothing.
    steady.requests = requests;
    steady.answered = Math.max(0, requests - windowed(series.errorsByStatus['0']) - (steady.unanswered ?? 0));
    analysis.problem = steadyProblem(series, steady);
    const server = serverWindow(
      options.serverTimings ?? albTimings(options.nodeMetrics),
      steady.from,
      steady.to,
    );
    if (server) {
      steady.serverAvgMs = server.avgMs;
      steady.serverP95Ms = server.p95Ms;
      steady.serverSource = server.source;
    }
    const processes = processFigures(options.processes, steady.from, steady.to, 'the steady window');
    if (processes) analysis.processes = processes;
    if (!analysis.problem) {
      const held = maxVusIn(series, steady.from, steady.to);
      analysis.generator = generatorHealth({
        from: steady.from,
        to: steady.to,
        rps: steady.rps,
        avgMs: steady.avgMs,
        // The publisher's one VU does not fetch.
        vus: held === null ? null : Math.max(0, held - (series.byScenario.publisher ? 1 : 0)),
        health: runningHealth,
        nodeMetrics: options.nodeMetrics ?? null,
        sharedMachine: options.sharedMachine ?? false,
        droppedIterations: droppedIterations(summary),
        processes,
      });
    }
    if (options.baseline && !analysis.problem) {
      analysis.verdict = baselineVerdict(
        { rps: steady.rps, avgMs: steady.avgMs, errorRate: steady.errorRate },
        options.baseline,
        options.tolerances,
        options.comparable,
        'the steady window',
      );
    }
  }
  applyStalls(analysis);
  return analysis;
}
