// Collects one value per series per sample, so every series shares the same time axis: a series
// that appears late is back-filled with gaps, and one with no value at a sample gets a gap.
// Memory grows by one point per series per sample and nothing else is kept.
import type { NodeSeries } from '../record/types.ts';

export type SeriesValue = Omit<NodeSeries, 'points'> & { v: number | null };

export class SeriesBook {
  private readonly times: number[] = [];
  private readonly byKey = new Map<string, NodeSeries>();

  add(t: number, values: SeriesValue[]): void {
    const seen = new Set<string>();
    for (const { v, ...meta } of values) {
      const key = `${meta.metric}\u0000${meta.label}`;
      let series = this.byKey.get(key);
      if (!series) {
        series = { ...meta, points: this.times.map((pt) => ({ t: pt, v: null })) };
        this.byKey.set(key, series);
      }
      series.points.push({ t, v });
      seen.add(key);
    }
    for (const [key, series] of this.byKey) if (!seen.has(key)) series.points.push({ t, v: null });
    this.times.push(t);
  }

  series(): NodeSeries[] {
    return [...this.byKey.values()];
  }
}
