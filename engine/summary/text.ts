// The end-of-test summary printed to the terminal: thresholds with their verdicts, checks per
// group, then every metric in name order with dotted alignment. Layout is ours, in the spirit of
// k6's; it is for people, not parsers (they use handleSummary data or --summary-export).
import { parseThresholdExpression } from '../metrics/thresholds.ts';
import type { SummaryData, SummaryGroup, SummaryMetric } from '../metrics/types.ts';
import { humanBytes, humanDuration, percent, plainNumber } from './humanize.ts';

export interface TextSummaryOptions {
  /** Put in front of every line; default one space. */
  indent?: string;
  enableColors?: boolean;
}

interface Paint {
  ok: (s: string) => string;
  bad: (s: string) => string;
  value: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
}

const ansi = (code: number) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
const COLORS: Paint = { ok: ansi(32), bad: ansi(31), value: ansi(36), dim: ansi(90), bold: ansi(1) };
const plain = (s: string) => s;
const NO_COLORS: Paint = { ok: plain, bad: plain, value: plain, dim: plain, bold: plain };

export function textSummary(data: SummaryData, opts: TextSummaryOptions = {}): string {
  const paint = opts.enableColors ? COLORS : NO_COLORS;
  const unit = data.options.summaryTimeUnit;
  const sections = [
    thresholdLines(data, paint, unit),
    checkLines(data.root_group, paint),
    metricLines(data, paint, unit),
  ].filter((s) => s.length > 0);
  const indent = opts.indent ?? ' ';
  const lines = sections.flatMap((s, i) => (i === 0 ? s : ['', ...s]));
  return `${lines.map((l) => (l === '' ? '' : indent + l)).join('\n')}\n`;
}

function mark(ok: boolean, paint: Paint): string {
  return ok ? paint.ok('✓') : paint.bad('✗');
}

function thresholdLines(data: SummaryData, paint: Paint, unit: string): string[] {
  const lines: string[] = [];
  for (const name of sortedNames(data)) {
    const metric = data.metrics[name];
    if (!metric.thresholds) continue;
    if (lines.length > 0) lines.push('');
    lines.push(`${paint.bold(name)}`);
    for (const [expr, { ok }] of Object.entries(metric.thresholds)) {
      const actual = thresholdActual(expr, metric, unit);
      lines.push(`${mark(ok, paint)} '${expr}'${actual ? ` ${paint.value(actual)}` : ''}`);
    }
  }
  return lines.length > 0 ? [paint.bold('THRESHOLDS'), '', ...lines] : [];
}

/** `p(95)=312.45ms` when the summary holds the aggregated value the threshold compares. */
function thresholdActual(expr: string, metric: SummaryMetric, unit: string): string {
  let aggregation: string;
  try {
    aggregation = parseThresholdExpression(expr).aggregation;
  } catch {
    return '';
  }
  const value = metric.values[aggregation];
  if (value === undefined) return '';
  if (metric.type === 'rate') return `${aggregation}=${percent(value)}`;
  if (metric.type === 'counter' && aggregation === 'rate')
    return `${aggregation}=${perSecond(metric, value, unit)}`;
  return `${aggregation}=${amount(metric, value, unit)}`;
}

function checkLines(root: SummaryGroup, paint: Paint): string[] {
  const lines: string[] = [];
  const walk = (group: SummaryGroup, depth: number) => {
    const pad = '  '.repeat(depth);
    for (const c of group.checks) {
      const total = c.passes + c.fails;
      lines.push(`${pad}${mark(c.fails === 0, paint)} ${c.name}`);
      if (c.fails > 0) {
        const share = total > 0 ? Math.floor((c.passes / total) * 100) : 0;
        lines.push(`${pad}  ${paint.dim('↳')} ${share}% — ✓ ${c.passes} / ✗ ${c.fails}`);
      }
    }
    for (const child of group.groups) {
      lines.push(`${pad}█ ${child.name}`);
      walk(child, depth + 1);
    }
  };
  walk(root, 0);
  return lines.length > 0 ? [paint.bold('CHECKS'), '', ...lines] : [];
}

function metricLines(data: SummaryData, paint: Paint, unit: string): string[] {
  const names = sortedNames(data);
  if (names.length === 0) return [];
  const labels = names.map((n) => (n.includes('{') ? `  { ${n.slice(n.indexOf('{') + 1, -1)} }` : n));
  const width = Math.max(...labels.map((l) => l.length)) + 3;
  const lines = names.map((name, i) => {
    const metric = data.metrics[name];
    const verdict = metric.thresholds
      ? `${mark(
          Object.values(metric.thresholds).every((t) => t.ok),
          paint,
        )} `
      : '  ';
    const dots = paint.dim('.'.repeat(width - labels[i].length));
    return `${verdict}${labels[i]}${dots}: ${metricValues(metric, paint, unit)}`;
  });
  return [paint.bold('METRICS'), '', ...lines];
}

function metricValues(metric: SummaryMetric, paint: Paint, unit: string): string {
  const v = metric.values;
  switch (metric.type) {
    case 'counter':
      return `${paint.value(amount(metric, v.count, unit))} ${paint.value(perSecond(metric, v.rate, unit))}`;
    case 'gauge':
      return `${paint.value(amount(metric, v.value, unit))} min=${paint.value(amount(metric, v.min, unit))} max=${paint.value(amount(metric, v.max, unit))}`;
    case 'rate':
      return `${paint.value(percent(v.rate))} ${v.passes} out of ${v.passes + v.fails}`;
    case 'trend':
      return Object.entries(v)
        .map(
          ([stat, value]) =>
            `${stat}=${paint.value(stat === 'count' ? String(value) : amount(metric, value, unit))}`,
        )
        .join(' ');
  }
}

/** A counter's rate as k6 shows it: the value per second humanized like its values. */
function perSecond(metric: SummaryMetric, rate: number, unit = ''): string {
  return `${amount(metric, rate, unit)}/s`;
}

function amount(metric: SummaryMetric, value: number, unit: string): string {
  if (metric.contains === 'time') return humanDuration(value, unit);
  if (metric.contains === 'data') return humanBytes(value);
  return plainNumber(value);
}

/** Metric names sorted, each sub-metric right after its parent. */
function sortedNames(data: SummaryData): string[] {
  const parent = (n: string) => (n.includes('{') ? n.slice(0, n.indexOf('{')) : n);
  return Object.keys(data.metrics).sort((a, b) => {
    const pa = parent(a);
    const pb = parent(b);
    if (pa !== pb) return pa < pb ? -1 : 1;
    return a.length === pa.length ? -1 : b.length === pb.length ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
}
