// Everything the run report shows, formatted and in order; the template only lays it out.

import { type BaselineText, publishedBaselineText } from './baseline-text.ts';
import {
  formatCount,
  formatDuration,
  formatMs,
  formatPercent,
  formatRate,
  formatRps,
  formatStepTime,
  formatTime,
} from './format.ts';
import { type Headline, headlineOf } from './headline.ts';
import type { ChartSpec } from './html/charts.ts';
import { runCharts, runClock } from './run-charts.ts';
import type { RunMeta, RunRecord } from './run-data.ts';
import {
  checkRows,
  endpointRows,
  errorRows,
  failedCycleRows,
  levelRows,
  metadataRows,
  publishStepRows,
  thresholdRows,
} from './tables.ts';
import { type VerdictView, verdictOf } from './verdict.ts';

export interface Tile {
  label: string;
  value: string;
  sub?: string;
  state?: 'good' | 'bad';
}

export interface Banner {
  kind: 'interrupted' | 'failed' | 'running';
  title: string;
  text: string;
}

export const kindNames: Record<RunMeta['kind'], string> = {
  scalability: 'Scalability test',
  'load-soak': 'Load test (soak)',
};

export function statusBanner(meta: RunMeta): Banner | null {
  if (meta.status === 'completed') return null;
  const exit = meta.engineExitCode === null ? '' : ` (engine exit code ${meta.engineExitCode})`;
  const texts = {
    interrupted: 'The run was stopped before its planned end; figures cover only the part that ran.',
    failed: 'The run failed; figures cover only what was recorded before the failure.',
    running: 'The run was still going when this report was made; figures are partial.',
  };
  return {
    kind: meta.status,
    title: `${meta.status.toUpperCase()}${exit}`,
    text: meta.message ? `${texts[meta.status]} ${meta.message}` : texts[meta.status],
  };
}

export function runDurationSeconds(meta: RunMeta): number | null {
  if (!meta.endedAt) return null;
  return (Date.parse(meta.endedAt) - Date.parse(meta.startedAt)) / 1000;
}

export function headerFacts(meta: RunMeta): Array<[string, string]> {
  const target = `${meta.target.url} (${meta.target.kind === 'standin' ? 'local stand-in' : 'Connect'}${meta.target.version ? `, version ${meta.target.version}` : ''})`;
  return [
    ['kind', kindNames[meta.kind] ?? meta.kind],
    ['profile', meta.profile],
    ['target', target],
    [
      'engine',
      `${meta.engine.name} ${meta.engine.version}${meta.engine.parallelism ? `, ${meta.engine.parallelism} runners` : ''}`,
    ],
    ['git revision', meta.gitRevision ?? 'unknown'],
    ['status', meta.status],
    ['started', formatTime(meta.startedAt)],
    ['ended', meta.endedAt ? formatTime(meta.endedAt) : 'not recorded'],
    ['duration', formatDuration(runDurationSeconds(meta))],
  ];
}

export function headlineTiles(headline: Headline): Tile[] {
  const publish = headline.publish;
  return [
    {
      label: 'Throughput',
      value: formatRps(headline.rps),
      sub: `${formatCount(headline.requests)} requests`,
    },
    { label: 'Average latency', value: formatMs(headline.avgMs) },
    { label: 'p95 latency', value: formatMs(headline.p95Ms), sub: `p99 ${formatMs(headline.p99Ms)}` },
    {
      label: 'Error rate',
      value: formatRate(headline.errorRate),
      state: headline.errorRate === null ? undefined : headline.errorRate > 0 ? 'bad' : 'good',
    },
    { label: 'Virtual users', value: formatCount(headline.vus), sub: 'most running at once' },
    {
      label: 'Publish cycles',
      value: publish
        ? `${formatCount(publish.completed)} of ${formatCount(publish.completed + publish.failed)} ok`
        : '—',
      sub: publish ? `avg ${formatStepTime(publish.avgMs)} per cycle` : 'no publish record',
      state: publish && publish.failed > 0 ? 'bad' : undefined,
    },
  ];
}

export interface GeneratorView {
  state: 'ok' | 'limited' | 'unknown';
  headline: string;
  reasons: string[];
  figures: Array<[string, string]>;
}

