// Analysis of one run: from the ingested series and the k6 summary to analysis.json. Pure.
import type { IngestResult } from '../ingest/aggregator.ts';
import type { Analysis, Baseline, RunKind, SummaryExport, ThresholdResult } from '../record/types.ts';
import { baselineVerdict, type Tolerances } from './baseline-verdict.ts';
import { type SaturationOptions, saturationPoint } from './saturation.ts';
import { rampSecondsFromVus, steadyWindow } from './steady-window.ts';

export { baselineVerdict, type Measured, standinNote, type Tolerances } from './baseline-verdict.ts';
export { findPlateaus, type SaturationOptions, saturationPoint } from './saturation.ts';
export { rampSecondsFromVus, steadyWindow } from './steady-window.ts';
export { fetchScenario, type WindowStats, windowStats } from './window.ts';

export function thresholdResults(summary: SummaryExport | null | undefined): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, values] of Object.entries(summary?.metrics ?? {})) {
    for (const [expression, failed] of Object.entries(values.thresholds ?? {})) {
      out.push({ metric, expression, ok: failed !== true });
    }
  }
  return out.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
}

export interface AnalyseOptions {
  kind: RunKind;
  baseline: Baseline | null;
  tolerances?: Partial<Tolerances>;
  comparable: boolean;
  /** Ramp-up to exclude from a load-soak window; detected from the vus gauge when left out. */
  rampSeconds?: number;
  saturation?: SaturationOptions;
}

export function analyseRun(
  ingest: IngestResult,
  summary: SummaryExport | null,
  options: AnalyseOptions,
): Analysis {
  const analysis: Analysis = {
    kind: options.kind,
    verdict: null,
    thresholds: thresholdResults(summary),
    checks: ingest.checks,
  };
  const { series } = ingest;
  if (options.kind === 'scalability') {
    const saturation = saturationPoint(series, options.saturation);
    analysis.saturation = saturation;
    const level = saturation.levels.find((l) => l.vus === saturation.saturationVus);
    if (options.baseline && level) {
      analysis.verdict = baselineVerdict(
        { rps: saturation.peakRps, avgMs: level.avgMs, errorRate: level.errorRate },
        options.baseline,
        options.tolerances,
        options.comparable,
        'the scalability peak (latency and errors at the saturation level)',
      );
    }
  } else {
    const steady = steadyWindow(
      series,
      options.rampSeconds ?? rampSecondsFromVus(series),
      ingest.publishCycles,
    );
    analysis.steady = steady;
    const measured = series.total.some((p) => p.t >= steady.from && p.t <= steady.to && p.reqs > 0);
    if (options.baseline && measured) {
      analysis.verdict = baselineVerdict(
        { rps: steady.rps, avgMs: steady.avgMs, errorRate: steady.errorRate },
        options.baseline,
        options.tolerances,
        options.comparable,
        'the steady window',
      );
    }
  }
  return analysis;
}
