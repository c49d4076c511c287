// A Markdown summary sized for a GitHub job summary: verdict first, then the figures a reviewer
// needs. No links (CI artifacts move); file paths are given as text.

import { formatCount, formatMs, formatRate, formatRps } from './format.ts';
import { headlineOf } from './headline.ts';
import { markdownCode as code } from './inert.ts';
import { thresholdsOf } from './results.ts';
import { runClock, sourceTitle } from './run-charts.ts';
import type { RunRecord } from './run-data.ts';
import { generatorView, headerFacts, kindNames, processLine, runnerRows } from './run-view.ts';
import { endpointRows, levelRows } from './tables.ts';
import { verdictOf } from './verdict.ts';

/** Text safe in Markdown (and in a table cell): no HTML, no emphasis, no table breaks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]|#]/g, (c) => `\\${c}`)
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

const endpointLimit = 10;

export function renderMarkdown(files: RunRecord): string {
  const meta = files.meta;
  const verdict = verdictOf(files);
  const headline = headlineOf(files);
  const out: string[] = [];
  const status = meta.status === 'completed' ? '' : `⚠️ ${meta.status.toUpperCase()} · `;
  const marks = {
    pass: '✅ PASS',
    fail: '❌ FAIL',
    none: '⚪ NO VERDICT',
    'not-comparable': '⚪ NOT COMPARABLE',
  };
  const mark = marks[verdict.state];
  out.push(
    `## ${status}${mark}: ${kindNames[meta.kind] ?? meta.kind}, ${escapeMarkdown(meta.profile)} profile`,
  );
  out.push('');
  out.push(escapeMarkdown(verdict.headline));
  if (meta.status !== 'completed' && meta.message) out.push('', `> ${escapeMarkdown(meta.message)}`);
  const generator = generatorView(files);
  if (generator) {
    const mark = generator.state === 'limited' ? '⚠️ ' : '';
    out.push(
      '',
      `${mark}**${escapeMarkdown(generator.headline)}.** ${escapeMarkdown(generator.reasons.join(' '))}`,
    );
  }
  if (verdict.notComparable) out.push('', `> ⚠️ ${escapeMarkdown(verdict.notComparable)}`);
  const orientation = verdict.state === 'not-comparable';
  if (orientation && verdict.note) out.push('', escapeMarkdown(verdict.note));
  if (verdict.rows.length) {
    out.push('', '| Check | Measured | Baseline | Limit | Result |', '|---|---:|---:|---:|---|');
    for (const row of verdict.rows) {
      const result = orientation ? row.result : row.ok ? '✅ pass' : '❌ fail';
      out.push(
        `| ${escapeMarkdown(row.label)} | ${row.measured} | ${row.baseline} | ${escapeMarkdown(row.limit)} | ${result} |`,
      );
    }
  }
  out.push('', `**Figures** from ${escapeMarkdown(headline.source)}:`, '');
  const publish = headline.publish;
  out.push(
    `${formatRps(headline.rps)} · avg ${formatMs(headline.avgMs)} · p95 ${formatMs(headline.p95Ms)} · ` +
      `errors ${formatRate(headline.errorRate)} · ${formatCount(headline.vus)} VUs` +
      (publish
        ? ` · publish cycles ${formatCount(publish.completed)} ok, ${formatCount(publish.failed)} failed`
        : ''),
  );

  const steady = files.analysis?.steady;
  if (steady && typeof steady.serverAvgMs === 'number') {
    out.push(
      '',
      `Server side: avg ${formatMs(steady.serverAvgMs)}` +
        (typeof steady.serverP95Ms === 'number' ? ` · p95 ${formatMs(steady.serverP95Ms)}` : '') +
        ` · ${formatMs(steady.avgMs - steady.serverAvgMs)} of the client's average outside the server (${escapeMarkdown(steady.serverSource ?? '')})`,
    );
  }

  const processes = processLine(files);
  if (processes) out.push('', `Connect processes: ${escapeMarkdown(processes)}`);

  const saturation = files.analysis?.saturation;
  if (saturation) {
    out.push('', '### Saturation', '');
    out.push(
      saturation.saturationVus === null
        ? `No saturation found; peak ${formatRps(saturation.peakRps)}.`
        : `Saturation at **${formatCount(saturation.saturationVus)} VUs** (peak ${formatRps(saturation.peakRps)}). Method: ${escapeMarkdown(saturation.method)}`,
    );
    if (saturation.usl) out.push('', `**Universal Scalability Law:** ${escapeMarkdown(saturation.usl.note)}`);
    out.push('', '| VUs | Throughput | avg | p95 | Errors |', '|---:|---:|---:|---:|---:|');
    for (const level of levelRows(files, runClock(files).origin)) {
      out.push(
        `| ${level.vus}${level.saturation ? ' ◀' : ''} | ${level.rps} | ${level.avg} | ${level.p95} | ${level.errors} |`,
      );
    }
  }

  const thresholds = thresholdsOf(files);
  const failed = thresholds.filter((t) => !t.ok);
  out.push('', '### Thresholds', '');
  if (thresholds.length === 0) out.push('No thresholds were recorded.');
  else if (failed.length === 0) out.push(`All ${thresholds.length} thresholds passed.`);
  else {
    out.push(`${failed.length} of ${thresholds.length} thresholds failed:`, '');
    for (const t of failed) out.push(`- ❌ ${code(t.metric)}: ${code(t.expression)}`);
  }

  const runners = runnerRows(meta);
  if (runners.length) {
    out.push('', '### Runners', '');
    out.push('| Runner pod | Requests | req/s | Most VUs | End |', '|---|---:|---:|---:|---|');
    for (const r of runners) {
      out.push(
        `| ${code(r.pod)} | ${r.requests} | ${r.rps} | ${r.vus} | ${escapeMarkdown(r.lost ? `LOST: ${r.lost}` : r.end)} |`,
      );
    }
  }

  const endpoints = endpointRows(files).slice(0, endpointLimit);
  if (endpoints.length) {
    out.push('', '### Top requests', '');
    out.push(
      '| Name | Method | Count | req/s | Failed | avg | p95 | p99 |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const e of endpoints) {
      out.push(
        `| ${code(e.name)} | ${escapeMarkdown(e.method)} | ${e.count} | ${e.rps} | ${e.failed} | ${e.avg} | ${e.p95} | ${e.p99} |`,
      );
    }
  }

  if (files.missing.length) {
    out.push('', '### Missing from the run record', '');
    for (const line of files.missing) out.push(`- ${escapeMarkdown(line)}`);
  }

  out.push('', '<details><summary>Run details</summary>', '');
  for (const [label, value] of headerFacts(meta)) {
    out.push(`- ${label}: ${label === 'target' ? code(value) : escapeMarkdown(value)}`);
  }
  const node = files.nodeMetrics;
  if (node) {
    out.push(
      `- node metrics: ${escapeMarkdown(sourceTitle(node.source))}, ${node.series.length} series every ${node.periodSeconds} s`,
    );
    for (const warning of node.warnings) out.push(`  - ${escapeMarkdown(warning)}`);
  }
  out.push(`- run folder: ${code(files.dir)}`);
  out.push(`- full report: ${code('report.html')} and ${code('junit.xml')} in the run folder`);
  out.push('', '</details>', '');
  return out.join('\n');
}
