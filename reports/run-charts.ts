// The charts of one run report, as ChartSpecs on one shared time axis (seconds since the run
// started), so a latency spike lines up with the CPU chart below it.

import {
  bucketSecondsFor,
  downsampleSeries,
  downsampleValues,
  groupByBucket,
  maxChartPoints,
} from './downsample.ts';
import { formatClock, formatCount, formatRate } from './format.ts';
import {
  type AxisUnit,
  type ChartSeries,
  type ChartSpec,
  colorAt,
  elapsedAxis,
  elapsedPoints,
  failureColor,
  scaleBytes,
} from './html/charts.ts';
import type { NodeSeries, PublishCycle, RunRecord, ServerTimings, TimeSeries } from './run-data.ts';

export interface RunClock {
  /** Epoch seconds of x = 0. */
  origin: number;
  span: number;
}

export function runClock(files: RunRecord): RunClock {
  const started = Date.parse(files.meta.startedAt) / 1000;
  const series = files.timeseries;
  const candidates = [started, series?.start].filter((v): v is number => Number.isFinite(v));
  const origin = candidates.length ? Math.min(...candidates) : 0;
  const ends = [
    files.meta.endedAt ? Date.parse(files.meta.endedAt) / 1000 : Number.NaN,
    series ? series.end + series.stepSeconds : Number.NaN,
  ].filter(Number.isFinite);
  return { origin, span: ends.length ? Math.max(...ends) - origin : 0 };
}

function rate(count: number, seconds: number): number {
  return seconds > 0 ? count / seconds : 0;
}

function throughputChart(series: TimeSeries, clock: RunClock, files: RunRecord, bucket: number): ChartSpec {
  const total = downsampleSeries(series.total, bucket, clock.origin);
  const vus = downsampleValues(
    series.vus.map((p) => ({ t: p.t, v: p.vus })),
    bucket,
    clock.origin,
    'max',
  );
  const bands: ChartSpec['bands'] = [];
  const steady = files.analysis?.steady;
  if (steady)
    bands.push({ from: steady.from - clock.origin, to: steady.to - clock.origin, label: 'steady window' });
  for (const level of files.analysis?.saturation?.levels ?? []) {
    bands.push({ from: level.from - clock.origin, to: level.to - clock.origin, label: `${level.vus} VUs` });
  }
  return {
    title: 'Throughput and virtual users',
    x: elapsedAxis(clock.span),
    y: { unit: 'req/s', title: 'requests per second' },
    y1: { unit: 'vus', title: 'VUs' },
    series: [
      {
        label: 'requests/s',
        color: colorAt(0),
        points: elapsedPoints(total, clock.origin, (p) => rate(p.reqs, bucket)),
      },
      {
        label: 'VUs',
        axis: 'y1',
        color: colorAt(1),
        dashed: true,
        points: elapsedPoints(vus, clock.origin, (p) => p.v),
      },
    ],
    bands,
    note: bucketNote(series.stepSeconds, bucket),
  };
}

function bucketNote(step: number, bucket: number): string | undefined {
  if (bucket <= step) return undefined;
  return `Points are ${bucket}-second buckets: rates are bucket means, p50–p95 request-weighted means of the per-second values, p99 and max the bucket's highest.`;
}

function latencyChart(series: TimeSeries, clock: RunClock, bucket: number): ChartSpec {
  const total = downsampleSeries(series.total, bucket, clock.origin);
  const stats = [
    ['avg', (p: (typeof total)[number]) => p.avg],
    ['p50', (p: (typeof total)[number]) => p.p50],
    ['p90', (p: (typeof total)[number]) => p.p90],
    ['p95', (p: (typeof total)[number]) => p.p95],
    ['p99', (p: (typeof total)[number]) => p.p99],
    ['max', (p: (typeof total)[number]) => p.max],
  ] as const;
  return {
    title: 'Request latency percentiles (all requests)',
    x: elapsedAxis(clock.span),
    y: { unit: 'ms', title: 'ms' },
    series: stats.map(([label, pick], i) => ({
      label,
      color: colorAt(i === 0 ? 10 : i - 1),
      dashed: label === 'avg' || label === 'max',
      hidden: label === 'max',
      points: elapsedPoints(total, clock.origin, pick),
    })),
    note: 'max is hidden at first so one slow request does not flatten the rest; click it in the legend to show it.',
  };
}

