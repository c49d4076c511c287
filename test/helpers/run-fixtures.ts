// Synthetic run folders for the report tests: deterministic (seeded), shaped like what the
// harness writes. Each builder returns the parts; writeRun puts them in a folder.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from '../../fixtures/data/random.ts';
import { processFigures } from '../../harness/analysis/processes.ts';
import type {
  Analysis,
  EndpointStats,
  LevelStats,
  NodeMetrics,
  ProcessSeries,
  PublishCycle,
  RunMeta,
  SeriesPoint,
  SummaryExport,
  TimeSeries,
} from '../../harness/record/types.ts';

export interface RunParts {
  meta: RunMeta;
  summary?: SummaryExport;
  timeseries?: TimeSeries;
  publish?: PublishCycle[];
  nodeMetrics?: NodeMetrics;
  analysis?: Analysis;
  processes?: ProcessSeries;
}

export const hostile = '</script><img src=x onerror=alert(1)>';

const start = Date.parse('2026-11-27T08:00:00Z') / 1000;

/** VUs and throughput per second; latency follows Little's law with a little noise. */
function buildSeries(
  seconds: number,
  vusAt: (s: number) => number,
  rpsAt: (vus: number) => number,
  names: string[],
  seed: number,
  failRate = 0,
): TimeSeries {
  const rnd = mulberry32(seed);
  const total: SeriesPoint[] = [];
  const byName: Record<string, SeriesPoint[]> = Object.fromEntries(names.map((n) => [n, []]));
  const vus: TimeSeries['vus'] = [];
  const data: TimeSeries['data'] = [];
  const errorsByStatus: TimeSeries['errorsByStatus'] = {};
  const errorsByCode: TimeSeries['errorsByCode'] = {};
  for (let s = 0; s < seconds; s++) {
    const t = start + s;
    const v = vusAt(s);
    const reqs = Math.max(0, Math.round(rpsAt(v) * (0.95 + rnd() * 0.1)));
    const avg = reqs > 0 ? (v / Math.max(1, reqs)) * 1000 : null;
    const failed = Math.round(reqs * failRate * rnd() * 2);
    const point = (n: number, scale: number): SeriesPoint => ({
      t,
      reqs: n,
      failed: Math.round(failed * (n / Math.max(1, reqs))),
      avg: n > 0 && avg !== null ? avg * scale : null,
      p50: n > 0 && avg !== null ? avg * scale * 0.9 : null,
      p90: n > 0 && avg !== null ? avg * scale * 1.4 : null,
      p95: n > 0 && avg !== null ? avg * scale * 1.6 : null,
      p99: n > 0 && avg !== null ? avg * scale * (2 + rnd()) : null,
      max: n > 0 && avg !== null ? avg * scale * (3 + rnd() * 4) : null,
    });
    total.push(point(reqs, 1));
    names.forEach((name, i) => {
      byName[name].push(point(Math.round(reqs / names.length), 0.8 + i * 0.1));
    });
    vus.push({ t, vus: v, vusMax: v });
    data.push({ t, sentPerSec: reqs * 180, receivedPerSec: reqs * 420 });
    if (failed > 0) {
      const status = rnd() < 0.7 ? '503' : '0';
      const code = status === '0' ? '1211' : '1503';
      errorsByStatus[status] = [...(errorsByStatus[status] ?? []), { t, count: failed }];
      errorsByCode[code] = [...(errorsByCode[code] ?? []), { t, count: failed }];
    }
  }
  const totalReqs = total.reduce((sum, p) => sum + p.reqs, 0);
  const endpoints: EndpointStats[] = names.map((name, i) => ({
    name,
    scenario: 'fetcher',
    method: 'GET',
    count: Math.round(totalReqs / names.length),
    failed: Math.round((totalReqs * failRate) / names.length),
    rps: totalReqs / names.length / seconds,
    avg: 200 + i * 10,
    p50: 180 + i * 10,
    p90: 280 + i * 10,
    p95: 320 + i * 10,
    p99: 450 + i * 10,
    max: 1200 + i * 10,
  }));
  return {
    start,
    end: start + seconds - 1,
    stepSeconds: 1,
    total,
    byScenario: { fetcher: total },
    byName,
    vus,
    data,
    errorsByStatus,
    errorsByCode,
    endpoints,
    malformedLines: 0,
    inputs: ['samples.ndjson.gz'],
  };
}

