// benc-uk/k6-reporter's `htmlReport(data, options)` offline
// (https://raw.githubusercontent.com/benc-uk/k6-reporter/<ref>/dist/bundle.js, MIT): a substitute,
// not the library. It writes the engine's own self-contained HTML page (no scripts, no external
// URLs) of the same end-of-test summary data the library shows: the request, iteration and check
// totals, checks by group, thresholds, and the metric tables. Written from the library's readme
// and what its published versions compute (github.com/benc-uk/k6-reporter src/html-report.js for
// 2.x, src/report.js for 3.x); none of its code or templates is used. Where the versions differ
// in what they compute, each ref gets what its version computes (reportFor below):
// - the default title: 2.x the UTC date and time (`YYYY-MM-DD HH:MM`) shown after
//   `K6 Load Test: `; 3.0.0-3.0.3 and the `latest` tag `Test Report: ` and the UTC time; 3.0.4
//   and `main` `Test Report: ` and the local time;
// - 2.0.0 returns `{ [options.filename ?? 'summary.html']: html }`, later versions the HTML text;
// - 2.x counts the checks of the root group and of its direct groups only (deeper groups are left
//   out of the totals); 3.x counts every group;
// - from 2.3.0 `debug: true` prints the summary data as indented JSON on the console (the
//   library does not put it in the page); earlier versions have no `debug`.
// `theme` only chooses the library's look (default, classic, bootstrap, bootswatch:<name>): this
// page has one look whatever the theme. Every string from the data or the options is escaped.
import type { SummaryGroup } from '../metrics/types.ts';

/** The refs the engine stands in for; ./registry.ts maps the URLs to them. */
export const REPORTER_REFS = [
  '2.0.0',
  '2.1.1',
  '2.2.0',
  '2.3.0',
  '2.3.1',
  '2.4.0',
  '3.0.0',
  '3.0.1',
  '3.0.2',
  '3.0.3',
  '3.0.4',
  'latest',
  'main',
] as const;

interface ReportOptions {
  title?: unknown;
  theme?: unknown;
  debug?: unknown;
  filename?: unknown;
}

interface Metric {
  type?: unknown;
  contains?: unknown;
  values?: Record<string, unknown>;
  thresholds?: Record<string, { ok?: unknown }>;
}