/** Connect's running processes of the Flask content on the run's time axis, with max_processes. */
function processChart(files: RunRecord, clock: RunClock, bucket: number): ChartSpec | null {
  const series = files.processes;
  if (!series?.points.length) return null;
  const size = Math.max(bucket, series.stepSeconds);
  const groups = groupByBucket(series.points, size, clock.origin).map((g) => ({
    t: g.t,
    active: g.items.reduce((sum, p) => sum + p.active, 0) / g.items.length,
    max: Math.max(...g.items.map((p) => p.max)),
  }));
  const limit = series.limits?.maxProcesses ?? null;
  const chartSeries: ChartSeries[] = [
    {
      label: 'running (mean)',
      color: colorAt(0),
      points: elapsedPoints(groups, clock.origin, (p) => p.active),
    },
    {
      label: 'running (max)',
      color: colorAt(1),
      dashed: true,
      points: elapsedPoints(groups, clock.origin, (p) => p.max),
    },
  ];
  if (limit !== null) {
    chartSeries.push({
      label: `max_processes (${limit})`,
      color: failureColor,
      dashed: true,
      points: [
        [0, limit],
        [clock.span, limit],
      ],
    });
  }
  const bands: ChartSpec['bands'] = [];
  const figures = files.analysis?.processes;
  if (figures)
    bands.push({ from: figures.from - clock.origin, to: figures.to - clock.origin, label: 'measured' });
  return {
    title: 'Connect processes of the Flask content',
    x: elapsedAxis(clock.span),
    y: { unit: 'count', title: 'processes', min: 0 },
    series: chartSeries,
    bands,
    note: `Active app jobs from GET /v1/content/{guid}/jobs, polled every second${size > 1 ? `; ${size}-second buckets` : ''}.${series.stopped ? ` ${series.stopped}` : ''}`,
  };
}

/** Server timings of the run, as the harness handed them (the stand-in proxy's, or the ALB's). */
export function serverTimingsOf(files: RunRecord): ServerTimings | null {
  return files.serverTimings ?? null;
}

/** The Universal Scalability Law's throughput at n VUs for the fitted parameters the analysis recorded. */
function uslThroughput(p: { lambda: number; sigma: number; kappa: number }, n: number): number {
  return (p.lambda * n) / (1 + p.sigma * (n - 1) + p.kappa * n * (n - 1));
}

/** Client average (fetch scenario), server average and their difference, per bucket of time. */
function serverChart(
  files: RunRecord,
  series: TimeSeries,
  clock: RunClock,
  bucket: number,
): ChartSpec | null {
  const timings = serverTimingsOf(files);
  if (!timings?.points.length) return null;
  const size = Math.max(bucket, timings.periodSeconds || 1);
  const scenario = series.byScenario.fetchers ? 'fetchers' : null;
  const client = groupByBucket(scenario ? series.byScenario[scenario] : series.total, size, clock.origin);
  const server = new Map(
    groupByBucket(timings.points, size, clock.origin).map((g) => {
      const count = g.items.reduce((n, p) => n + p.count, 0);
      return [g.t, count > 0 ? g.items.reduce((sum, p) => sum + p.sumMs, 0) / count : null] as const;
    }),
  );
  const rows = client.map((g) => {
    let sum = 0;
    let weight = 0;
    for (const p of g.items) {
      if (p.avg === null || p.reqs <= 0) continue;
      sum += p.avg * p.reqs;
      weight += p.reqs;
    }
    const c = weight > 0 ? sum / weight : null;
    const sv = server.get(g.t) ?? null;
    return { t: g.t, client: c, server: sv, gap: c !== null && sv !== null ? c - sv : null };
  });
  return {
    title: 'Client and server latency (average)',
    x: elapsedAxis(clock.span),
    y: { unit: 'ms', title: 'ms', min: 0 },
    series: [
      {
        label: `client (${scenario ?? 'all requests'})`,
        color: colorAt(0),
        points: elapsedPoints(rows, clock.origin, (r) => r.client),
      },
      { label: 'server', color: colorAt(2), points: elapsedPoints(rows, clock.origin, (r) => r.server) },
      {
        label: 'difference (network and generator)',
        color: colorAt(5),
        dashed: true,
        points: elapsedPoints(rows, clock.origin, (r) => r.gap),
      },
    ],
    note: `Server: ${timings.description}. ${size}-second buckets.`,
  };
}

const endpointChartLimit = 8;

function endpointLatencyChart(series: TimeSeries, clock: RunClock, bucket: number): ChartSpec | null {
  const names = [...series.endpoints]
    .sort((a, b) => b.count - a.count)
    .map((e) => e.name)
    .filter((name, i, all) => all.indexOf(name) === i && series.byName[name])
    .slice(0, endpointChartLimit);
  if (names.length === 0) return null;
  return {
    title: 'p95 latency by request name',
    x: elapsedAxis(clock.span),
    y: { unit: 'ms', title: 'ms' },
    series: names.map((name, i) => ({
      label: name,
      color: colorAt(i),
      points: elapsedPoints(
        downsampleSeries(series.byName[name], bucket, clock.origin),
        clock.origin,
        (p) => p.p95,
      ),
    })),
    note:
      names.length < Object.keys(series.byName).length
        ? `The ${names.length} busiest request names; all of them are in the endpoint table.`
        : undefined,
  };
}

