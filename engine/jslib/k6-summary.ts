// k6-summary (https://jslib.k6.io/k6-summary/<version>/index.js) offline, for handleSummary():
// textSummary is the engine's own end-of-test summary; jUnit writes each threshold as a JUnit test
// case, as k6's documentation shows (results-output/end-of-test/custom-summary).
import type { SummaryData } from '../metrics/types.ts';
import { textSummary as engineTextSummary, type TextSummaryOptions } from '../summary/text.ts';

export function textSummary(data: SummaryData, options: TextSummaryOptions = {}): string {
  return engineTextSummary(data, options);
}

export interface JUnitOptions {
  /** The test suite's name; default "k6 thresholds". */
  name?: string;
  /** Given to every test case as its classname. */
  classname?: string;
}

const escapeXml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/** A JUnit XML report with one test case per threshold ("metric - expression"), failed or not. */
export function jUnit(data: SummaryData, options: JUnitOptions = {}): string {
  const name = escapeXml(options.name ?? 'k6 thresholds');
  const classname = options.classname === undefined ? '' : ` classname="${escapeXml(options.classname)}"`;
  const cases: string[] = [];
  let failures = 0;
  for (const [metric, summary] of Object.entries(data.metrics)) {
    for (const [expression, { ok }] of Object.entries(summary.thresholds ?? {})) {
      const caseName = escapeXml(`${metric} - ${expression}`);
      if (ok) cases.push(`<testcase name="${caseName}"${classname} />`);
      else {
        failures++;
        cases.push(`<testcase name="${caseName}"${classname}><failure message="failed" /></testcase>`);
      }
    }
  }
  return [
    '<?xml version="1.0"?>',
    `<testsuites tests="${cases.length}" failures="${failures}">`,
    `<testsuite name="${name}" tests="${cases.length}" failures="${failures}">`,
    ...cases,
    '</testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
