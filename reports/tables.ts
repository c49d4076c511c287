// Table rows for the run report, already formatted; templates only place them.

import {
  formatClock,
  formatCount,
  formatDuration,
  formatMs,
  formatNumber,
  formatRate,
  formatRps,
  formatStepTime,
  formatTime,
} from './format.ts';
import { checksOf, thresholdsOf } from './results.ts';
import type { PublishCycle, RunRecord } from './run-data.ts';

export interface EndpointRow {
  name: string;
  scenario: string;
  method: string;
  count: string;
  rps: string;
  failed: string;
  failedBad: boolean;
  avg: string;
  p50: string;
  p90: string;
  p95: string;
  p99: string;
  max: string;
}

export function endpointRows(files: RunRecord): EndpointRow[] {
  const endpoints = [...(files.timeseries?.endpoints ?? [])].sort((a, b) => b.count - a.count);
  return endpoints.map((e) => ({
    name: e.name,
    scenario: e.scenario,
    method: e.method,
    count: formatCount(e.count),
    rps: formatNumber(e.rps),
    failed: formatRate(e.count > 0 ? e.failed / e.count : 0),
    failedBad: e.failed > 0,
    avg: formatMs(e.avg),
    p50: formatMs(e.p50),
    p90: formatMs(e.p90),
    p95: formatMs(e.p95),
    p99: formatMs(e.p99),
    max: formatMs(e.max),
  }));
}

/** k6 sets error_code = 1000 + status for HTTP errors; other codes are network failures. */
export function errorCodeMeaning(code: string): string {
  const n = Number(code);
  if (n >= 1400 && n < 1600) return `HTTP ${n - 1000} response`;
  return 'network or client error (no HTTP status)';
}

export interface ErrorRow {
  kind: 'status' | 'error code';
  key: string;
  meaning: string;
  count: string;
}

export function errorRows(files: RunRecord): ErrorRow[] {
  const rows: ErrorRow[] = [];
  const total = (points: Array<{ count: number }>) => points.reduce((sum, p) => sum + p.count, 0);
  for (const [status, points] of Object.entries(files.timeseries?.errorsByStatus ?? {})) {
    const meaning = status === '0' ? 'no response (connection failed or timed out)' : `HTTP ${status}`;
    rows.push({ kind: 'status', key: status, meaning, count: formatCount(total(points)) });
  }
  for (const [code, points] of Object.entries(files.timeseries?.errorsByCode ?? {})) {
    rows.push({
      kind: 'error code',
      key: code,
      meaning: errorCodeMeaning(code),
      count: formatCount(total(points)),
    });
  }
  return rows;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = p * (sorted.length - 1);
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

export interface StepRow {
  name: string;
  runs: string;
  failures: string;
  failed: boolean;
  avg: string;
  p50: string;
  p95: string;
  max: string;
}

function stepRow(name: string, durations: number[], failures: number): StepRow {
  const sorted = [...durations].sort((a, b) => a - b);
  const avg = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null;
  return {
    name,
    runs: formatCount(durations.length),
    failures: formatCount(failures),
    failed: failures > 0,
    avg: formatStepTime(avg),
    p50: formatStepTime(percentile(sorted, 0.5)),
    p95: formatStepTime(percentile(sorted, 0.95)),
    max: formatStepTime(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

/** Step names in the order the publisher runs them, then a row for whole cycles. */
export function publishStepRows(cycles: PublishCycle[]): StepRow[] {
  const steps = new Map<string, { durations: number[]; failures: number }>();
  for (const cycle of cycles) {
    for (const step of cycle.steps) {
      const entry = steps.get(step.name) ?? { durations: [], failures: 0 };
      entry.durations.push(step.durationMs);
      if (!step.ok) entry.failures++;
      steps.set(step.name, entry);
    }
  }
  const rows = [...steps].map(([name, s]) => stepRow(name, s.durations, s.failures));
  rows.push(
    stepRow(
      'whole cycle',
      cycles.map((c) => c.durationMs),
      cycles.filter((c) => !c.ok).length,
    ),
  );
  return rows;
}

export interface FailedCycleRow {
  start: string;
  elapsed: string;
  step: string;
  duration: string;
  error: string;
}

export function failedCycleRows(cycles: PublishCycle[], originSeconds: number): FailedCycleRow[] {
  return cycles
    .filter((c) => !c.ok)
    .map((c) => ({
      start: formatTime(new Date(c.start).toISOString()),
      elapsed: formatDuration(c.start / 1000 - originSeconds),
      step: c.steps.find((s) => !s.ok)?.name ?? '—',
      duration: formatStepTime(c.durationMs),
      error: c.error ?? 'no error message recorded',
    }));
}

export interface LevelRow {
  vus: string;
  rps: string;
  avg: string;
  p95: string;
  errors: string;
  window: string;
  saturation: boolean;
}

export function levelRows(files: RunRecord, originSeconds: number): LevelRow[] {
  const saturation = files.analysis?.saturation;
  if (!saturation) return [];
  return saturation.levels.map((level) => ({
    vus: formatCount(level.vus),
    rps: formatRps(level.rps),
    avg: formatMs(level.avgMs),
    p95: formatMs(level.p95Ms),
    errors: formatRate(level.errorRate),
    window: `${formatClock(level.from - originSeconds)} – ${formatClock(level.to - originSeconds)}`,
    saturation: level.vus === saturation.saturationVus,
  }));
}

export function thresholdRows(files: RunRecord) {
  return thresholdsOf(files).map((t) => ({ metric: t.metric, expression: t.expression, ok: t.ok }));
}

export function checkRows(files: RunRecord) {
  return checksOf(files).map((c) => {
    const total = c.passes + c.fails;
    return {
      name: c.name,
      passes: formatCount(c.passes),
      fails: formatCount(c.fails),
      rate: total > 0 ? formatRate(c.passes / total) : '—',
      failed: c.fails > 0,
    };
  });
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  return JSON.stringify(value);
}

/** Run metadata and options for the bottom of the report, flattened one level. */
export function metadataRows(files: RunRecord): Array<[string, string]> {
  const meta = files.meta;
  const rows: Array<[string, string]> = [
    ['run id', meta.id],
    ['command', meta.command],
    ['engine exit code', describe(meta.engineExitCode)],
    ['target kind', meta.target.kind],
    ['target version', describe(meta.target.version)],
  ];
  if (files.timeseries) {
    rows.push(['series step', `${files.timeseries.stepSeconds} s`]);
    rows.push(['series inputs', files.timeseries.inputs.join(', ') || '—']);
    rows.push(['malformed sample lines', formatCount(files.timeseries.malformedLines)]);
  }
  if (files.nodeMetrics) {
    rows.push(['node metrics', `${files.nodeMetrics.source}, every ${files.nodeMetrics.periodSeconds} s`]);
  }
  for (const [key, value] of Object.entries(meta.options ?? {}))
    rows.push([`option ${key}`, describe(value)]);
  return rows;
}