function errorsChart(series: TimeSeries, clock: RunClock, bucket: number): ChartSpec {
  const total = downsampleSeries(series.total, bucket, clock.origin);
  // Error series only hold seconds that had failures; every bucket of the run gets a value
  // (0 when nothing failed) so the stacked areas do not bridge quiet periods.
  const onGrid = (points: Array<{ t: number; count: number }>): Array<[number, number | null]> => {
    const sums = new Map(
      downsampleValues(
        points.map((p) => ({ t: p.t, v: p.count })),
        bucket,
        clock.origin,
        'sum',
      ).map((p) => [p.t, p.v ?? 0]),
    );
    return total.map((p) => [p.t - clock.origin, rate(sums.get(p.t) ?? 0, bucket)]);
  };
  const statuses = Object.keys(series.errorsByStatus).sort();
  const stacked: ChartSeries[] = statuses.map((status, i) => ({
    label: status === '0' ? 'no response (status 0)' : `HTTP ${status}`,
    stack: 'errors',
    fill: true,
    color: i === 0 ? failureColor : colorAt(i + 4),
    points: onGrid(series.errorsByStatus[status]),
  }));
  const failed = total.reduce((sum, p) => sum + p.failed, 0);
  const reqs = total.reduce((sum, p) => sum + p.reqs, 0);
  return {
    title: 'Failed requests by HTTP status',
    x: elapsedAxis(clock.span),
    y: { unit: 'req/s', title: 'failed requests per second', stacked: true },
    series: stacked.length
      ? stacked
      : [{ label: 'failed requests', color: failureColor, points: onGrid([]) }],
    note:
      failed === 0
        ? 'No request failed during the run.'
        : `${formatCount(failed)} of ${formatCount(reqs)} requests failed (${formatRate(failed / reqs)}); the codes are in the table below.`,
  };
}

const publishChartLimit = 300;

/** Keeps every failed cycle and an even sample of the others, in time order. */
function sampleCycles(cycles: PublishCycle[]): PublishCycle[] {
  if (cycles.length <= publishChartLimit) return cycles;
  const every = Math.ceil(cycles.length / publishChartLimit);
  return cycles.filter((c, i) => !c.ok || i % every === 0);
}

function publishChart(cycles: PublishCycle[], clock: RunClock): ChartSpec | null {
  if (cycles.length === 0) return null;
  const shown = sampleCycles([...cycles].sort((a, b) => a.start - b.start));
  const stepNames = [...new Set(shown.flatMap((c) => c.steps.map((s) => s.name)))];
  return {
    title: 'Publish cycles: time per step',
    x: {
      unit: 'none',
      title: 'cycle start (time since start)',
      labels: shown.map((c) => `+${formatClock(c.start / 1000 - clock.origin)}${c.ok ? '' : ' ✗'}`),
    },
    y: { unit: 'seconds', title: 'seconds', stacked: true },
    series: stepNames.map((name, i) => {
      const steps = shown.map((c) => c.steps.find((s) => s.name === name));
      return {
        label: name,
        type: 'bar' as const,
        stack: 'steps',
        color: colorAt(i),
        pointColors: steps.map((s) => (s && !s.ok ? failureColor : colorAt(i))),
        points: steps.map((s, x): [number, number | null] => [x, s ? s.durationMs / 1000 : null]),
      };
    }),
    note:
      'Red segments are the step a cycle failed in (its error is in the table below).' +
      (shown.length < cycles.length
        ? ` ${shown.length} of ${cycles.length} cycles shown; every failed one is.`
        : ''),
  };
}

const unitTitles: Record<NodeSeries['unit'], [string, AxisUnit]> = {
  percent: ['CPU and utilisation', 'percent'],
  bytes: ['Memory', 'bytes'],
  'bytes/s': ['Network and disk traffic', 'bytes/s'],
  count: ['Counts', 'count'],
  seconds: ['Times', 'seconds'],
  none: ['Other node metrics', 'none'],
};

/** How a chart names the node-metrics source. */
export function sourceTitle(source: string): string {
  const names: Record<string, string> = {
    local: 'this machine',
    prometheus: 'Prometheus',
    cloudwatch: 'CloudWatch',
  };
  return names[source] ?? source;
}

