// Side-by-side comparison of two runs (A = before, B = after): the same look as a run report,
// with each change coloured by whether it is better or worse for the people running Connect.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bucketSecondsFor, downsampleSeries } from './downsample.ts';
import { formatChange, formatCount, formatMs, formatRate, formatRps, formatStepTime } from './format.ts';
import { type Headline, headlineOf } from './headline.ts';
import { type ChartSpec, colorAt, elapsedAxis, elapsedPoints } from './html/charts.ts';
import { renderPage, renderTemplate } from './html/page.ts';
import { thresholdsOf } from './results.ts';
import { runClock } from './run-charts.ts';
import type { RunRecord } from './run-data.ts';
import { headerFacts, statusBanner, type Tile } from './run-view.ts';
import { comparabilityNote, verdictOf, verdictRow } from './verdict.ts';

const template = join(dirname(fileURLToPath(import.meta.url)), 'templates', 'compare.ejs');

/** Changes smaller than this fraction are shown without colour: they are within run-to-run noise. */
export const noiseFraction = 0.01;

type Direction = 'higher' | 'lower' | 'neutral';

export interface Delta {
  change: string;
  state: 'better' | 'worse' | 'same';
}

export function delta(a: number | null, b: number | null, direction: Direction): Delta {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b))
    return { change: '—', state: 'same' };
  const fraction = a === 0 ? (b === 0 ? 0 : Math.sign(b)) : (b - a) / Math.abs(a);
  const change =
    a === 0 && b !== 0
      ? `${b > 0 ? '+' : '−'}${formatCount(Math.abs(b - a))} from 0`
      : formatChange(fraction);
  if (direction === 'neutral' || Math.abs(fraction) < noiseFraction) return { change, state: 'same' };
  const better = direction === 'higher' ? b > a : b < a;
  return { change, state: better ? 'better' : 'worse' };
}

interface Figure {
  label: string;
  a: number | null;
  b: number | null;
  format: (v: number | null) => string;
  direction: Direction;
}

function figures(a: Headline, b: Headline, ra: RunRecord, rb: RunRecord): Figure[] {
  const list: Figure[] = [
    { label: 'Throughput', a: a.rps, b: b.rps, format: formatRps, direction: 'higher' },
    { label: 'Average latency', a: a.avgMs, b: b.avgMs, format: formatMs, direction: 'lower' },
    { label: 'p95 latency', a: a.p95Ms, b: b.p95Ms, format: formatMs, direction: 'lower' },
    { label: 'p99 latency', a: a.p99Ms, b: b.p99Ms, format: formatMs, direction: 'lower' },
    { label: 'Error rate', a: a.errorRate, b: b.errorRate, format: formatRate, direction: 'lower' },
    { label: 'Virtual users', a: a.vus, b: b.vus, format: formatCount, direction: 'neutral' },
    {
      label: 'Publish cycle (avg)',
      a: a.publish?.avgMs ?? null,
      b: b.publish?.avgMs ?? null,
      format: formatStepTime,
      direction: 'lower',
    },
    {
      label: 'Failed publish cycles',
      a: a.publish?.failed ?? null,
      b: b.publish?.failed ?? null,
      format: formatCount,
      direction: 'lower',
    },
  ];
  const sa = ra.analysis?.saturation;
  const sb = rb.analysis?.saturation;
  if (sa || sb) {
    list.push(
      {
        label: 'Saturation VUs',
        a: sa?.saturationVus ?? null,
        b: sb?.saturationVus ?? null,
        format: formatCount,
        direction: 'higher',
      },
      {
        label: 'Peak throughput',
        a: sa?.peakRps ?? null,
        b: sb?.peakRps ?? null,
        format: formatRps,
        direction: 'higher',
      },
    );
  }
  return list;
}

