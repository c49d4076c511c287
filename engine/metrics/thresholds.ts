// Reading `options.thresholds`: the key (`metric` or `metric{tag:value,...}`), each expression
// (`<aggregation> <operator> <number>`), and the object form with abortOnFail/delayAbortEval.
// Everything wrong is reported before the test starts, as k6 does.
import { InvalidOptionsError } from './errors.ts';
import { parseDuration } from './time.ts';
import { percentileOf } from './trend-stats.ts';
import type { MetricType, ThresholdSource } from './types.ts';

export { InvalidOptionsError };

export type ThresholdOperator = '>' | '>=' | '<=' | '<' | '==' | '===' | '!=';

export interface ThresholdExpression {
  /** `count`, `rate`, `value`, `avg`, `min`, `max`, `med` or `p(N)` as written (spaces removed). */
  aggregation: string;
  /** N of `p(N)` (0–100); undefined for the other aggregations. */
  percentile?: number;
  operator: ThresholdOperator;
  value: number;
}

export interface ThresholdKey {
  metric: string;
  /** The text between the braces, as written; null for a plain metric name. */
  suffix: string | null;
  tags: Record<string, string>;
}

/** One threshold, checked and ready to evaluate. */
export interface ThresholdSpec {
  /** The key as written in options.thresholds, e.g. `http_req_duration{status:200}`. */
  key: string;
  /** The expression source as written; used as the key in summaries. */
  source: string;
  expression: ThresholdExpression;
  abortOnFail: boolean;
  /** The raw delayAbortEval text, or null when not given. */
  delayAbortEval: string | null;
  delayAbortEvalMs: number;
}

const EXPRESSION = /^\s*([a-z]+|p\([^)]*\))\s*(===|==|!=|>=|<=|>|<)\s*(\S+)\s*$/;
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

const AGGREGATIONS: Record<MetricType, string> = {
  counter: 'count or rate',
  gauge: 'value',
  rate: 'rate',
  trend: 'avg, min, max, med or p(N)',
};

/** Parses `p(95) < 500`. `metric` only makes the error message say where the threshold is. */
export function parseThresholdExpression(src: string, metric?: string): ThresholdExpression {
  const where = metric ? `threshold "${src}" on ${metric}` : `threshold "${src}"`;
  const fail = (why: string) =>
    new InvalidOptionsError(
      `The ${where} is not valid: ${why}. Write it as "<aggregation> <operator> <number>", for example "p(95)<500" or "rate<0.01".`,
    );
  if (typeof src !== 'string') throw fail('it must be a string');
  const m = EXPRESSION.exec(src);
  if (!m) throw fail('it does not have the form aggregation, operator (> >= <= < == === !=), number');
  const [, rawAggregation, operator, rawValue] = m;
  const aggregation = rawAggregation.replace(/\s+/g, '');
  let percentile: number | undefined;
  if (aggregation.startsWith('p(')) {
    const pct = percentileOf(aggregation);
    if (pct === null)
      throw fail(`"${rawAggregation}" needs a percentile between 0 and 100, like p(95) or p(99.9)`);
    percentile = pct;
  } else if (!['count', 'rate', 'value', 'avg', 'min', 'max', 'med'].includes(aggregation)) {
    throw fail(`"${aggregation}" is not an aggregation; use count, rate, value, avg, min, max, med or p(N)`);
  }
  if (!NUMBER.test(rawValue)) throw fail(`"${rawValue}" is not a number`);
  return { aggregation, percentile, operator: operator as ThresholdOperator, value: Number(rawValue) };
}

