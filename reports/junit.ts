// JUnit XML for CI publishers: one testsuite per run, one testcase per threshold, per baseline
// verdict check, and one for "the run completed", failures carrying measured vs limit.

import { formatNumber } from './format.ts';
import { thresholdsOf } from './results.ts';
import type { RunRecord } from './run-data.ts';
import { runDurationSeconds } from './run-view.ts';
import { thresholdMeasured } from './threshold-measure.ts';
import { verdictOf, verdictRow } from './verdict.ts';

interface TestCase {
  classname: string;
  name: string;
  failure?: { type: string; message: string };
  /** Neither pass nor fail: the check cannot be judged (a target not comparable with the baseline). */
  skipped?: string;
}

/** XML text/attribute escape; characters XML 1.0 cannot hold at all are dropped. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function testCases(files: RunRecord): TestCase[] {
  const kind = files.meta.kind;
  const cases: TestCase[] = [];
  const status = files.meta.status;
  cases.push({
    classname: `connect-perf.${kind}.run`,
    name: 'run: completed',
    failure:
      status === 'completed'
        ? undefined
        : {
            type: status,
            message: `The run ended as ${status}${files.meta.message ? `: ${files.meta.message}` : ''}.`,
          },
  });
  const generator = files.analysis?.generator;
  if (generator) {
    cases.push({
      classname: `connect-perf.${kind}.generator`,
      name: 'generator: not the limit',
      failure:
        generator.verdict === 'limited'
          ? { type: 'generator', message: generator.reasons.join(' ') }
          : undefined,
      skipped: generator.verdict === 'unknown' ? generator.reasons.join(' ') : undefined,
    });
  }
  for (const t of thresholdsOf(files)) {
    const measured = t.measured ?? thresholdMeasured(files.summary, t.metric, t.expression);
    cases.push({
      classname: `connect-perf.${kind}.thresholds`,
      name: `${t.metric}: ${t.expression}`,
      failure: t.ok
        ? undefined
        : {
            type: 'threshold',
            message: `measured ${measured === null ? 'unknown' : formatNumber(measured)}, limit ${t.expression}`,
          },
    });
  }
  const verdict = verdictOf(files);
  for (const check of files.analysis?.verdict?.checks ?? []) {
    const row = verdictRow(check);
    if (verdict.state === 'not-comparable') {
      cases.push({
        classname: `connect-perf.${kind}.baseline`,
        name: `baseline: ${row.rule}`,
        skipped: `Not comparable with the published baseline (${verdict.notComparable ?? 'see the report'}); measured ${row.measured}, ${row.result}, for orientation only.`,
      });
      continue;
    }
    cases.push({
      classname: `connect-perf.${kind}.baseline`,
      name: `baseline: ${row.rule}`,
      failure: row.ok
        ? undefined
        : {
            type: 'baseline',
            message: `measured ${row.measured}, limit ${row.limit} (baseline ${row.baseline})`,
          },
    });
  }
  return cases;
}

export function renderJunit(files: RunRecord): string {
  const cases = testCases(files);
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const time = (runDurationSeconds(files.meta) ?? 0).toFixed(3);
  const meta = files.meta;
  const suiteName = `${meta.kind} ${meta.profile} ${meta.id}`;
  const properties = [
    ['target', meta.target.url],
    ['engine', `${meta.engine.name} ${meta.engine.version}`],
    ['git_revision', meta.gitRevision ?? 'unknown'],
    ['status', meta.status],
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="connect-perf-suite" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}" timestamp="${escapeXml(meta.startedAt)}">`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${name}" value="${escapeXml(value)}"/>`),
    '    </properties>',
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" time="0"`;
    if (c.skipped) {
      lines.push(`${open}>`, `      <skipped message="${escapeXml(c.skipped)}"/>`, '    </testcase>');
      continue;
    }
    if (!c.failure) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    lines.push(
      `      <failure type="${escapeXml(c.failure.type)}" message="${escapeXml(c.failure.message)}">${escapeXml(c.failure.message)}</failure>`,
    );
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