function nodeCharts(files: RunRecord, clock: RunClock): ChartSpec[] {
  const metrics = files.nodeMetrics;
  if (!metrics || metrics.series.length === 0) return [];
  const bucket = bucketSecondsFor(clock.span, metrics.periodSeconds, maxChartPoints);
  const byUnit = new Map<NodeSeries['unit'], NodeSeries[]>();
  for (const series of metrics.series) byUnit.set(series.unit, [...(byUnit.get(series.unit) ?? []), series]);
  return [...byUnit].map(([unit, list]) => {
    const [title, axisUnit] = unitTitles[unit] ?? unitTitles.none;
    return scaleBytes({
      title: `${title} (${sourceTitle(metrics.source)})`,
      x: elapsedAxis(clock.span),
      y: { unit: axisUnit, title: axisUnit === 'count' || axisUnit === 'seconds' ? axisUnit : '' },
      series: list.map((s, i) => ({
        label: s.label,
        color: colorAt(i),
        points: elapsedPoints(
          downsampleValues(s.points, bucket, clock.origin, 'mean'),
          clock.origin,
          (p) => p.v,
        ),
      })),
      note: 'Gaps are periods with no data from the source.',
    });
  });
}

function scalabilityChart(files: RunRecord): ChartSpec | null {
  const saturation = files.analysis?.saturation;
  if (!saturation || saturation.levels.length === 0) return null;
  const levels = [...saturation.levels].sort((a, b) => a.vus - b.vus);
  return {
    title: 'Throughput and latency by VU level',
    x: { unit: 'vus', title: 'virtual users', min: 0 },
    y: { unit: 'req/s', title: 'requests per second' },
    y1: { unit: 'ms', title: 'latency ms' },
    series: [
      { label: 'throughput', color: colorAt(0), points: levels.map((l) => [l.vus, l.rps]) },
      { label: 'avg latency', axis: 'y1', color: colorAt(1), points: levels.map((l) => [l.vus, l.avgMs]) },
      {
        label: 'p95 latency',
        axis: 'y1',
        color: colorAt(5),
        dashed: true,
        points: levels.map((l) => [l.vus, l.p95Ms]),
      },
    ],
    markers:
      saturation.saturationVus === null
        ? []
        : [{ x: saturation.saturationVus, label: `saturation: ${saturation.saturationVus} VUs` }],
  };
}

/** Measured levels with the fitted USL curve and N*: how well the law describes this system. */
function uslChart(files: RunRecord): ChartSpec | null {
  const saturation = files.analysis?.saturation;
  const usl = saturation?.usl;
  if (!saturation || !usl) return null;
  const levels = [...saturation.levels].sort((a, b) => a.vus - b.vus);
  const high = Math.max(...levels.map((l) => l.vus), usl.peakVus ?? 0);
  const end = Math.ceil(high * 1.25);
  const steps = 80;
  const curve: Array<[number, number]> = [];
  for (let i = 0; i <= steps; i++) {
    const n = 1 + ((end - 1) * i) / steps;
    curve.push([n, uslThroughput(usl, n)]);
  }
  return {
    title: 'Universal Scalability Law: measured levels and fitted curve',
    x: { unit: 'vus', title: 'virtual users', min: 0 },
    y: { unit: 'req/s', title: 'requests per second', min: 0 },
    series: [
      {
        label: 'measured',
        type: 'scatter',
        color: colorAt(0),
        points: levels.map((l): [number, number] => [l.vus, l.rps]),
      },
      { label: `fit (r² ${usl.r2.toFixed(3)})`, color: colorAt(1), dashed: true, points: curve },
    ],
    markers: usl.peakVus === null ? [] : [{ x: usl.peakVus, label: `N* ${usl.peakVus.toFixed(1)} VUs` }],
    note: 'X(N) = λN / (1 + σ(N−1) + κN(N−1)); N* = √((1−σ)/κ) is where the fitted throughput peaks.',
  };
}

/** Chart ids are fixed so templates can place them; absent charts are left out. */
export function runCharts(files: RunRecord): Record<string, ChartSpec> {
  const clock = runClock(files);
  const charts: Record<string, ChartSpec | null> = {};
  const series = files.timeseries;
  if (series && series.total.length > 0) {
    const bucket = bucketSecondsFor(clock.span, series.stepSeconds);
    charts.throughput = throughputChart(series, clock, files, bucket);
    charts.latency = latencyChart(series, clock, bucket);
    charts.processes = processChart(files, clock, bucket);
    charts.endpointLatency = endpointLatencyChart(series, clock, bucket);
    charts.errors = errorsChart(series, clock, bucket);
    charts.server = serverChart(files, series, clock, bucket);
  }
  charts.scalability = scalabilityChart(files);
  charts.usl = uslChart(files);
  charts.publish = publishChart(files.publish ?? [], clock);
  nodeCharts(files, clock).forEach((spec, i) => {
    charts[`node${i}`] = spec;
  });
  return Object.fromEntries(
    Object.entries(charts).filter((entry): entry is [string, ChartSpec] => entry[1] !== null),
  );
}
