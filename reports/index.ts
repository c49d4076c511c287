// Public entry of reports/: pure renderers of a run record (its type: run-data.ts). Reading the
// run folder and writing the rendered files is the harness's report step (harness/reporting/).
export { renderCompareHtml } from './compare.ts';
export { RUN_REPORT_FORMATS, type RunReportFormat, type RunReportFormatName } from './formats.ts';
export { type ChartSpec, colorAt, elapsedAxis, elapsedPoints, palette } from './html/charts.ts';
export { embedJson, renderPage, renderTemplate } from './html/page.ts';
export type { RunRecord } from './run-data.ts';
