// Noise-aware regression detection: today's figures against the recent history of comparable
// runs (same target, profile and kind). A figure regresses only when it moves the bad way by more
// than the noise band (k × 1.4826 × MAD, a robust standard deviation) AND by more than a minimum
// effect size, so a quiet history cannot make a 1 % wobble an alarm and a noisy one cannot hide
// a collapse forever.
import type { FigureVerdict, RegressionReport } from '../record/types.ts';
import type { HistoryEntry } from './history.ts';

export type { FigureVerdict, RegressionReport };

export type FigureName = FigureVerdict['figure'];

export interface RegressionOptions {
  /** How many of the most recent comparable runs to use. */
  window: number;
  /** Fewer comparable runs than this: no regression verdict (not enough history). */
  minRuns: number;
  /** Noise band multiplier on the robust standard deviation (1.4826 × MAD). */
  k: number;
  /** The noise band never exceeds this fraction of the median, so a noisy history cannot hide a collapse. */
  maxBand: number;
  /** Minimum relative change that counts, per figure (0.1 = 10 %). */
  minEffect: Record<Exclude<FigureName, 'errorRate'>, number>;
  /** Minimum absolute error-rate rise that counts (0.005 = 0.5 percentage points). */
  minErrorRateRise: number;
}

export const DEFAULT_REGRESSION_OPTIONS: RegressionOptions = {
  window: 14,
  minRuns: 3,
  k: 2,
  maxBand: 0.3,
  minEffect: { rps: 0.1, avgMs: 0.1, p95Ms: 0.15 },
  minErrorRateRise: 0.005,
};

const FIGURES: Array<{ figure: FigureName; label: string; higherIsBetter: boolean; unit: string }> = [
  { figure: 'rps', label: 'throughput', higherIsBetter: true, unit: 'req/s' },
  { figure: 'avgMs', label: 'average latency', higherIsBetter: false, unit: 'ms' },
  { figure: 'p95Ms', label: 'p95 latency', higherIsBetter: false, unit: 'ms' },
  { figure: 'errorRate', label: 'error rate', higherIsBetter: false, unit: '' },
];

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mad(values: number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

export function comparableHistory(
  today: HistoryEntry,
  history: HistoryEntry[],
  window: number,
): HistoryEntry[] {
  return history
    .filter(
      (e) =>
        e.runId !== today.runId &&
        e.target === today.target &&
        e.profile === today.profile &&
        e.kind === today.kind &&
        Date.parse(e.date) < Date.parse(today.date),
    )
    .sort((a, b) => Date.parse(a.date) - Date.parse(b.date))
    .slice(-window);
}

function fmt(v: number, unit: string): string {
  if (unit === '') return `${(v * 100).toFixed(2)} %`;
  return `${v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1)} ${unit}`;
}

export function detectRegressions(
  today: HistoryEntry,
  history: HistoryEntry[],
  options: RegressionOptions = DEFAULT_REGRESSION_OPTIONS,
): RegressionReport {
  const past = comparableHistory(today, history, options.window);
  const method =
    `Against the median of the last ${options.window} comparable runs (same target, profile and kind; ` +
    `at least ${options.minRuns} needed): a figure regresses when it moves the bad way by more than ` +
    `${options.k} × 1.4826 × MAD (the noise band, capped at ${options.maxBand * 100} % of the median) ` +
    `and by more than the minimum effect ` +
    `(throughput ${options.minEffect.rps * 100} %, average latency ${options.minEffect.avgMs * 100} %, ` +
    `p95 latency ${options.minEffect.p95Ms * 100} %, error rate +${(options.minErrorRateRise * 100).toFixed(1)} points).`;
  const enoughHistory = past.length >= options.minRuns;
  const figures: FigureVerdict[] = [];
  for (const { figure, label, higherIsBetter, unit } of FIGURES) {
    const values = past.map((e) => e.figures[figure]);
    const todayValue = today.figures[figure];
    const med = median(values);
    const sigma = 1.4826 * mad(values);
    const minEffect =
      figure === 'errorRate'
        ? options.minErrorRateRise
        : options.minEffect[figure as Exclude<FigureName, 'errorRate'>] * Math.abs(med);
    const band = Math.min(options.k * sigma, options.maxBand * Math.abs(med));
    const allowed = Math.max(band, minEffect);
    const badMove = higherIsBetter ? med - todayValue : todayValue - med;
    const regressed = enoughHistory && badMove > allowed;
    const change = enoughHistory && med !== 0 ? (todayValue - med) / Math.abs(med) : null;
    let sentence: string;
    if (!enoughHistory) {
      sentence = `${label}: ${fmt(todayValue, unit)} (only ${past.length} comparable run${past.length === 1 ? '' : 's'}, no verdict)`;
    } else {
      const rel = change === null ? '' : ` (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)} %)`;
      sentence =
        `${label}: ${fmt(todayValue, unit)} vs median ${fmt(med, unit)}${rel}; ` +
        `allowed ${higherIsBetter ? 'drop' : 'rise'} ${fmt(allowed, unit)}` +
        (regressed ? ' — REGRESSION' : ' — ok');
    }
    figures.push({
      figure,
      label,
      today: todayValue,
      median: med,
      sigma,
      allowed,
      change,
      regressed,
      sentence,
    });
  }
  return {
    comparableRuns: past.length,
    enoughHistory,
    regressed: figures.some((f) => f.regressed),
    figures,
    method,
  };
}