function overlay(
  title: string,
  unit: 'req/s' | 'ms' | 'rate',
  ra: RunRecord,
  rb: RunRecord,
  pick: (p: ReturnType<typeof downsampleSeries>[number], bucket: number) => number | null,
): ChartSpec | null {
  const runs = [ra, rb].map((files) => ({ files, clock: runClock(files) }));
  if (runs.some((r) => !r.files.timeseries?.total.length)) return null;
  const span = Math.max(...runs.map((r) => r.clock.span));
  return {
    title,
    x: elapsedAxis(span),
    y: { unit, title: unit === 'rate' ? 'error rate' : unit },
    series: runs.map(({ files, clock }, i) => {
      const series = files.timeseries!;
      const bucket = bucketSecondsFor(span, series.stepSeconds);
      return {
        label: `${i === 0 ? 'A' : 'B'}: ${files.meta.id}`,
        color: colorAt(i === 0 ? 1 : 0),
        points: elapsedPoints(downsampleSeries(series.total, bucket, clock.origin), clock.origin, (p) =>
          pick(p, bucket),
        ),
      };
    }),
    note: 'A orange, B blue; each on the time since its own start.',
  };
}

function curves(ra: RunRecord, rb: RunRecord): ChartSpec | null {
  const both = [ra, rb].map((f) => f.analysis?.saturation);
  if (!both[0] || !both[1]) return null;
  return {
    title: 'Throughput by VU level',
    x: { unit: 'vus', title: 'virtual users', min: 0 },
    y: { unit: 'req/s', title: 'requests per second' },
    series: both.map((s, i) => ({
      label: `${i === 0 ? 'A' : 'B'}: ${[ra, rb][i].meta.id}`,
      color: colorAt(i === 0 ? 1 : 0),
      points: [...s!.levels].sort((x, y) => x.vus - y.vus).map((l): [number, number] => [l.vus, l.rps]),
    })),
    markers: both.flatMap((s, i) =>
      s!.saturationVus === null ? [] : [{ x: s!.saturationVus, label: `${i === 0 ? 'A' : 'B'} saturation` }],
    ),
  };
}

function endpointRows(ra: RunRecord, rb: RunRecord) {
  const index = (files: RunRecord) =>
    new Map((files.timeseries?.endpoints ?? []).map((e) => [`${e.method} ${e.name}`, e]));
  const ea = index(ra);
  const eb = index(rb);
  const keys = [...new Set([...ea.keys(), ...eb.keys()])];
  return keys
    .map((key) => ({ a: ea.get(key), b: eb.get(key) }))
    .sort((x, y) => (y.b?.count ?? y.a?.count ?? 0) - (x.b?.count ?? x.a?.count ?? 0))
    .map(({ a, b }) => {
      const any = (b ?? a)!;
      const failed = (e: typeof a) => (e && e.count > 0 ? e.failed / e.count : null);
      return {
        name: any.name,
        method: any.method,
        rpsA: formatRps(a?.rps),
        rpsB: formatRps(b?.rps),
        rps: delta(a?.rps ?? null, b?.rps ?? null, 'higher'),
        p95A: formatMs(a?.p95),
        p95B: formatMs(b?.p95),
        p95: delta(a?.p95 ?? null, b?.p95 ?? null, 'lower'),
        failedA: formatRate(failed(a)),
        failedB: formatRate(failed(b)),
        failed: delta(failed(a), failed(b), 'lower'),
      };
    });
}

function verdictRows(ra: RunRecord, rb: RunRecord) {
  // A run that cannot be compared with the baseline shows its checks without a pass or fail mark.
  const checks = (files: RunRecord) =>
    new Map(
      verdictOf(files).state === 'not-comparable'
        ? []
        : (files.analysis?.verdict?.checks ?? []).map((c) => [c.name, c]),
    );
  const measured = (files: RunRecord) =>
    new Map((files.analysis?.verdict?.checks ?? []).map((c) => [c.name, c]));
  const ca = measured(ra);
  const cb = measured(rb);
  const oka = checks(ra);
  const okb = checks(rb);
  return [...new Set([...ca.keys(), ...cb.keys()])].map((name) => {
    const a = ca.get(name);
    const b = cb.get(name);
    const row = verdictRow((b ?? a)!);
    const direction: Direction = (b ?? a)!.comparison === '>=' ? 'higher' : 'lower';
    return {
      label: row.label,
      limit: row.limit,
      a: a ? verdictRow(a).measured : '—',
      b: b ? verdictRow(b).measured : '—',
      okA: oka.get(name)?.ok ?? null,
      okB: okb.get(name)?.ok ?? null,
      delta: delta(a?.measured ?? null, b?.measured ?? null, direction),
    };
  });
}

