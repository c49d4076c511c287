// Threshold and check results: from the analysis when it exists, otherwise straight from k6's
// summary export (where a threshold's `true` means it FAILED — k6's inverted boolean).

import type { RunRecord, SummaryExportGroup, ThresholdResult } from './run-data.ts';

export interface CheckResult {
  name: string;
  passes: number;
  fails: number;
}

export function thresholdsOf(files: RunRecord): ThresholdResult[] {
  if (files.analysis) return files.analysis.thresholds;
  const results: ThresholdResult[] = [];
  for (const [metric, values] of Object.entries(files.summary?.metrics ?? {})) {
    for (const [expression, failed] of Object.entries(values.thresholds ?? {})) {
      results.push({ metric, expression, ok: failed !== true });
    }
  }
  return results;
}

function collectChecks(group: SummaryExportGroup, out: CheckResult[]): CheckResult[] {
  for (const check of Object.values(group.checks ?? {})) {
    const prefix = group.path ? `${group.path.replace(/^::/, '').replaceAll('::', ' › ')} › ` : '';
    out.push({ name: `${prefix}${check.name}`, passes: check.passes, fails: check.fails });
  }
  for (const child of Object.values(group.groups ?? {})) collectChecks(child, out);
  return out;
}

export function checksOf(files: RunRecord): CheckResult[] {
  if (files.analysis) return files.analysis.checks;
  return files.summary?.root_group ? collectChecks(files.summary.root_group, []) : [];
}