export function generatorView(files: RunRecord): GeneratorView | null {
  const g = files.analysis?.generator;
  if (!g) return null;
  const f = g.figures;
  const rows: Array<[string, string | null]> = [
    [
      'engine CPU (mean, p95)',
      f.engineCpuPercent === null
        ? null
        : `${formatPercent(f.engineCpuPercent)}, ${formatPercent(f.engineCpuP95Percent)} of one core`,
    ],
    ['CPUs available to the engine', f.cpus === null ? null : String(f.cpus)],
    [
      'event-loop delay p99 (typical second, worst)',
      f.eventLoopP99MedianMs === null
        ? null
        : `${formatMs(f.eventLoopP99MedianMs)}, ${formatMs(f.eventLoopP99MaxMs)}`,
    ],
    [
      'machine CPU (generator and target)',
      f.machineCpuPercent === null ? null : formatPercent(f.machineCpuPercent),
    ],
    ['dropped iterations', f.droppedIterations === null ? null : formatCount(f.droppedIterations)],
    [
      "VUs busy in requests (Little's law)",
      f.littleBusyFraction === null ? null : formatPercent(Math.min(f.littleBusyFraction, 1) * 100),
    ],
    ['from', f.sources.join('; ') || null],
  ];
  return {
    state: g.verdict,
    headline:
      g.verdict === 'limited'
        ? 'Load generator: LIMITED — the figures may show the generator, not the target'
        : g.verdict === 'ok'
          ? 'Load generator: not the limit'
          : 'Load generator: cannot be told',
    reasons: g.reasons,
    figures: rows.filter((row): row is [string, string] => row[1] !== null),
  };
}

function serverView(files: RunRecord): RunView['server'] {
  const steady = files.analysis?.steady;
  if (!steady || typeof steady.serverAvgMs !== 'number') return null;
  return {
    avg: formatMs(steady.serverAvgMs),
    p95: typeof steady.serverP95Ms === 'number' ? formatMs(steady.serverP95Ms) : null,
    client: formatMs(steady.avgMs),
    gap: formatMs(steady.avgMs - steady.serverAvgMs),
    source: steady.serverSource ?? 'not recorded',
  };
}

/**
 * One line on Connect's processes of the Flask content: the figures over the measured window, how
 * many distinct processes and hosts were seen running, and why polling stopped when it did; null
 * when the run has no processes.json.
 */
export function processLine(files: RunRecord): string | null {
  const series = files.processes;
  if (!series) return null;
  const parts: string[] = [];
  const figures = files.analysis?.processes;
  if (figures) parts.push(figures.note);
  if (series.polls > 0) {
    const n = series.processes.length;
    const h = series.hosts.length;
    parts.push(
      `${n}${n >= 1000 ? '+' : ''} distinct process${n === 1 ? '' : 'es'} on ${h} host${h === 1 ? '' : 's'} were seen running (${formatCount(series.polls)} polls of GET /v1/content/{guid}/jobs${series.stepSeconds > 1 ? `, ${series.stepSeconds}-second points` : ''}).`,
    );
  }
  if (series.stopped) parts.push(series.stopped);
  return parts.length ? parts.join(' ') : null;
}

export interface RunView {
  title: string;
  meta: RunMeta;
  banner: Banner | null;
  facts: Array<[string, string]>;
  missing: string[];
  verdict: VerdictView;
  generator: GeneratorView | null;
  server: { avg: string; p95: string | null; client: string; gap: string; source: string } | null;
  /** Connect's processes of the Flask content (processLine), or null. */
  processes: string | null;
  baseline: BaselineText | null;
  headline: Headline;
  tiles: Tile[];
  saturation: {
    sentence: string;
    method: string;
    levels: ReturnType<typeof levelRows>;
    usl: { note: string; rows: Array<[string, string]>; good: boolean } | null;
  } | null;
  endpoints: ReturnType<typeof endpointRows>;
  /** k6-operator runners, each with its own share of the load; empty for one-process runs. */
  runners: RunnerRow[];
  errors: ReturnType<typeof errorRows>;
  publish: { steps: ReturnType<typeof publishStepRows>; failures: ReturnType<typeof failedCycleRows> } | null;
  nodeWarnings: string[];
  nodeSource: string | null;
  thresholds: ReturnType<typeof thresholdRows>;
  checks: ReturnType<typeof checkRows>;
  metadata: Array<[string, string]>;
  charts: Record<string, ChartSpec>;
  nodeChartIds: string[];
}