function nodeMetrics(seconds: number, seed: number, gapAt?: [number, number]): NodeMetrics {
  const rnd = mulberry32(seed);
  const series = (
    metric: string,
    label: string,
    unit: NodeMetrics['series'][number]['unit'],
    f: (s: number) => number,
  ) => ({
    metric,
    label,
    unit,
    points: Array.from({ length: seconds }, (_, s) => ({
      t: start + s,
      v: gapAt && s >= gapAt[0] && s < gapAt[1] ? null : f(s),
    })),
  });
  return {
    source: 'local',
    periodSeconds: 1,
    series: [
      series('cpu_percent', 'this machine CPU %', 'percent', () => 60 + rnd() * 30),
      series('proc_cpu_percent', 'gunicorn (flask-stock-api) CPU %', 'percent', () => 40 + rnd() * 20),
      series('mem_used_bytes', 'this machine memory used', 'bytes', (s) => 3.2e9 + s * 1e5),
      series('proc_rss_bytes', 'gunicorn (flask-stock-api) RSS', 'bytes', () => 2.1e8 + rnd() * 1e7),
      series('net_rx_bytes_per_s', 'loopback received', 'bytes/s', () => 6e5 + rnd() * 1e5),
      series('net_tx_bytes_per_s', 'loopback sent', 'bytes/s', () => 2.5e5 + rnd() * 1e5),
    ],
    warnings: [],
  };
}

function publishCycles(
  seconds: number,
  every: number,
  failAt: number[] = [],
  error = 'deploy task failed: exit 1',
): PublishCycle[] {
  const cycles: PublishCycle[] = [];
  for (let i = 0, s = 5; s + every < seconds; i++, s += every) {
    const failed = failAt.includes(i);
    const steps = [
      { name: 'create', durationMs: 40 + (i % 3) * 5, ok: true },
      { name: 'upload', durationMs: 300 + (i % 5) * 20, ok: true },
      { name: 'deploy', durationMs: 120 + (i % 4) * 10, ok: true },
      { name: 'wait', durationMs: 9000 + (i % 7) * 400, ok: !failed },
      { name: 'check', durationMs: failed ? 0 : 60, ok: true },
    ];
    cycles.push({
      start: (start + s) * 1000,
      durationMs: steps.reduce((sum, step) => sum + step.durationMs, 0),
      ok: !failed,
      steps: failed ? steps.slice(0, 4) : steps,
      error: failed ? error : undefined,
    });
  }
  return cycles;
}

function meta(kind: RunMeta['kind'], seconds: number, overrides: Partial<RunMeta> = {}): RunMeta {
  return {
    id: `2026-11-27T08-00-00Z-${kind}`,
    kind,
    profile: 'local',
    command: `npm run ${kind} -- --profile local`,
    target: {
      url: 'http://127.0.0.1:43123',
      kind: 'standin',
      comparableToBaseline: false,
      version: 'stand-in 0.1.0',
    },
    engine: { name: 'node', version: '0.1.0' },
    gitRevision: 'def727d',
    options: {
      scenarios: { fetcher: { executor: 'ramping-vus' } },
      summaryTrendStats: ['avg', 'p(95)', 'p(99)'],
    },
    startedAt: new Date(start * 1000).toISOString(),
    endedAt: new Date((start + seconds) * 1000).toISOString(),
    status: 'completed',
    engineExitCode: 0,
    ...overrides,
  };
}

function summary(series: TimeSeries, seconds: number, p95Fails = false): SummaryExport {
  const reqs = series.total.reduce((sum, p) => sum + p.reqs, 0);
  const failed = series.total.reduce((sum, p) => sum + p.failed, 0);
  return {
    metrics: {
      http_reqs: { count: reqs, rate: reqs / seconds },
      http_req_duration: {
        avg: 223,
        min: 3,
        med: 200,
        max: 2400,
        'p(90)': 380,
        'p(95)': p95Fails ? 612.3 : 410,
        'p(99)': 700,
        thresholds: { 'p(95)<500': p95Fails },
      },
      http_req_failed: {
        value: reqs ? failed / reqs : 0,
        passes: failed,
        fails: reqs - failed,
        thresholds: { 'rate<0.01': false },
      },
      vus_max: { value: 400, min: 400, max: 400 },
      checks: { value: 0.999, passes: 999, fails: 1 },
    },
    root_group: {
      name: '',
      path: '',
      checks: { 'status is 200': { name: 'status is 200', path: '::status is 200', passes: 999, fails: 1 } },
      groups: {
        publish: {
          name: 'publish',
          path: '::publish',
          checks: {
            'api answers': { name: 'api answers', path: '::publish::api answers', passes: 12, fails: 0 },
          },
          groups: {},
        },
      },
    },
  };
}

