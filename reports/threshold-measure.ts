// What a threshold measured, read back from k6's summary export so a failure can say
// "measured 612 ms, limit p(95)<500" instead of only "failed".
import type { SummaryExport } from './run-data.ts';

const expression = /^\s*([a-z]+(?:\([\d.]+\))?)\s*(<=|>=|===|==|!=|<|>)\s*(-?[\d.]+(?:e[-+]?\d+)?)\s*$/i;

/** The measured value of `p(95)<500` on a metric, or null when the summary lacks it. */
export function thresholdMeasured(
  summary: SummaryExport | undefined,
  metric: string,
  source: string,
): number | null {
  const values = summary?.metrics?.[metric];
  const match = expression.exec(source);
  if (!values || !match) return null;
  const aggregation = match[1];
  // The export renames a rate metric's `rate` to `value`; counters keep `rate`.
  const key = aggregation === 'rate' && !('count' in values) && 'value' in values ? 'value' : aggregation;
  const value = values[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
