// The text layout of k6's legacy end-of-test summary and of jslib's k6-summary textSummary(): the
// check tree (groups as "█ name", checks "✓ name" or "✗ name" with a "↳  NN% — ✓ p / ✗ f" line),
// then one line per metric with dotted names and aligned columns. Written from the output that
// k6's internal/js/summary-legacy.js and jslib's lib/k6-summary/<version>/index.js give (grafana/k6,
// grafana/jslib.k6.io); none of their code is used.
//
// Options are `{ ...defaults, ...data.options, ...options }`, so colours are on unless
// `enableColors: false`, and data.options.summaryTrendStats/summaryTimeUnit pick the columns.
// jslib's versions show a rate as "✓ passes ✗ fails", k6's legacy summary as "p out of n";
// jslib 0.0.1 sorts metric names plainly, the others keep each sub-metric under its parent.
import type { SummaryData, SummaryGroup, SummaryMetric } from '../metrics/types.ts';
import { humanizeValue } from './humanize.ts';

export interface TextSummaryOptions {
  indent?: string;
  enableColors?: boolean;
  summaryTimeUnit?: string | null;
  summaryTrendStats?: string[] | null;
}

export interface Layout {
  /** Metric names in plain string order (jslib 0.0.1) instead of parents first, by localeCompare. */
  plainOrder?: boolean;
  /** A rate's extras as "p out of n" (k6's legacy summary) instead of "✓ p" and "✗ f" (jslib). */
  ratesOutOf?: boolean;
}

type Paint = (text: string, ...codes: number[]) => string;

const GREEN = 32;
const RED = 31;
const CYAN = 36;
const FAINT = 2;
const PASS = '✓';
const FAIL = '✗';

/** Columns a string takes on a terminal: code points after NFKC, ANSI inEscape sequences left out. */
function width(text: string): number {
  let n = 0;
  let inEscape: '' | 'start' | 'csi' = '';
  for (const ch of text.normalize('NFKC')) {
    const code = ch.charCodeAt(0);
    if (ch === '\x1b') inEscape = 'start';
    else if (inEscape === 'start' && ch === '[') inEscape = 'csi';
    else if (inEscape === 'csi') {
      if (code >= 0x40 && code <= 0x7e) inEscape = '';
    } else if (inEscape === 'start') {
      if (code >= 0x40 && code <= 0x5f) inEscape = '';
    } else n++;
  }
  return n;
}

function checkLines(root: SummaryGroup, indent: string, paint: Paint): string[] {
  const lines: string[] = [];
  const visit = (group: SummaryGroup, pad: string) => {
    let inner = pad;
    if (group.name !== '') {
      lines.push(`${pad}█ ${group.name}\n`);
      inner = `${pad}  `;
    }
    for (const c of group.checks) {
      if (c.fails === 0) {
        lines.push(paint(`${inner}${PASS} ${c.name}`, GREEN));
        continue;
      }
      const share = Math.floor((100 * c.passes) / (c.passes + c.fails));
      lines.push(
        paint(
          `${inner}${FAIL} ${c.name}\n${inner} ↳  ${share}% — ${PASS} ${c.passes} / ${FAIL} ${c.fails}`,
          RED,
        ),
      );
    }
    if (group.checks.length > 0) lines.push('');
    for (const child of group.groups) visit(child, inner);
  };
  visit(root, indent);
  return lines;
}

/** `{ tag:value }` for a sub-metric, the name itself otherwise. */
function label(name: string): string {
  const brace = name.indexOf('{');
  return brace < 0 ? name : `{ ${name.slice(brace + 1, -1)} }`;
}

const nest = (name: string) => (name.includes('{') ? '  ' : '');

/** Plain string order (0.0.1). */
function plainOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parents by localeCompare, each sub-metric right after its parent (0.0.2 and later). */
function parentOrder(a: string, b: string): number {
  const pa = a.split('{', 1)[0];
  const pb = b.split('{', 1)[0];
  return pa.localeCompare(pb) || a.slice(pa.length).localeCompare(b.slice(pb.length));
}

interface Row {
  name: string;
  metric: SummaryMetric;
  /** Trend: one text per stat; other types: the main value then its extras. */
  cells: string[];
}