/** 30-minute (by default) soak at a steady VU count after a short ramp, per-second points. */
/** `connect` makes it a run against a real Connect, comparable with the published baseline. */
/** Connect's processes of the Flask content: one at first, up to max_processes (3) as the ramp goes on. */
export function processSeries(seconds: number): ProcessSeries {
  const points = Array.from({ length: seconds }, (_, s) => {
    const active = Math.min(3, 1 + Math.floor(s / 40));
    return { t: start + s, active, max: active };
  });
  return {
    contentGuid: '6f1c1c3e-0000-4000-8000-000000000001',
    limits: { maxProcesses: 3, minProcesses: null },
    stepSeconds: 1,
    points,
    processes: ['ip-10-0-1-5:101', 'ip-10-0-1-5:102', 'ip-10-0-1-6:201'],
    hosts: ['ip-10-0-1-5', 'ip-10-0-1-6'],
    polls: seconds,
    stopped: null,
  };
}

export function soakRun(minutes = 30, verdictOk = true, target: 'standin' | 'connect' = 'standin'): RunParts {
  const seconds = minutes * 60;
  const names = [
    '/content/flask/stocks/',
    '/content/flask/stocks/{ticker}',
    '/content/flask/stocks/{ticker}/history',
  ];
  const timeseries = buildSeries(
    seconds,
    (s) => Math.min(400, 1 + Math.floor((s * 400) / 120)),
    (v) => v * 4.1,
    names,
    7,
    0.0004,
  );
  const publish = publishCycles(seconds, 40, [3]);
  const rps = verdictOk ? 1650 : 1200;
  const comparable = target === 'connect';
  const processes = processSeries(seconds);
  const processesInWindow = processFigures(processes, start + 120, start + seconds, 'the steady window');
  return {
    processes,
    meta: meta(
      'load-soak',
      seconds,
      comparable
        ? { target: { url: 'https://connect.example.com', kind: 'connect', comparableToBaseline: true } }
        : {},
    ),
    summary: summary(timeseries, seconds),
    timeseries,
    publish,
    nodeMetrics: nodeMetrics(seconds, 11, [600, 630]),
    analysis: {
      kind: 'load-soak',
      ...(processesInWindow ? { processes: processesInWindow } : {}),
      steady: {
        from: start + 120,
        to: start + seconds,
        excludedRampSeconds: 120,
        rps,
        avgMs: 215,
        p95Ms: 410,
        p99Ms: 700,
        errorRate: 0.0004,
        publishCycles: {
          completed: publish.filter((c) => c.ok).length,
          failed: 1,
          avgMs: 10200,
          p95Ms: 12100,
        },
      },
      verdict: {
        ok: verdictOk,
        comparable,
        note: comparable ? 'Within tolerances.' : 'Measured on the local stand-in.',
        checks: [
          {
            name: 'throughput',
            measured: rps,
            baseline: 1618,
            limit: 1456.2,
            comparison: '>=',
            ok: rps >= 1456.2,
            description: 'fetch requests per second over the steady window',
          },
          {
            name: 'latency_avg',
            measured: 215,
            baseline: 223,
            limit: 245.3,
            comparison: '<=',
            ok: true,
            description: 'average fetch latency',
          },
          {
            name: 'error_rate',
            measured: 0.0004,
            baseline: 0,
            limit: 0.001,
            comparison: '<=',
            ok: true,
            description: 'failed fetch requests / all fetch requests',
          },
        ],
      },
      thresholds: [
        { metric: 'http_req_duration', expression: 'p(95)<500', ok: true },
        { metric: 'http_req_failed', expression: 'rate<0.01', ok: true },
      ],
      checks: [
        { name: 'status is 200', passes: 999, fails: 1 },
        { name: 'publish › api answers', passes: 44, fails: 0 },
      ],
    },
  };
}

