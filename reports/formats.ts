// The run report's formats: each renders a run record to one file of the run folder. A new format
// is one file exporting a RunReportFormat plus one line in RUN_REPORT_FORMATS.

import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import type { RunRecord } from './run-data.ts';
import { renderRunHtml } from './run-report.ts';

export interface RunReportFormat {
  /** The file it writes in the run folder, e.g. `report.html`. */
  fileName: string;
  render(record: RunRecord): string | Promise<string>;
}

export const RUN_REPORT_FORMATS = {
  html: { fileName: 'report.html', render: renderRunHtml },
  markdown: { fileName: 'summary.md', render: renderMarkdown },
  junit: { fileName: 'junit.xml', render: renderJunit },
} as const satisfies Record<string, RunReportFormat>;

export type RunReportFormatName = keyof typeof RUN_REPORT_FORMATS;