function nonTrendCells(metric: SummaryMetric, unit: string | null | undefined, layout: Layout): string[] {
  const v = metric.values;
  const show = (n: number) => humanizeValue(n, metric, unit);
  switch (metric.type) {
    case 'counter':
      return [show(v.count), `${show(v.rate)}/s`];
    case 'gauge':
      return [show(v.value), `min=${show(v.min)}`, `max=${show(v.max)}`];
    case 'rate':
      return layout.ratesOutOf
        ? [show(v.rate), `${v.passes} out of ${v.passes + v.fails}`]
        : [show(v.rate), `${PASS} ${v.passes}`, `${FAIL} ${v.fails}`];
    default:
      return ['[no data]'];
  }
}

function metricLines(
  data: SummaryData,
  opts: Required<Pick<TextSummaryOptions, 'indent'>> & TextSummaryOptions,
  paint: Paint,
  layout: Layout,
): string[] {
  const stats = opts.summaryTrendStats ?? [];
  const unit = opts.summaryTimeUnit;
  const rows: Row[] = [];
  let nameWidth = 0;
  const statWidths = stats.map(() => 0);
  let valueWidth = 0;
  const extraWidths: number[] = [0, 0];
  for (const [name, metric] of Object.entries(data.metrics)) {
    nameWidth = Math.max(nameWidth, width(nest(name) + label(name)));
    let cells: string[];
    if (metric.type === 'trend') {
      cells = stats.map((stat) =>
        // A missing count throws here as in k6-summary (a TypeError).
        stat === 'count' ? metric.values[stat].toString() : humanizeValue(metric.values[stat], metric, unit),
      );
      cells.forEach((c, i) => {
        statWidths[i] = Math.max(statWidths[i], width(c));
      });
    } else {
      cells = nonTrendCells(metric, unit, layout);
      valueWidth = Math.max(valueWidth, width(cells[0]));
      for (let i = 1; i < cells.length; i++)
        extraWidths[i - 1] = Math.max(extraWidths[i - 1] ?? 0, width(cells[i]));
    }
    rows.push({ name, metric, cells });
  }
  rows.sort((a, b) => (layout.plainOrder ? plainOrder : parentOrder)(a.name, b.name));
  const pad = (text: string, to: number) => ' '.repeat(Math.max(0, to - width(text)));
  const columns = (row: Row): string => {
    if (row.metric.type === 'trend') {
      return row.cells.map((c, i) => `${stats[i]}=${paint(c, CYAN)}${pad(c, statWidths[i])}`).join(' ');
    }
    const [main, ...extras] = row.cells;
    let text = `${paint(main, CYAN)}${pad(main, valueWidth)}`;
    if (extras.length === 1) text += ` ${paint(extras[0], CYAN, FAINT)}`;
    else if (extras.length > 1)
      text += ` ${extras.map((e, i) => `${paint(e, CYAN, FAINT)}${pad(e, extraWidths[i])}`).join(' ')}`;
    return text;
  };
  const indent = `${opts.indent}  `;
  return rows.map((row) => {
    const verdicts = row.metric.thresholds ? Object.values(row.metric.thresholds) : null;
    let mark = ' ';
    if (verdicts) {
      const ok = verdicts.every((t) => t.ok);
      mark = paint(ok ? PASS : FAIL, ok ? GREEN : RED);
    }
    const prefix = nest(row.name);
    const name = label(row.name);
    const dots = paint(`${'.'.repeat(nameWidth - width(name) - width(prefix) + 3)}:`, FAINT);
    return `${indent}${prefix}${mark} ${name}${dots} ${columns(row)}`;
  });
}

/** The check tree and the metric table, without a leading or trailing newline. */
export function legacyTextSummary(
  data: SummaryData,
  options?: TextSummaryOptions,
  layout: Layout = {},
): string {
  const defaults: TextSummaryOptions = {
    indent: ' ',
    enableColors: true,
    summaryTimeUnit: null,
    summaryTrendStats: null,
  };
  const opts = { ...defaults, ...data.options, ...options } as Required<Pick<TextSummaryOptions, 'indent'>> &
    TextSummaryOptions;
  const paint: Paint = opts.enableColors
    ? (text, ...codes) => `\x1b[${codes.join(';')}m${text}\x1b[0m`
    : (text) => text;
  return [
    ...checkLines(data.root_group, `${opts.indent}    `, paint),
    ...metricLines(data, opts, paint, layout),
  ].join('\n');
}