/** Stepped ramp over 6 VU levels; throughput stops rising at 200 VUs. */
export function scalabilityRun(): RunParts {
  const levelVus = [50, 100, 150, 200, 250, 300];
  const levelSeconds = 60;
  const seconds = levelVus.length * levelSeconds;
  const capacity = (v: number) => Math.min(v, 200) * 8 - Math.max(0, v - 200) * 0.5;
  const timeseries = buildSeries(
    seconds,
    (s) => levelVus[Math.min(levelVus.length - 1, Math.floor(s / levelSeconds))],
    capacity,
    ['/content/flask/stocks/{ticker}'],
    3,
  );
  const levels: LevelStats[] = levelVus.map((vus, i) => ({
    vus,
    from: start + i * levelSeconds + 10,
    to: start + (i + 1) * levelSeconds,
    rps: capacity(vus),
    avgMs: (vus / capacity(vus)) * 1000,
    p95Ms: (vus / capacity(vus)) * 1600,
    errorRate: 0,
  }));
  const publish = publishCycles(seconds, 45);
  return {
    meta: meta('scalability', seconds),
    summary: summary(timeseries, seconds),
    timeseries,
    publish,
    nodeMetrics: nodeMetrics(seconds, 5),
    analysis: {
      kind: 'scalability',
      saturation: {
        method:
          'Mean throughput per VU level after a 10 s settling time; saturation is the smallest level reaching 95 % of the peak.',
        levels,
        peakRps: 1600,
        saturationVus: 200,
        thresholdFraction: 0.95,
      },
      verdict: null,
      thresholds: [{ metric: 'http_req_duration', expression: 'p(95)<500', ok: true }],
      checks: [{ name: 'status is 200', passes: 120000, fails: 0 }],
    },
  };
}

/** Stopped after 90 s: only run.json and a partial time series. */
export function interruptedRun(): RunParts {
  const seconds = 90;
  const full = soakRun(5);
  const timeseries = { ...full.timeseries! };
  timeseries.total = timeseries.total.slice(0, seconds);
  timeseries.vus = timeseries.vus.slice(0, seconds);
  timeseries.byName = Object.fromEntries(
    Object.entries(timeseries.byName).map(([k, v]) => [k, v.slice(0, seconds)]),
  );
  timeseries.end = start + seconds - 1;
  return {
    meta: meta('load-soak', seconds, {
      status: 'interrupted',
      engineExitCode: 105,
      message: 'Stopped with Ctrl-C after 1 min 30 s.',
    }),
    timeseries,
  };
}

/** Every string the run controls is hostile; a failed threshold and a failed verdict check. */
export function hostileRun(): RunParts {
  const parts = soakRun(3, false);
  const ts = parts.timeseries!;
  const evil = `/content/${hostile}/"'&<!--`;
  ts.byName = { [evil]: ts.total };
  ts.endpoints = [{ ...ts.endpoints[0], name: evil, method: `GET${hostile}`, scenario: hostile }];
  parts.meta = meta('load-soak', 180, {
    id: `run-${hostile}`,
    target: { url: `http://127.0.0.1:1/${hostile}`, kind: 'connect', comparableToBaseline: true },
    command: `npm run load-soak -- --tag ${hostile}`,
    options: { tags: { team: hostile } },
    gitRevision: hostile,
  });
  parts.publish = publishCycles(180, 30, [1], `deploy failed: ${hostile} ]]> & "quoted"`);
  parts.nodeMetrics!.series[0].label = `node ${hostile}`;
  parts.nodeMetrics!.warnings = [`CloudWatch said ${hostile}`];
  parts.summary = summary(ts, 180, true);
  const analysis = parts.analysis!;
  analysis.verdict!.comparable = true;
  analysis.verdict!.note = `note ${hostile}`;
  analysis.thresholds = [
    { metric: 'http_req_duration', expression: 'p(95)<500', ok: false },
    { metric: `custom{name:${hostile}}`, expression: 'rate<0.01', ok: true },
  ];
  analysis.checks = [{ name: `check ${hostile}`, passes: 1, fails: 1 }];
  return parts;
}

export async function writeRun(dir: string, parts: RunParts): Promise<string> {
  await mkdir(dir, { recursive: true });
  const files: Array<[string, unknown]> = [
    ['run.json', parts.meta],
    ['summary.json', parts.summary],
    ['timeseries.json', parts.timeseries],
    ['publish.json', parts.publish],
    ['node-metrics.json', parts.nodeMetrics],
    ['analysis.json', parts.analysis],
    ['processes.json', parts.processes],
  ];
  for (const [name, value] of files) {
    if (value !== undefined) await writeFile(join(dir, name), JSON.stringify(value, null, 2));
  }
  return dir;
}
