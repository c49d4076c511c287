// The baseline verdict as the reports show it: each check with its unit, the tolerance in
// words, and a plain statement when the target cannot be compared with Posit's EKS result.

import { formatByUnit, formatRate } from './format.ts';
import type { RunMeta, RunRecord, VerdictCheck } from './run-data.ts';

export interface VerdictRow {
  name: string;
  label: string;
  description: string;
  unit: string;
  measured: string;
  baseline: string;
  limit: string;
  tolerance: string;
  ok: boolean;
  /** For JUnit and Markdown: `throughput >= 1,456.2 req/s`. */
  rule: string;
  /** The result in words: `pass`/`fail`, or `within`/`outside` the limit when only for orientation. */
  result: string;
}

export interface VerdictView {
  /** `not-comparable`: the figures must not be read as meeting or missing Posit's result. */
  state: 'pass' | 'fail' | 'none' | 'not-comparable';
  headline: string;
  /** Set when the figures must not be read against Posit's result. */
  notComparable: string | null;
  note: string | null;
  rows: VerdictRow[];
}

const checkLabels: Record<string, [label: string, unit: string]> = {
  throughput: ['Throughput', 'req/s'],
  latency_avg: ['Average latency', 'ms'],
  latency_p95: ['p95 latency', 'ms'],
  error_rate: ['Error rate', 'rate'],
  vus: ['Virtual users', 'vus'],
};

function unitFor(name: string): [string, string] {
  const known = checkLabels[name];
  if (known) return known;
  if (name.includes('latency')) return [name, 'ms'];
  if (name.includes('rate')) return [name, 'rate'];
  return [name, 'none'];
}

function exactLimit(value: number, unit: string, useGrouping = true): string {
  if (unit === 'rate') return formatRate(value);
  const text = value.toLocaleString('en-US', { maximumFractionDigits: 1, useGrouping });
  return unit === 'none' ? text : `${text} ${unit}`;
}

function toleranceOf(check: VerdictCheck, unit: string): string {
  if (check.baseline > 0) {
    const percent = Math.round((check.limit / check.baseline) * 1000) / 10;
    return `${check.comparison === '>=' ? 'at least' : 'at most'} ${percent} % of the baseline`;
  }
  return `${check.comparison === '>=' ? 'at least' : 'at most'} ${formatByUnit(check.limit, unit)}`;
}

export function verdictRow(check: VerdictCheck, comparable = true): VerdictRow {
  const [label, unit] = unitFor(check.name);
  return {
    name: check.name,
    label,
    description: check.description,
    unit,
    measured: formatByUnit(check.measured, unit),
    baseline: formatByUnit(check.baseline, unit),
    limit: `${check.comparison === '>=' ? '≥' : '≤'} ${exactLimit(check.limit, unit)}`,
    tolerance: toleranceOf(check, unit),
    ok: check.ok,
    rule: `${check.name} ${check.comparison} ${exactLimit(check.limit, unit, false)}`,
    result: comparable ? (check.ok ? 'pass' : 'fail') : check.ok ? 'within the limit' : 'outside the limit',
  };
}

export function comparabilityNote(meta: RunMeta, verdictComparable = true): string | null {
  if (meta.target.comparableToBaseline && verdictComparable) return null;
  if (meta.target.kind === 'standin') {
    return "Stand-in on this machine: figures are not comparable with Posit's EKS result.";
  }
  return "This target is not comparable hardware: figures are not comparable with Posit's EKS result.";
}

export function verdictOf(files: RunRecord): VerdictView {
  const verdict = files.analysis?.verdict;
  if (!files.analysis) {
    return {
      state: 'none',
      headline: 'No verdict: analysis.json is missing. Re-run the analysis on this run folder to get one.',
      notComparable: comparabilityNote(files.meta),
      note: null,
      rows: [],
    };
  }
  if (files.analysis.problem) {
    return {
      state: 'none',
      headline: `No verdict: the run measured nothing. ${files.analysis.problem}`,
      notComparable: comparabilityNote(files.meta),
      note: null,
      rows: [],
    };
  }
  if (!verdict) {
    const why =
      files.meta.kind === 'scalability'
        ? 'A scalability run finds the saturation point; the baseline verdict comes from the load-soak run.'
        : 'The analysis gave no baseline verdict for this run.';
    return {
      state: 'none',
      headline: why,
      notComparable: comparabilityNote(files.meta),
      note: null,
      rows: [],
    };
  }
  const comparable = verdict.comparable && files.meta.target.comparableToBaseline;
  const rows = verdict.checks.map((check) => verdictRow(check, comparable));
  const failed = rows.filter((row) => !row.ok).length;
  if (!comparable) {
    return {
      state: 'not-comparable',
      headline: 'Not comparable with the published baseline',
      notComparable: comparabilityNote(files.meta, false),
      note: /orientation only/.test(verdict.note)
        ? verdict.note
        : `${verdict.note} The checks below are for orientation only; they are neither a pass nor a fail.`,
      rows,
    };
  }
  return {
    state: verdict.ok ? 'pass' : 'fail',
    headline: verdict.ok
      ? 'Meets the published baseline'
      : `Below the published baseline: ${failed} of ${rows.length} checks failed`,
    notComparable: comparabilityNote(files.meta, verdict.comparable),
    note: verdict.note || null,
    rows,
  };
}
