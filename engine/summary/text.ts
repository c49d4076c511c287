// The default end-of-test summary (k6's `--summary-mode=compact`, its default since v1.0), laid
// out as k6 prints it. The facts come from grafana/k6: internal/js/summary.js (the layout),
// internal/output/summary/data.go (which metrics, in which section, the checks_* lines) and
// internal/js/summary-wrapper.js (the newlines around it); the docs page
// https://grafana.com/docs/k6/latest/results-output/end-of-test/ shows an example.
//
// In short: an optional `█ THRESHOLDS` section, then `█ TOTAL RESULTS` with the checks_total,
// checks_succeeded and checks_failed lines and every check (all groups together, in the order
// their first result came), then the metrics split into CUSTOM, HTTP, EXECUTION, NETWORK, …
// sections. Compact mode leaves out the `checks` and `group_duration` metrics and the http_req_*
// timings other than http_req_duration. ✓/✗ marks the thresholds only.
//
// `--summary-mode=full` shows every metric but `checks` and `group_duration`, and adds a
// `█ GROUP: name` section for each of the test's groups, then a `█ SCENARIO: name` section for
// each scenario (by name), each with its own checks and metrics and its sub-groups nested under
// `↳ GROUP: name` titles, as k6's ReportBuilder renders them.
import type { SummaryBreakdown, SummaryNode } from '../metrics/engine.ts';
import { REQUEST_WITH_FAILED } from '../metrics/sample-groups.ts';
import type { SummaryCheck, SummaryData, SummaryGroup, SummaryMetric } from '../metrics/types.ts';
import { humanizeValue } from './humanize.ts';

export interface TextSummaryOptions {
  enableColors?: boolean;
  /**
   * Values of threshold aggregations that summaryTrendStats leaves out (metric name → `p(N)` →
   * value). k6 computes each percentile a threshold names for its THRESHOLDS line; the
   * handleSummary data does not hold them.
   */
  thresholdValues?: Record<string, Record<string, number>>;
  /**
   * Every check in the order its first result came (k6 lists them so); without it, the group
   * tree's order.
   */
  checks?: Array<{ name: string; passes: number; fails: number }>;
  /** `--summary-mode=full`: the per-group and per-scenario figures (and every metric in totals). */
  breakdown?: SummaryBreakdown;
}

interface Paint {
  bold(s: string): string;
  /** A colour (30–37) with optional styles (1 bold, 2 faint), as one SGR sequence. */
  color(s: string, color: number, ...styles: number[]): string;
}

const COLORS: Paint = {
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
  color: (s, color, ...styles) => `\x1b[${[...styles, color].join(';')}m${s}\x1b[0m`,
};
const NO_COLORS: Paint = { bold: (s) => s, color: (s) => s };

const GREEN = 32;
const RED = 31;
const CYAN = 36;
const WHITE = 37;
const FAINT = 2;

/** A blank line between blocks (each other entry is one line). */
const BREAK = Symbol('break');
type Piece = string | typeof BREAK;

/** Metrics compact mode does not show: prefixes, as k6 matches them. */
const COMPACT_SKIPPED = [
  'checks',
  'group_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_receiving',
  'http_req_sending',
  'http_req_tls_handshaking',
  'http_req_waiting',
];
/** k6's HTTP section: every per-request metric (compact mode then leaves the timings out). */
const HTTP: readonly string[] = REQUEST_WITH_FAILED;
const EXECUTION = ['vus', 'vus_max', 'iterations', 'iteration_duration', 'dropped_iterations'];
const NETWORK = ['data_sent', 'data_received'];
/** The metric sections in the order k6 prints them (CUSTOM first). */
const SECTIONS = ['custom', 'http', 'execution', 'network', 'browser', 'web_vitals', 'grpc', 'websocket'];

const startsWithOne = (name: string, prefixes: readonly string[]) => prefixes.some((p) => name.startsWith(p));

/** Metrics full mode does not show. */
const FULL_SKIPPED = ['checks', 'group_duration'];

/** The section a metric (or sub-metric) is shown in; null when compact mode leaves it out. */
export function compactSection(name: string): string | null {
  return sectionOf(name, COMPACT_SKIPPED);
}

function sectionOf(name: string, skipped: string[]): string | null {
  if (startsWithOne(name, skipped)) return null;
  if (startsWithOne(name, HTTP)) return 'http';
  if (startsWithOne(name, EXECUTION)) return 'execution';
  if (startsWithOne(name, NETWORK)) return 'network';
  if (name.startsWith('browser_web_vital_')) return 'web_vitals';
  if (name.startsWith('browser_')) return 'browser';
  if (name.startsWith('grpc_')) return 'grpc';
  if (name.startsWith('ws_')) return 'websocket';
  return 'custom';
}