function thresholdRows(ra: RunRecord, rb: RunRecord) {
  const map = (files: RunRecord) =>
    new Map(thresholdsOf(files).map((t) => [`${t.metric}\u0000${t.expression}`, t]));
  const ta = map(ra);
  const tb = map(rb);
  return [...new Set([...ta.keys(), ...tb.keys()])].map((key) => {
    const [metric, expression] = key.split('\u0000');
    return { metric, expression, okA: ta.get(key)?.ok ?? null, okB: tb.get(key)?.ok ?? null };
  });
}

export function compareView(ra: RunRecord, rb: RunRecord) {
  const ha = headlineOf(ra);
  const hb = headlineOf(rb);
  const rows = figures(ha, hb, ra, rb).map((f) => ({
    label: f.label,
    a: f.format(f.a),
    b: f.format(f.b),
    ...delta(f.a, f.b, f.direction),
  }));
  const tiles: Tile[] = rows.slice(0, 6).map((row) => ({
    label: row.label,
    value: row.b,
    sub: `A ${row.a} (${row.change})`,
    state: row.state === 'better' ? 'good' : row.state === 'worse' ? 'bad' : undefined,
  }));
  const factsA = headerFacts(ra.meta);
  const factsB = headerFacts(rb.meta);
  const cautions: string[] = [];
  for (const field of ['kind', 'profile', 'target', 'engine'] as const) {
    const a = factsA.find(([k]) => k === field)?.[1];
    const b = factsB.find(([k]) => k === field)?.[1];
    if (a !== b)
      cautions.push(`The runs differ in ${field} (A: ${a}; B: ${b}); read the changes with that in mind.`);
  }
  for (const [label, files] of [
    ['A', ra],
    ['B', rb],
  ] as const) {
    const note = comparabilityNote(files.meta, files.analysis?.verdict?.comparable ?? true);
    if (note) cautions.push(`Run ${label}: ${note}`);
    for (const line of files.missing) cautions.push(`Run ${label}: ${line}`);
  }
  const charts: Record<string, ChartSpec> = {};
  const add = (id: string, spec: ChartSpec | null) => {
    if (spec) charts[id] = spec;
  };
  add(
    'throughput',
    overlay('Throughput', 'req/s', ra, rb, (p, bucket) => p.reqs / bucket),
  );
  add(
    'p95',
    overlay('p95 latency', 'ms', ra, rb, (p) => p.p95),
  );
  add(
    'errors',
    overlay('Error rate', 'rate', ra, rb, (p) => (p.reqs > 0 ? p.failed / p.reqs : null)),
  );
  add('curves', curves(ra, rb));
  return {
    title: `Comparison: ${ra.meta.id} → ${rb.meta.id}`,
    a: { id: ra.meta.id, banner: statusBanner(ra.meta), verdict: verdictOf(ra), source: ha.source },
    b: { id: rb.meta.id, banner: statusBanner(rb.meta), verdict: verdictOf(rb), source: hb.source },
    facts: factsA.map(([label, value], i) => ({ label, a: value, b: factsB[i]?.[1] ?? '—' })),
    cautions,
    noisePercent: noiseFraction * 100,
    tiles,
    rows,
    verdictRows: verdictRows(ra, rb),
    endpoints: endpointRows(ra, rb),
    thresholds: thresholdRows(ra, rb),
    charts,
  };
}

export async function renderCompareHtml(a: RunRecord, b: RunRecord): Promise<string> {
  const view = compareView(a, b);
  const body = await renderTemplate(template, { v: view });
  return renderPage({ title: view.title, body, charts: view.charts });
}
