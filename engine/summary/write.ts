// The end of a run's output: handleSummary()'s files (or the text summary when there is no
// handleSummary or it failed) and the --summary-export file.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
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
}

/** `files`: what handleSummary returned (target → content), or null for the text summary. */
export async function writeSummary(
  summary: SummaryData,
  files: Record<string, string | ArrayBuffer> | null,
  to: SummaryTargets,
): Promise<void> {
  if (files) await writeSummaryFiles(files, to);
  else if (to.legacy) {
    // As k6 (internal/js/summary-wrapper.js with summary-legacy.js): a newline, the summary, two more.
    to.stdout.write(`\n${legacyTextSummary(summary, { enableColors: to.colors }, { ratesOutOf: true })}\n\n`);
  } else to.stdout.write(`\n${textSummary(summary, { indent: ' ', enableColors: to.colors })}\n`);
  if (to.summaryExport) {
    const path = resolve(to.summaryExport);
    await writeFileIn(path, formatLegacySummaryExport(summary)).catch((err) => {
      // As k6 (internal/cmd/run.go, handleSummaryResult): a summary file that cannot be written
      // is one error line, and the run keeps its exit code.
      throw new SummaryWriteError(path, err as NodeJS.ErrnoException);
    });
  }
}

/** A summary file that could not be written: one sentence, no stack. */
export class SummaryWriteError extends Error {
  constructor(path: string, err: NodeJS.ErrnoException) {
    const why = err.code === 'EISDIR' ? 'it is a directory' : (err.message ?? String(err));
    super(`Could not save the end-of-test summary to ${path}: ${why}.`);
  }
}

async function writeSummaryFiles(
  files: Record<string, string | ArrayBuffer>,
  to: SummaryTargets,
): Promise<void> {
  for (const [target, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' ? content : Buffer.from(content as ArrayBuffer);
    if (target === 'stdout') to.stdout.write(bytes);
    else if (target === 'stderr') to.stderr.write(bytes);
    else {
      const path = resolve(target);
      await writeFileIn(path, bytes).catch((err) => {
        throw new SummaryWriteError(path, err as NodeJS.ErrnoException);
      });
    }
  }
}

async function writeFileIn(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}