/**
 * The summary text as k6's compact summary renders it, without the wrapper's newlines: it starts
 * with a newline and ends with two (writeSummary adds one before and two after, as k6 does).
 */
export function textSummary(data: SummaryData, opts: TextSummaryOptions = {}): string {
  const r = new Renderer(data, opts);
  const sections: Array<[string, Piece[]]> = [];
  const thresholds = r.thresholds();
  if (thresholds.length > 0) sections.push(['THRESHOLDS', thresholds]);
  const checks = opts.checks ?? flatChecks(data.root_group);
  sections.push([
    'TOTAL RESULTS',
    [...r.checks(data.metrics.checks, checks, 0), ...r.metrics(data.metrics, 0)],
  ]);
  const breakdown = opts.breakdown;
  if (breakdown) {
    for (const [name, group] of breakdown.groups) sections.push([`GROUP: ${name}`, r.node(group, 0)]);
    const scenarios = [...breakdown.scenarios].sort(([a], [b]) => collator.compare(a, b));
    for (const [name, scenario] of scenarios) sections.push([`SCENARIO: ${name}`, r.node(scenario, 0)]);
  }
  let out = '';
  for (const [title, pieces] of sections) {
    out += `\n  █ ${r.paint.bold(title)} \n`;
    for (const piece of pieces) out += piece === BREAK ? '\n' : `\n${piece}`;
    out += '\n';
  }
  return out;
}

/** k6's RenderContext.indentLevel: two spaces per level. */
const indent = (level: number) => ' '.repeat(2 * level);

