// The shapes of a run folder's JSON files (see types.ts), as JSON Schemas checked with ajv when a
// folder is read back. A file that is valid JSON but not of its shape (hand-edited, from another
// tool, cut by a bug) becomes one sentence naming the first wrong field, instead of a TypeError
// deep inside a report. Only what readers rely on is required; extra fields are allowed, so an
// older or newer harness's record still reads.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { RunFile } from './paths.ts';

const num = { type: 'number' } as const;
const numOrNull = { type: ['number', 'null'] } as const;
const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;
const obj = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
});
const arr = (items: unknown) => ({ type: 'array', items });
const map = (values: unknown) => ({ type: 'object', additionalProperties: values });

const seriesPoint = obj({
  t: num,
  reqs: num,
  failed: num,
  avg: numOrNull,
  p50: numOrNull,
  p90: numOrNull,
  p95: numOrNull,
  p99: numOrNull,
  max: numOrNull,
});
const counts = arr(obj({ t: num, count: num }));

const timeseries = obj(
  {
    start: num,
    end: num,
    stepSeconds: { type: 'number', exclusiveMinimum: 0 },
    total: arr(seriesPoint),
    byScenario: map(arr(seriesPoint)),
    byName: map(arr(seriesPoint)),
    vus: arr(obj({ t: num, vus: num, vusMax: num })),
    data: arr(obj({ t: num, sentPerSec: num, receivedPerSec: num })),
    errorsByStatus: map(counts),
    errorsByCode: map(counts),
    endpoints: arr(
      obj({
        name: str,
        scenario: str,
        method: str,
        count: num,
        failed: num,
        rps: num,
        avg: num,
        p50: num,
        p90: num,
        p95: num,
        p99: num,
        max: num,
      }),
    ),
    malformedLines: num,
    inputs: arr(str),
    malformedExamples: arr(obj({ input: str, line: num, text: str })),
    lines: num,
    lateSamples: num,
    latencyPrecision: str,
    histograms: map(arr(obj({ t: num, h: str }))),
    notes: arr(str),
    invalidValues: num,
  },
  [
    'start',
    'end',
    'stepSeconds',
    'total',
    'byScenario',
    'byName',
    'vus',
    'data',
    'errorsByStatus',
    'errorsByCode',
    'endpoints',
    'malformedLines',
    'inputs',
  ],
);

const publish = arr(
  obj(
    {
      start: num,
      durationMs: num,
      ok: bool,
      steps: arr(obj({ name: str, durationMs: num, ok: bool })),
      error: str,
    },
    ['start', 'durationMs', 'ok', 'steps'],
  ),
);

const nodeMetrics = obj({
  source: str,
  periodSeconds: num,
  series: arr(
    obj({
      metric: str,
      label: str,
      unit: { enum: ['percent', 'bytes', 'bytes/s', 'count', 'seconds', 'none'] },
      points: arr(obj({ t: num, v: numOrNull })),
    }),
  ),
  warnings: arr(str),
});

const levelStats = obj({ vus: num, from: num, to: num, rps: num, avgMs: num, p95Ms: num, errorRate: num });

const analysis = obj(
  {
    kind: { enum: ['scalability', 'load-soak'] },
    saturation: obj(
      {
        method: str,
        levels: arr(levelStats),
        peakRps: num,
        saturationVus: numOrNull,
        thresholdFraction: num,
        saturated: bool,
        note: str,
        scenario: str,
        usl: obj(
          {
            sigma: num,
            kappa: num,
            lambda: num,
            r2: num,
            peakVus: numOrNull,
            peakRps: num,
            boundedVus: num,
            good: bool,
            note: str,
            levels: num,
          },
          ['sigma', 'kappa', 'lambda', 'r2', 'peakRps', 'boundedVus', 'good', 'note'],
        ),
      },
      ['method', 'levels', 'peakRps', 'saturationVus', 'thresholdFraction'],
    ),
    steady: obj(
      {
        from: num,
        to: num,
        excludedRampSeconds: num,
        rps: num,
        avgMs: num,
        p95Ms: num,
        p99Ms: num,
        errorRate: num,
        publishCycles: obj({ completed: num, failed: num, avgMs: numOrNull, p95Ms: numOrNull }),
        method: str,
        requests: num,
        answered: num,
        serverAvgMs: numOrNull,
        serverP95Ms: numOrNull,
        serverSource: str,
      },
      ['from', 'to', 'rps', 'avgMs', 'p95Ms', 'p99Ms', 'errorRate', 'publishCycles'],
    ),
    verdict: {
      anyOf: [
        { type: 'null' },
        obj({
          ok: bool,
          comparable: bool,
          note: str,
          checks: arr(
            obj({
              name: str,
              measured: num,
              baseline: num,
              limit: num,
              comparison: { enum: ['>=', '<='] },
              ok: bool,
              description: str,
            }),
          ),
        }),
      ],
    },
    thresholds: arr(
      obj({ metric: str, expression: str, ok: bool, measured: numOrNull, abortOnFail: bool }, [
        'metric',
        'expression',
        'ok',
      ]),
    ),
    checks: arr(obj({ name: str, passes: num, fails: num })),
    problem: str,
    generator: obj(
      { verdict: { enum: ['ok', 'limited', 'unknown'] }, reasons: arr(str), figures: { type: 'object' } },
      ['verdict', 'reasons', 'figures'],
    ),
  },
  ['kind', 'verdict', 'thresholds', 'checks'],
);

