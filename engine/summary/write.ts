// The end of a run's output: handleSummary()'s files (or the text summary when there is no
// handleSummary or it failed) and the --summary-export file.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { SummaryBreakdown } from '../metrics/engine.ts';
import type { SummaryData } from '../metrics/types.ts';
import { formatLegacySummaryExport } from './export.ts';
import { legacyTextSummary } from './legacy-text.ts';
import { textSummary } from './text.ts';

export interface SummaryTargets {
  stdout: Writable;
  stderr: Writable;
  colors: boolean;
  summaryExport?: string;
  /** --summary-mode=legacy: k6's legacy text summary, laid out exactly as k6 prints it. */
  legacy?: boolean;
  /** Percentiles the thresholds name beyond summaryTrendStats: metric name → `p(N)` → value. */
  thresholdValues?: Record<string, Record<string, number>>;
  /** Every check in the order its first result came. */
  checks?: Array<{ name: string; passes: number; fails: number }>;
  /** --summary-mode=full: the per-group and per-scenario sections. */
  breakdown?: SummaryBreakdown;
}

/** `files`: what handleSummary returned (target → content), or null for the text summary. */
export async function writeSummary(
  summary: SummaryData,
  files: Record<string, string | ArrayBuffer | Uint8Array> | null,
  to: SummaryTargets,
): Promise<void> {
  const failed: string[] = [];
  if (files) failed.push(...(await writeSummaryFiles(checkedFiles(files), to)));
  else if (to.legacy) {
    // As k6 (internal/js/summary-wrapper.js with summary-legacy.js): a newline, the summary, two more.
    to.stdout.write(`\n${legacyTextSummary(summary, { enableColors: to.colors }, { ratesOutOf: true })}\n\n`);
  } else {
    // As k6 (internal/js/summary-wrapper.js with summary.js): a newline, the summary, two more.
    const text = textSummary(summary, {
      enableColors: to.colors,
      thresholdValues: to.thresholdValues,
      checks: to.checks,
      breakdown: to.breakdown,
    });
    to.stdout.write(`\n${text}\n\n`);
  }
  if (to.summaryExport) {
    const path = resolve(to.summaryExport);
    const problem = await writeFileIn(path, formatLegacySummaryExport(summary));
    if (problem) failed.push(problem);
  }
  // As k6 (internal/cmd/run.go, handleSummaryResult): every file that can be written is, and those
  // that cannot make one error line together; the run keeps its exit code.
  if (failed.length > 0) throw new SummaryWriteError(null, failed.join(' '));
}

/** A summary file that could not be written, or a handleSummary() result k6 refuses: one sentence, no stack. */
export class SummaryWriteError extends Error {
  constructor(path: string | null, err: NodeJS.ErrnoException | string) {
    if (path === null || typeof err === 'string') {
      super(String(err));
      return;
    }
    const why = err.code === 'EISDIR' ? 'it is a directory' : (err.message ?? String(err));
    super(`Could not save the end-of-test summary to ${path}: ${why}.`);
  }
}

/**
 * handleSummary()'s result as k6 accepts it (grafana/k6 internal/js/summary.go getSummaryResult,
 * js/common/util.go GetReader): an object whose values are strings, ArrayBuffers or Uint8Arrays.
 * Anything else fails the whole result before a byte is written, --summary-export included (k6
 * adds that file to the same result), with k6's sentence; the run keeps its exit code.
 */
function checkedFiles(files: unknown): Array<[string, string | Uint8Array]> {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw new SummaryWriteError(null, 'handleSummary() should return a map with string keys');
  }
  return Object.entries(files).map(([path, value]): [string, string | Uint8Array] => {
    if (typeof value === 'string') return [path, value];
    if (value instanceof ArrayBuffer) return [path, new Uint8Array(value)];
    if (value instanceof Uint8Array) return [path, value];
    throw new SummaryWriteError(
      null,
      `error handling summary object ${path}: invalid type ${goType(value)}, it needs to be a string or ArrayBuffer`,
    );
  });
}

/** The Go type k6 names in that sentence for a value it exported from JavaScript. */
function goType(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  if (typeof value === 'object') return 'map[string]interface {}';
  return typeof value;
}

/** Writes every file it can; returns a sentence per file it could not write. */
async function writeSummaryFiles(
  files: Array<[string, string | Uint8Array]>,
  to: SummaryTargets,
): Promise<string[]> {
  const failed: string[] = [];
  for (const [target, content] of files) {
    const bytes =
      typeof content === 'string'
        ? content
        : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    if (target === 'stdout') to.stdout.write(bytes);
    else if (target === 'stderr') to.stderr.write(bytes);
    else {
      const problem = await writeFileIn(resolve(target), bytes);
      if (problem) failed.push(problem);
    }
  }
  return failed;
}

/** Writes the file; null, or the sentence that says why it could not be written. */
async function writeFileIn(path: string, content: string | Buffer): Promise<string | null> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    return null;
  } catch (err) {
    return new SummaryWriteError(path, err as NodeJS.ErrnoException).message;
  }
}