/** Display width in a terminal: code points after NFKC, ANSI sequences not counted. */
function width(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are what it strips.
  return [...s.replace(/\x1b\[[0-9;]*[@-~]/g, '').normalize('NFKC')].length;
}

/** `name{tag:value}` shows as `  { tag:value }` under its parent. */
function displayName(name: string): string {
  const brace = name.indexOf('{');
  return brace < 0 ? name : `  { ${name.slice(brace + 1, -1)} }`;
}

const parentOf = (name: string) => name.split('{', 1)[0];

/** k6's root-locale collation (String.prototype.localeCompare in its JavaScript runtime). */
const collator = new Intl.Collator('und');

/** By parent name, then by the sub-metric's braces, as k6 sorts them. */
function sortNames(names: string[]): string[] {
  return [...names].sort((a, b) => {
    const pa = parentOf(a);
    const pb = parentOf(b);
    return collator.compare(pa, pb) || collator.compare(a.slice(pa.length), b.slice(pb.length));
  });
}

/** Formatted values of a set of metrics shown together, and the widths they align to. */
interface Columns {
  trend: Map<string, string[]>;
  main: Map<string, string>;
  extras: Map<string, string[]>;
  trendWidths: number[];
  mainWidth: number;
  extraWidths: number[];
}

class Renderer {
  readonly paint: Paint;
  private readonly stats: string[];
  private readonly unit: string;
  private readonly skipped: string[];

  constructor(
    private readonly data: SummaryData,
    private readonly opts: TextSummaryOptions,
  ) {
    this.paint = opts.enableColors ? COLORS : NO_COLORS;
    this.stats = data.options.summaryTrendStats;
    this.unit = data.options.summaryTimeUnit;
    this.skipped = opts.breakdown ? FULL_SKIPPED : COMPACT_SKIPPED;
  }

  /**
   * A group's or scenario's content at render depth `base` (0 under a `█` title): its checks, its
   * metrics, then its sub-groups, each under a `↳ GROUP:` title one level deeper.
   */
  node(node: SummaryNode, base: number): Piece[] {
    const pieces = [
      ...this.checks(node.metrics.checks, node.checks, base),
      ...this.metrics(node.metrics, base),
    ];
    for (const [name, group] of node.groups) {
      pieces.push(
        `${indent(base + 2)}↳ ${this.paint.bold(`GROUP: ${name}`)} \n`,
        ...this.node(group, base + 1),
      );
    }
    return pieces;
  }

  thresholds(): Piece[] {
    const metrics = Object.entries(this.data.metrics).filter(
      ([, m]) => m.thresholds && Object.keys(m.thresholds).length > 0,
    );
    const byName = new Map(metrics);
    const cols = this.columns(byName);
    const pieces: Piece[] = [];
    for (const name of sortNames([...byName.keys()])) {
      const metric = byName.get(name) as SummaryMetric;
      const parent = parentOf(name);
      const nested = parent !== name && byName.has(parent);
      const pad = nested ? '      ' : '    ';
      pieces.push(pad + (nested ? name.slice(parent.length) : name));
      for (const [source, { ok }] of Object.entries(metric.thresholds ?? {})) {
        const mark = ok ? this.paint.color('✓', GREEN) : this.paint.color('✗', RED);
        const quoted = this.paint.color(`'${source.trim()}'`, WHITE);
        pieces.push(`${pad}${mark} ${quoted} ${this.thresholdValue(name, metric, source, cols)}`);
      }
      pieces.push(BREAK);
    }
    return pieces;
  }

  /** `agg=value` for a threshold line: the value the summary shows for that aggregation. */
  private thresholdValue(name: string, metric: SummaryMetric, source: string, cols: Columns): string {
    const agg = source.split(/[=><]/)[0].trim();
    let value: string;
    if (metric.type === 'trend') {
      const i = this.stats.indexOf(agg);
      if (i >= 0) value = (cols.trend.get(name) as string[])[i];
      else {
        const extra = metric.values[agg] ?? this.opts.thresholdValues?.[name]?.[agg];
        // k6 prints JavaScript's "undefined" for an aggregation it has no value of (one that is
        // neither in summaryTrendStats nor a percentile, e.g. `med` when the stats leave it out).
        value = extra === undefined ? 'undefined' : this.trendValue(extra, agg, metric);
      }
    } else if (metric.type === 'counter') {
      value = agg === 'count' ? (cols.main.get(name) as string) : (cols.extras.get(name) as string[])[0];
    } else value = cols.main.get(name) as string;
    return `${this.paint.color(agg, WHITE)}=${this.paint.color(value, CYAN)}`;
  }

  /** The checks_* lines and each check, at render depth `base`; nothing without a checks metric. */
  checks(
    checksMetric: SummaryMetric | undefined,
    list: Array<{ name: string; passes: number; fails: number }>,
    base: number,
  ): Piece[] {
    if (!checksMetric) return [];
    const passes = checksMetric.values.passes ?? 0;
    const fails = checksMetric.values.fails ?? 0;
    const total = passes + fails;
    const seconds = this.data.state.testRunDurationMs / 1000;
    const metrics = new Map<string, SummaryMetric>([
      [
        'checks_total',
        {
          type: 'counter',
          contains: 'default',
          values: { count: total, rate: seconds > 0 ? total / seconds : 0 },
        },
      ],
      ['checks_succeeded', { type: 'rate', contains: 'default', values: checksMetric.values }],
      // k6 fills checks_failed with the failures as its "passes": the line reads "N out of total".
      [
        'checks_failed',
        {
          type: 'rate',
          contains: 'default',
          values: { rate: total > 0 ? fails / total : 0, passes: fails, fails: passes },
        },
      ],
    ]);
    const pad = 2 * (base + 2);
    const lines = this.metricLines(
      metrics,
      [...metrics.keys()],
      this.columns(metrics),
      this.nameWidth(metrics, pad),
      pad,
    );
    const checkLines = list.flatMap((c) => this.checkLines(c, base + 1));
    return [...lines, BREAK, ...checkLines, BREAK];
  }

  /**
   * One check at k6's check depth `level`: the failure line's indent is k6's
   * `indent(text, level + 1)` on a context already at `level` (so 6 spaces at the top).
   */
  private checkLines(check: { name: string; passes: number; fails: number }, level: number): string[] {
    if (check.fails === 0) return [`${indent(level + 1)}${this.paint.color(`✓ ${check.name}`, GREEN)}`];
    const share = Math.floor((100 * check.passes) / (check.passes + check.fails));
    return [
      `${indent(level + 1)}${this.paint.color(`✗ ${check.name}`, RED)}`,
      `${indent(2 * level + 1)}${this.paint.color(`↳  ${share}% — ✓ ${check.passes} / ✗ ${check.fails}`, RED)}`,
    ];
  }

  /** The metrics by section, at render depth `base`. */
  metrics(source: Record<string, SummaryMetric>, base: number): Piece[] {
    const pad = 2 * (base + 2);
    const bySection = new Map<string, Map<string, SummaryMetric>>();
    const all = new Map<string, SummaryMetric>();
    for (const [name, metric] of Object.entries(source)) {
      const section = sectionOf(name, this.skipped);
      if (section === null) continue;
      if (!bySection.has(section)) bySection.set(section, new Map());
      bySection.get(section)?.set(name, metric);
      all.set(name, metric);
    }
    const cols = this.columns(all);
    const nameWidth = this.nameWidth(all, pad);
    const pieces: Piece[] = [];
    for (const section of SECTIONS) {
      const metrics = bySection.get(section);
      if (!metrics) continue;
      pieces.push(`${' '.repeat(pad)}${this.paint.bold(section.toUpperCase())}`);
      pieces.push(...this.metricLines(metrics, sortNames([...metrics.keys()]), cols, nameWidth, pad), BREAK);
    }
    return pieces;
  }

  /** The widest indented display name: the longest gets three dots. */
  private nameWidth(metrics: Map<string, SummaryMetric>, pad: number): number {
    return Math.max(0, ...[...metrics.keys()].map((n) => pad + width(displayName(n))));
  }

  private metricLines(
    metrics: Map<string, SummaryMetric>,
    names: string[],
    cols: Columns,
    nameWidth: number,
    pad: number,
  ): string[] {
    return names.map((name) => {
      const metric = metrics.get(name) as SummaryMetric;
      const shown = displayName(name);
      const dots = Math.max(3, nameWidth - (width(shown) + pad) + 3);
      const leader = this.paint.color(`${'.'.repeat(dots)}:`, WHITE, FAINT);
      return `${' '.repeat(pad)}${shown}${leader} ${metric.type === 'trend' ? this.trendData(name, cols) : this.otherData(name, cols)}`;
    });
  }

  private trendData(name: string, cols: Columns): string {
    return (cols.trend.get(name) as string[])
      .map(
        (col, i) =>
          `${this.stats[i]}=${this.paint.color(col, CYAN)}${' '.repeat(cols.trendWidths[i] - width(col))}`,
      )
      .join(' ');
  }

  private otherData(name: string, cols: Columns): string {
    const main = cols.main.get(name) as string;
    const extras = cols.extras.get(name) ?? [];
    let out = this.paint.color(main, CYAN) + ' '.repeat(cols.mainWidth - width(main));
    if (extras.length === 1) out += ` ${this.paint.color(extras[0], CYAN, FAINT)}`;
    else if (extras.length > 1) {
      const parts = extras.map(
        (e, i) => this.paint.color(e, CYAN, FAINT) + ' '.repeat(cols.extraWidths[i] - width(e)),
      );
      out += ` ${parts.join(' ')}`;
    }
    return out;
  }

  private columns(metrics: Map<string, SummaryMetric>): Columns {
    const cols: Columns = {
      trend: new Map(),
      main: new Map(),
      extras: new Map(),
      trendWidths: this.stats.map(() => 0),
      mainWidth: 0,
      extraWidths: [],
    };
    for (const [name, metric] of metrics) {
      if (metric.type === 'trend') {
        const values = this.stats.map((stat) => this.trendValue(metric.values[stat], stat, metric));
        values.forEach((v, i) => {
          cols.trendWidths[i] = Math.max(cols.trendWidths[i], width(v));
        });
        cols.trend.set(name, values);
        continue;
      }
      const [main, ...extras] = this.otherValues(metric);
      cols.main.set(name, main);
      cols.mainWidth = Math.max(cols.mainWidth, width(main));
      cols.extras.set(name, extras);
      extras.forEach((e, i) => {
        cols.extraWidths[i] = Math.max(cols.extraWidths[i] ?? 0, width(e));
      });
    }
    return cols;
  }

  private otherValues(metric: SummaryMetric): string[] {
    const v = metric.values;
    const h = (n: number) => humanizeValue(n, metric, this.unit);
    switch (metric.type) {
      case 'counter':
        return [h(v.count), `${h(v.rate)}/s`];
      case 'gauge':
        return [h(v.value), `min=${h(v.min)}`, `max=${h(v.max)}`];
      case 'rate':
        return [h(v.rate), `${v.passes} out of ${v.passes + v.fails}`];
      default:
        return ['[no data]'];
    }
  }

  private trendValue(value: number, stat: string, metric: SummaryMetric): string {
    return stat === 'count' ? String(value) : humanizeValue(value, metric, this.unit);
  }
}

/**
 * Every check of the run, groups included, each name once with its passes and fails added up, in
 * the order the group tree holds them (a group's own checks, then its sub-groups'). k6 keeps them
 * in the order their first result arrived; the group tree does not record that order.
 */
function flatChecks(root: SummaryGroup): Array<{ name: string; passes: number; fails: number }> {
  const byName = new Map<string, { name: string; passes: number; fails: number }>();
  const add = (c: SummaryCheck) => {
    const seen = byName.get(c.name);
    if (seen) {
      seen.passes += c.passes;
      seen.fails += c.fails;
    } else byName.set(c.name, { name: c.name, passes: c.passes, fails: c.fails });
  };
  const walk = (g: SummaryGroup) => {
    g.checks.forEach(add);
    g.groups.forEach(walk);
  };
  walk(root);
  return [...byName.values()];
}
