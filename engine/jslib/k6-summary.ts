// k6-summary (https://jslib.k6.io/k6-summary/<version>/index.js) offline, for handleSummary(): the
// text and JUnit that each published version renders from the same data, written from the output
// the published files give (grafana/jslib.k6.io lib/k6-summary/<version>/index.js); none of that
// code is used. textSummary's layout is ../summary/legacy-text.ts; jUnit's failure message and
// whitespace differ by version (below).
import type { SummaryData, SummaryMetric } from '../metrics/types.ts';
import { legacyTextSummary, type TextSummaryOptions } from '../summary/legacy-text.ts';

export { humanizeValue } from '../summary/humanize.ts';

/** k6-summary 0.0.2 to 0.1.0. */
export function textSummary(data: SummaryData, options?: TextSummaryOptions): string {
  return legacyTextSummary(data, options);
}

/** k6-summary 0.0.1: the same, metric names in plain order. */
export function textSummaryPlainOrder(data: SummaryData, options?: TextSummaryOptions): string {
  return legacyTextSummary(data, options, { plainOrder: true });
}

export interface JUnitOptions {
  /** The test suite's name; default "k6 thresholds". */
  name?: string;
  /** 0.1.0 only: every test case's classname; default "Unnamed folder". */
  classname?: string;
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  "'": '&#39;',
  '"': '&quot;',
};
const escapeXml = (s: string) => s.replace(/[&<>'"]/g, (c) => XML_ESCAPES[c]);

interface Case {
  name: string;
  metric: SummaryMetric;
  ok: boolean;
}

function cases(data: SummaryData): Case[] {
  const out: Case[] = [];
  for (const [metricName, metric] of Object.entries(data.metrics)) {
    for (const [expr, { ok }] of Object.entries(metric.thresholds ?? {})) {
      out.push({ name: `${escapeXml(metricName)} - ${escapeXml(expr)}`, metric, ok });
    }
  }
  return out;
}

const suiteName = (options?: JUnitOptions) => (options?.name ? escapeXml(options.name) : 'k6 thresholds');

const allValues = (metric: SummaryMetric) =>
  `${metric.type} threshold failed: ${Object.entries(metric.values)
    .map(([k, v]) => `${k} value: ${v}`)
    .join(', ')}`;

/** 0.0.1 and 0.0.2: `<failure message="failed" />`, the cases on lines of their own. */
function flatXml(items: string[], failures: number, options?: JUnitOptions): string {
  return (
    `<?xml version="1.0"?>\n<testsuites tests="${items.length}" failures="${failures}">\n` +
    `<testsuite name="${suiteName(options)}" tests="${items.length}" failures="${failures}">` +
    `${items.join('\n')}\n</testsuite >\n</testsuites >`
  );
}

export function jUnit(data: SummaryData, options?: JUnitOptions): string {
  const all = cases(data);
  const items = all.map((c) =>
    c.ok
      ? `<testcase name="${c.name}" />`
      : `<testcase name="${c.name}"><failure message="failed" /></testcase>`,
  );
  return flatXml(items, all.filter((c) => !c.ok).length, options);
}

/** 0.0.3: a failure message by metric type (a trend's "mean value" is its med). */
export function jUnitTypedMessages(data: SummaryData, options?: JUnitOptions): string {
  const all = cases(data);
  const message = (m: SummaryMetric): string | null => {
    switch (m.type) {
      case 'counter':
        return `failed, count: ${m.values.count}`;
      case 'gauge':
        return `failed, value: ${m.values.value}`;
      case 'rate':
        return `failed, number of fails: ${m.values.fails}`;
      case 'trend':
        return `failed, mean value: ${m.values.med}`;
      default:
        return null;
    }
  };
  const items = all.map((c) => {
    if (c.ok) return `<testcase name="${c.name}" />`;
    const text = message(c.metric);
    return text === null
      ? `<testcase name="${c.name}"><failure message="failed" /></testcase>`
      : `<testcase name="${c.name}"><failure message="${text}"/></testcase>`;
  });
  return flatXml(items, all.filter((c) => !c.ok).length, options);
}

/**
 * 0.0.4: every value in the failure message (not escaped), an indented document, and a stray `"`
 * after each failed case, as that version writes it.
 */
export function jUnitAllValuesIndented(data: SummaryData, options?: JUnitOptions): string {
  const all = cases(data);
  const failures = all.filter((c) => !c.ok).length;
  const items = all.map((c) =>
    c.ok
      ? `<testcase name="${c.name}" />`
      : `<testcase name="${c.name}"><failure message="${allValues(c.metric)}"/></testcase>"`,
  );
  return (
    `<?xml version="1.0"?>\n      <testsuites tests="${items.length}" failures="${failures}">\n` +
    `        <testsuite name="${suiteName(options)}" tests="${items.length}" failures="${failures}">\n` +
    `          ${items.join('\n')}\n        </testsuite>\n      </testsuites>`
  );
}

/** 0.1.0: a classname on every case and the escaped values in the failure message. */
export function jUnitWithClassname(data: SummaryData, options?: JUnitOptions): string {
  const all = cases(data);
  const failures = all.filter((c) => !c.ok).length;
  const cls = options?.classname ? escapeXml(options.classname) : 'Unnamed folder';
  const items = all.map((c) =>
    c.ok
      ? `<testcase name="${c.name}" classname="${cls}" />`
      : `<testcase name="${c.name}" classname="${cls}"><failure message="${escapeXml(allValues(c.metric))}" /></testcase>`,
  );
  return (
    `<?xml version="1.0"?>\n    <testsuites tests="${items.length}" failures="${failures}">\n` +
    `      <testsuite name="${suiteName(options)}" tests="${items.length}" failures="${failures}">\n` +
    `        ${items.join('\n')}\n      </testsuite>\n    </testsuites>`
  );
}
