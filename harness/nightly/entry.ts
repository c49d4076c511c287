// A history entry from a finished run folder: the headline figures and verdicts, nothing more.
import { relative } from 'node:path';
import type { RunRecord } from '../record/index.ts';
import { runPath } from '../record/paths.ts';
import type { HistoryEntry } from './history.ts';

export function historyEntryFromRun(record: RunRecord, trendDir: string): HistoryEntry {
  const { meta, analysis } = record;
  if (!analysis) {
    throw new Error(
      `The run ${record.dir} has no analysis.json, so it has no figures to add to the history.`,
    );
  }
  let figures: HistoryEntry['figures'];
  if (analysis.kind === 'load-soak') {
    const steady = analysis.steady;
    if (!steady) throw new Error(`The load-soak run ${record.dir} has no steady window in analysis.json.`);
    const plan = meta.options.plan as { vus?: unknown } | undefined;
    const vus = Number(meta.options.vus ?? plan?.vus);
    figures = {
      rps: steady.rps,
      avgMs: steady.avgMs,
      p95Ms: steady.p95Ms,
      errorRate: steady.errorRate,
      vus: Number.isFinite(vus) && vus > 0 ? vus : null,
    };
  } else {
    const sat = analysis.saturation;
    if (!sat) throw new Error(`The scalability run ${record.dir} has no saturation analysis.`);
    const level = sat.levels.find((l) => l.vus === sat.saturationVus) ?? sat.levels.at(-1);
    figures = {
      rps: sat.peakRps,
      avgMs: level?.avgMs ?? 0,
      p95Ms: level?.p95Ms ?? 0,
      errorRate: level?.errorRate ?? 0,
      vus: sat.saturationVus,
    };
  }
  const comparable = meta.target.comparableToBaseline && (analysis.verdict?.comparable ?? true);
  return {
    date: meta.startedAt,
    runId: meta.id,
    gitRevision: meta.gitRevision,
    // The stand-in listens on a new port every run; its runs compare with each other.
    target: meta.target.kind === 'standin' ? 'local stand-in' : meta.target.url,
    profile: meta.profile,
    kind: meta.kind,
    engine: `${meta.engine.name} ${meta.engine.version}`,
    figures,
    verdicts: {
      baseline: analysis.verdict && comparable ? analysis.verdict.ok : null,
      comparable,
      thresholds: analysis.thresholds.every((t) => t.ok),
      regression: null,
    },
    report: relative(trendDir, runPath(record.dir, 'reportHtml')),
  };
}