interface Data {
  root_group?: SummaryGroup;
  metrics?: Record<string, Metric>;
  options?: { summaryTrendStats?: unknown };
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made inert in HTML, in element content and in quoted attributes alike. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const pad = (n: number) => String(n).padStart(2, '0');

function utcMinute(now: Date): string {
  return now.toISOString().slice(0, 16).replace('T', ' ');
}

function localMinute(now: Date): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}`;
}

/** The page title a version shows for `title` (its default when the option is empty). */
function pageTitle(ref: string, title: unknown, now: Date): string {
  if (ref.startsWith('2.')) return `K6 Load Test: ${title ? String(title) : utcMinute(now)}`;
  if (title) return String(title);
  return `Test Report: ${ref === '3.0.4' || ref === 'main' ? localMinute(now) : utcMinute(now)}`;
}

/** A number as the page shows it: at most two decimals. */
function shown(value: unknown): string {
  if (typeof value !== 'number') return escapeHtml(value ?? '');
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(2);
}

function metricOf(data: Data, name: string): Metric | undefined {
  const metrics = data.metrics ?? {};
  return Object.hasOwn(metrics, name) ? metrics[name] : undefined;
}

function numberOf(data: Data, name: string, key: string): number {
  const v = metricOf(data, name)?.values?.[key];
  return typeof v === 'number' ? v : 0;
}

interface CheckTotals {
  passes: number;
  fails: number;
}

/** Passes and fails of the checks in `group` and, `depth` levels down, its groups. */
function countChecks(group: SummaryGroup | undefined, depth: number, into: CheckTotals): CheckTotals {
  if (!group) return into;
  for (const c of group.checks ?? []) {
    into.passes += Number.parseInt(String(c.passes), 10) || 0;
    into.fails += Number.parseInt(String(c.fails), 10) || 0;
  }
  if (depth > 0) for (const g of group.groups ?? []) countChecks(g, depth - 1, into);
  return into;
}

/** Each group that holds checks, with the names of the groups above it. */
function groupsWithChecks(
  group: SummaryGroup | undefined,
  names: string[] = [],
): Array<[string[], SummaryGroup]> {
  if (!group) return [];
  const out: Array<[string[], SummaryGroup]> = [];
  if ((group.checks ?? []).length > 0) out.push([names, group]);
  for (const g of group.groups ?? []) out.push(...groupsWithChecks(g, [...names, g.name]));
  return out;
}

const TREND_ORDER = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

/** The trend columns: the stats the data has, in k6's default order, then any others as given. */
function trendColumns(data: Data, names: string[]): string[] {
  const present = new Set<string>();
  for (const name of names)
    for (const key of Object.keys(metricOf(data, name)?.values ?? {})) present.add(key);
  const configured = Array.isArray(data.options?.summaryTrendStats)
    ? (data.options.summaryTrendStats as unknown[]).map(String)
    : [];
  const order = [...TREND_ORDER, ...configured, ...present];
  return [...new Set(order)].filter((k) => present.has(k));
}

function table(caption: string, head: string[], rows: string[][], cls: string): string {
  if (rows.length === 0) return '';
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.join('')}</tr>`).join('\n');
  return `<table class="${cls}"><caption>${caption}</caption>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

const cell = (text: string, cls?: string) => (cls ? `<td class="${cls}">${text}</td>` : `<td>${text}</td>`);
const mark = (ok: boolean) => (ok ? cell('✓ pass', 'pass') : cell('✗ fail', 'fail'));

const STYLE = `body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em}
.note{color:#666;font-size:.9em}
.totals{display:flex;flex-wrap:wrap;gap:1em;padding:0;list-style:none}
.totals li{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;min-width:9em}
.totals strong{display:block;font-size:1.4em}
table{border-collapse:collapse;margin:.6em 0 1.2em}
caption{text-align:left;font-weight:bold;padding:.3em 0}
th,td{border:1px solid #ccc;padding:.3em .7em;text-align:right}
th:first-child,td:first-child{text-align:left}
.pass{color:#14692b}.fail{color:#b00020;font-weight:bold}`;

/** The HTML page of `data` as the engine writes it for k6-reporter `ref`. */
function renderPage(ref: string, data: Data, options: ReportOptions, now: Date): string {
  const title = pageTitle(ref, options.title, now);
  const metrics = data.metrics ?? {};
  const names = Object.keys(metrics).sort();
  const byType = (type: string) => names.filter((n) => metrics[n]?.type === type);

  // 2.x counts the root group's checks and its direct groups' only (src/html-report.js there).
  const checks = countChecks(data.root_group, ref.startsWith('2.') ? 1 : Number.POSITIVE_INFINITY, {
    passes: 0,
    fails: 0,
  });
  const thresholds: string[][] = [];
  let breached = 0;
  for (const name of names) {
    for (const [expr, result] of Object.entries(metrics[name]?.thresholds ?? {})) {
      const ok = result?.ok !== false;
      if (!ok) breached++;
      thresholds.push([cell(escapeHtml(name)), cell(escapeHtml(expr)), mark(ok)]);
    }
  }

  const totals = [
    ['requests', 'Requests', numberOf(data, 'http_reqs', 'count')],
    ['failed-requests', 'Failed requests', numberOf(data, 'http_req_failed', 'passes')],
    ['iterations', 'Iterations', numberOf(data, 'iterations', 'count')],
    ['check-passes', 'Checks passed', checks.passes],
    ['check-fails', 'Checks failed', checks.fails],
    ['thresholds-breached', 'Thresholds breached', breached],
  ] as const;
  const totalsHtml = totals
    .map(([id, label, n]) => `<li id="${id}"><strong>${shown(n)}</strong>${label}</li>`)
    .join('\n');

  const checkSections = groupsWithChecks(data.root_group)
    .map(([path, group]) => {
      const label =
        path.length === 0 ? 'Checks outside any group' : `Group ${path.map(escapeHtml).join(' › ')}`;
      const rows = (group.checks ?? []).map((c) => {
        const passes = Number(c.passes) || 0;
        const fails = Number(c.fails) || 0;
        const share = passes + fails === 0 ? '' : `${((100 * passes) / (passes + fails)).toFixed(2)}%`;
        return [
          cell(escapeHtml(c.name)),
          cell(String(passes)),
          cell(String(fails)),
          cell(share),
          mark(fails === 0),
        ];
      });
      return table(label, ['Check', 'Passes', 'Fails', 'Passed', 'Result'], rows, 'checks');
    })
    .join('\n');

  const trends = byType('trend');
  const columns = trendColumns(data, trends);
  const trendRows = trends.map((n) => [
    cell(escapeHtml(n)),
    ...columns.map((k) => cell(shown(metrics[n]?.values?.[k] ?? ''))),
  ]);
  const simple = (type: string, keys: string[]) =>
    byType(type).map((n) => [
      cell(escapeHtml(n)),
      ...keys.map((k) => cell(shown(metrics[n]?.values?.[k] ?? ''))),
    ]);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">Written by the node engine in place of k6-reporter ${escapeHtml(ref)} (its download was not available): the same summary data in the engine's own layout.</p>
<ul class="totals">
${totalsHtml}
</ul>
<h2>Thresholds</h2>
${table('Thresholds', ['Metric', 'Threshold', 'Result'], thresholds, 'thresholds') || '<p>No thresholds.</p>'}
<h2>Checks</h2>
${checkSections || '<p>No checks.</p>'}
<h2>Metrics</h2>
${table('Trends', ['Metric', ...columns.map(escapeHtml)], trendRows, 'trends')}
${table('Counters', ['Metric', 'count', 'rate'], simple('counter', ['count', 'rate']), 'counters')}
${table('Rates', ['Metric', 'rate', 'passes', 'fails'], simple('rate', ['rate', 'passes', 'fails']), 'rates')}
${table('Gauges', ['Metric', 'value', 'min', 'max'], simple('gauge', ['value', 'min', 'max']), 'gauges')}
</body>
</html>
`;
}

/**
 * The `htmlReport` of k6-reporter `ref`; `log` prints a console line of the script (the debug
 * output goes there, as the library prints it).
 */
export function reportFor(
  ref: string,
  log: (text: string) => void,
): (data: unknown, options?: unknown) => unknown {
  if (!(REPORTER_REFS as readonly string[]).includes(ref)) throw new Error(`k6-reporter ${ref} is not known`);
  const hasDebug = !['2.0.0', '2.1.1', '2.2.0'].includes(ref);
  return (data: unknown, options?: unknown) => {
    const opts = (options !== null && typeof options === 'object' ? options : {}) as ReportOptions;
    if (hasDebug && opts.debug) log(JSON.stringify(data, null, 2));
    const html = renderPage(ref, (data ?? {}) as Data, opts, new Date());
    if (ref === '2.0.0') return { [opts.filename ? String(opts.filename) : 'summary.html']: html };
    return html;
  };
}