const summaryGroup = {
  type: 'object',
  properties: {
    name: str,
    path: str,
    groups: map({ $ref: '#/$defs/group' }),
    checks: map(obj({ name: str, path: str, passes: num, fails: num })),
  },
};
const summary = {
  ...obj({
    metrics: map({
      type: 'object',
      properties: { thresholds: map(bool) },
      additionalProperties: { anyOf: [num, map(bool)] },
    }),
    root_group: { $ref: '#/$defs/group' },
  }),
  required: ['metrics'],
  $defs: { group: summaryGroup },
};

const serverTimings = obj({
  source: { enum: ['standin-proxy', 'alb'] },
  description: str,
  points: arr(obj({ t: num, count: num, sumMs: num, p95Ms: numOrNull })),
  periodSeconds: num,
});

const meta = obj(
  {
    id: str,
    kind: { enum: ['scalability', 'load-soak'] },
    profile: str,
    command: str,
    target: obj({ url: str, kind: str, comparableToBaseline: bool, version: str }, [
      'url',
      'kind',
      'comparableToBaseline',
    ]),
    engine: obj(
      {
        name: str,
        version: str,
        parallelism: num,
        runners: arr(
          obj(
            {
              pod: str,
              instance: numOrNull,
              exitCode: numOrNull,
              lost: str,
              requests: num,
              reqPerSec: numOrNull,
              maxVus: num,
              scenarios: arr(str),
            },
            ['pod', 'requests', 'reqPerSec'],
          ),
        ),
      },
      ['name', 'version'],
    ),
    gitRevision: { type: ['string', 'null'] },
    options: { type: 'object' },
    startedAt: str,
    endedAt: { type: ['string', 'null'] },
    status: str,
    engineExitCode: numOrNull,
    message: str,
  },
  ['id', 'kind', 'startedAt', 'status', 'target', 'engine'],
);

const schemas = { meta, timeseries, publish, nodeMetrics, analysis, summary, serverTimings } as const;
export type ShapedFile = keyof typeof schemas & RunFile;

let compiled: Map<ShapedFile, ValidateFunction> | null = null;

function validator(file: ShapedFile): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    compiled = new Map(
      (Object.keys(schemas) as ShapedFile[]).map((name) => [name, ajv.compile(schemas[name])]),
    );
  }
  return compiled.get(file)!;
}

/** Where the first error is, as a reader can find it: `total[3].avg`, `metrics.http_reqs`. */
function where(error: ErrorObject): string {
  const parts = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  // Keys come from the file: quoted and cut short, so a sentence stays a sentence.
  for (const p of parts)
    out += /^\d+$/.test(p) ? `[${p}]` : `${out ? '.' : ''}${JSON.stringify(p.slice(0, 60))}`;
  return out || 'the top level';
}

/** null when `value` has the file's shape, else a phrase saying what is wrong (one field). */
export function shapeProblem(file: ShapedFile, value: unknown): string | null {
  const validate = validator(file);
  if (validate(value)) return null;
  const error = validate.errors?.[0];
  if (!error) return 'not of the expected shape';
  const field = where(error);
  if (error.keyword === 'required')
    return `not of the expected shape (${field} has no ${JSON.stringify(error.params.missingProperty)})`;
  return `not of the expected shape (${field} ${error.message})`;
}

export function hasShape(file: RunFile): file is ShapedFile {
  return file in schemas;
}
