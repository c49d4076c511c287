// Charts are described on the server as plain data (ChartSpec) and drawn in the page by
// charts-client.js with the inlined chart.js. The description holds no functions, so it can be
// embedded as JSON; units pick the tick and tooltip formatting in the page. Any report page
// (run, comparison, nightly trend) builds specs with these helpers and places them with
// `<canvas data-chart="id">`.

/** How the page formats an axis: elapsed = seconds since the run started, date = epoch seconds. */
export type AxisUnit =
  | 'elapsed'
  | 'date'
  | 'req/s'
  | 'ms'
  | 'vus'
  | 'rate'
  | 'percent'
  | 'bytes'
  | 'bytes/s'
  | 'count'
  | 'seconds'
  | 'none';

export interface ChartAxis {
  unit: AxisUnit;
  title: string;
  min?: number;
  max?: number;
  stacked?: boolean;
  /** Appended to every tick and tooltip value, e.g. ` GiB` after scaleBytes. */
  suffix?: string;
  /** Category labels; series points then use the label index as x. */
  labels?: string[];
}

export interface ChartSeries {
  label: string;
  /** [x, y]; y null = a gap (lines are not joined across it). */
  points: Array<[number, number | null]>;
  axis?: 'y' | 'y1';
  type?: 'line' | 'bar' | 'scatter';
  color?: string;
  /** One colour per point (bars or scatter points), e.g. red for failures. */
  pointColors?: string[];
  stack?: string;
  dashed?: boolean;
  fill?: boolean;
  /** Shown struck through in the legend until clicked, e.g. max latency that would flatten the rest. */
  hidden?: boolean;
}

export interface ChartSpec {
  title: string;
  x: ChartAxis;
  y: ChartAxis;
  y1?: ChartAxis;
  series: ChartSeries[];
  /** Vertical lines, e.g. the saturation point. */
  markers?: Array<{ x: number; label: string }>;
  /** Shaded x ranges, e.g. the steady window a verdict was measured on. */
  bands?: Array<{ from: number; to: number; label: string }>;
  /** One sentence under the chart about how to read it. */
  note?: string;
}

/** Colour-blind-safe palette (Okabe–Ito order, then extras). */
export const palette = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#6a3d9a',
  '#999999',
  '#b15928',
  '#1b9e77',
  '#000000',
  '#F0E442',
];

export const failureColor = '#c62828';

export function colorAt(index: number): string {
  return palette[index % palette.length];
}

/** Time series on the elapsed-seconds axis of a run starting at `origin` (epoch seconds). */
export function elapsedPoints<T extends { t: number }>(
  points: T[],
  origin: number,
  value: (point: T) => number | null,
): Array<[number, number | null]> {
  return points.map((point) => [point.t - origin, value(point)]);
}

/** The shared time axis of every chart of one run, so load and node charts line up. */
export function elapsedAxis(spanSeconds: number): ChartAxis {
  return { unit: 'elapsed', title: 'time since start', min: 0, max: Math.max(1, spanSeconds) };
}

const binaryUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * Byte axes tick at round binary values (0, 1, 2 GiB) instead of decimal steps shown in GiB
 * (953.7 MiB): the values are divided into the unit that fits the largest one.
 */
export function scaleBytes(spec: ChartSpec): ChartSpec {
  if (spec.y.unit !== 'bytes' && spec.y.unit !== 'bytes/s') return spec;
  const largest = Math.max(0, ...spec.series.flatMap((s) => s.points.map(([, y]) => Math.abs(y ?? 0))));
  let power = 0;
  while (largest >= 1024 ** (power + 1) && power < binaryUnits.length - 1) power++;
  const unit = `${binaryUnits[power]}${spec.y.unit === 'bytes/s' ? '/s' : ''}`;
  const divisor = 1024 ** power;
  return {
    ...spec,
    y: { ...spec.y, unit: 'none', suffix: ` ${unit}`, title: '' },
    series: spec.series.map((s) => ({
      ...s,
      points: s.points.map(([x, y]): [number, number | null] => [x, y === null ? null : y / divisor]),
    })),
  };
}