/** Splits `http_req_duration{scenario:fetchers,status:200}` into the metric name and its tags. */
export function parseThresholdKey(key: string): ThresholdKey {
  const open = key.indexOf('{');
  if (open === -1) {
    if (key.includes('}')) throw badKey(key, 'it has a "}" without a "{"');
    return { metric: key.trim(), suffix: null, tags: {} };
  }
  if (!key.trimEnd().endsWith('}')) throw badKey(key, 'the tag list must end with "}"');
  const metric = key.slice(0, open).trim();
  // Spaces just inside the braces are dropped from the sub-metric's name, as k6 names it
  // (grafana/k6 metrics/metric.go, AddSubmetric: the criteria are TrimSpace'd).
  const suffix = key.slice(open + 1, key.trimEnd().length - 1).trim();
  if (suffix === '') throw badKey(key, 'the braces hold no tags');
  const tags: Record<string, string> = {};
  for (const pair of suffix.split(',')) {
    const colon = pair.indexOf(':');
    if (colon === -1) throw badKey(key, `"${pair.trim()}" is not a tag:value pair`);
    const name = pair.slice(0, colon).trim();
    const value = pair
      .slice(colon + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, '$2');
    if (name === '') throw badKey(key, `"${pair.trim()}" has no tag name`);
    tags[name] = value;
  }
  return { metric, suffix, tags };
}

function badKey(key: string, why: string): InvalidOptionsError {
  return new InvalidOptionsError(
    `The threshold key "${key}" is not valid: ${why}. Use "metric" or "metric{tag:value,other:value}".`,
  );
}

/** Throws when the aggregation cannot be computed for this metric type (e.g. `p(95)` on a counter). */
export function checkAggregation(
  expr: ThresholdExpression,
  type: MetricType,
  key: string,
  src: string,
): void {
  const ok =
    type === 'counter'
      ? expr.aggregation === 'count' || expr.aggregation === 'rate'
      : type === 'gauge'
        ? expr.aggregation === 'value'
        : type === 'rate'
          ? expr.aggregation === 'rate'
          : expr.percentile !== undefined || ['avg', 'min', 'max', 'med'].includes(expr.aggregation);
  if (!ok) {
    throw new InvalidOptionsError(
      `The threshold "${src}" on ${key} uses "${expr.aggregation}", which a ${type} metric does not have; ` +
        `use ${AGGREGATIONS[type]}.`,
    );
  }
}

/** Reads one entry of a threshold list (string or object form) for the metric under `key`. */
export function parseThresholdSource(source: ThresholdSource, key: string, type: MetricType): ThresholdSpec {
  const asObject = typeof source === 'object' && source !== null ? source : null;
  const text = asObject ? asObject.threshold : source;
  if (typeof text !== 'string') {
    throw new InvalidOptionsError(
      `A threshold on ${key} is not valid: give a string like "p(95)<500" or an object {threshold: "p(95)<500", abortOnFail: true}.`,
    );
  }
  const expression = parseThresholdExpression(text, key);
  checkAggregation(expression, type, key, text);
  const abortOnFail = asObject?.abortOnFail ?? false;
  if (typeof abortOnFail !== 'boolean') {
    throw new InvalidOptionsError(`abortOnFail of the threshold "${text}" on ${key} must be true or false.`);
  }
  const rawDelay = asObject?.delayAbortEval;
  const delayAbortEval = rawDelay === undefined || rawDelay === null || rawDelay === '' ? null : rawDelay;
  const delayAbortEvalMs =
    delayAbortEval === null
      ? 0
      : parseDuration(delayAbortEval, `delayAbortEval of the threshold "${text}" on ${key}`);
  return { key, source: text, expression, abortOnFail, delayAbortEval, delayAbortEvalMs };
}

/** Whether the aggregated value satisfies the expression (the threshold passes). */
export function thresholdPasses(expr: ThresholdExpression, actual: number): boolean {
  switch (expr.operator) {
    case '>':
      return actual > expr.value;
    case '>=':
      return actual >= expr.value;
    case '<':
      return actual < expr.value;
    case '<=':
      return actual <= expr.value;
    case '==':
    case '===':
      return actual === expr.value;
    case '!=':
      return actual !== expr.value;
  }
}