function saturationView(files: RunRecord, origin: number): RunView['saturation'] {
  const saturation = files.analysis?.saturation;
  if (!saturation) return null;
  const level = saturation.levels.find((l) => l.vus === saturation.saturationVus);
  const sentence =
    saturation.saturationVus === null || !level
      ? `No saturation found: throughput was still rising at the last level (peak ${formatRps(saturation.peakRps)}). Extend the ramp to find it.`
      : `Saturation at ${formatCount(level.vus)} VUs: ${formatRps(level.rps)}, average latency ${formatMs(level.avgMs)}, p95 ${formatMs(level.p95Ms)} (peak ${formatRps(saturation.peakRps)}; Posit's published run used 400 VUs).`;
  const usl = saturation.usl;
  return {
    sentence,
    method: saturation.method,
    levels: levelRows(files, origin),
    usl: usl
      ? {
          note: usl.note,
          good: usl.good,
          rows: [
            ['σ (contention)', usl.sigma.toPrecision(3)],
            ['κ (coherency)', usl.kappa.toPrecision(3)],
            ['λ (throughput of one VU)', formatRps(usl.lambda)],
            ['r² (fit on the measured levels)', usl.r2.toFixed(3)],
            ['N* = √((1−σ)/κ)', usl.peakVus === null ? 'none (κ = 0)' : `${usl.peakVus.toFixed(1)} VUs`],
            ['X(N*)', formatRps(usl.peakRps)],
            ['levels fitted', String(usl.levels)],
            [
              '--vus auto takes',
              usl.good
                ? `${usl.boundedVus} VUs (N*, within the measured levels)`
                : 'the 95 % level (fit not good enough)',
            ],
          ],
        }
      : null,
  };
}

export interface RunnerRow {
  pod: string;
  instance: string;
  requests: string;
  rps: string;
  vus: string;
  scenarios: string;
  end: string;
  lost: string | null;
}

/** One row per k6-operator runner: its share of the merged load, and how it ended. Pure. */
export function runnerRows(meta: RunMeta): RunnerRow[] {
  return (meta.engine.runners ?? []).map((r) => ({
    pod: r.pod,
    instance: r.instance === null ? '—' : String(r.instance),
    requests: formatCount(r.requests),
    rps: formatRps(r.reqPerSec),
    vus: formatCount(r.maxVus),
    scenarios: r.scenarios?.join(', ') || '—',
    end: r.exitCode === null ? 'unknown' : `exit ${r.exitCode}`,
    lost: r.lost ?? null,
  }));
}

export function runView(files: RunRecord): RunView {
  const meta = files.meta;
  const clock = runClock(files);
  const charts = runCharts(files);
  const headline = headlineOf(files);
  return {
    title: `${kindNames[meta.kind] ?? meta.kind} · ${meta.profile} · ${meta.id}`,
    meta,
    banner: statusBanner(meta),
    facts: headerFacts(meta),
    missing: files.missing,
    verdict: verdictOf(files),
    generator: generatorView(files),
    server: serverView(files),
    processes: processLine(files),
    baseline: publishedBaselineText(),
    headline,
    tiles: headlineTiles(headline),
    saturation: saturationView(files, clock.origin),
    endpoints: endpointRows(files),
    runners: runnerRows(meta),
    errors: errorRows(files),
    publish: files.publish
      ? { steps: publishStepRows(files.publish), failures: failedCycleRows(files.publish, clock.origin) }
      : null,
    nodeWarnings: files.nodeMetrics?.warnings ?? [],
    nodeSource: files.nodeMetrics ? files.nodeMetrics.source : null,
    thresholds: thresholdRows(files),
    checks: checkRows(files),
    metadata: metadataRows(files),
    charts,
    nodeChartIds: Object.keys(charts).filter((id) => id.startsWith('node')),
  };
}
