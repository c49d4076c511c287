// Publish cycles from the publisher's own metrics: every publish_* sample carries the `cycle`
// tag (the cycle number) and the `step` tag, so the cycles are rebuilt by grouping on `cycle`.
// One publisher VU makes a cycle every few seconds at most, so keeping them all is cheap.
import type { PublishCycle, PublishStep } from '../record/types.ts';

interface CycleParts {
  startMs: number;
  steps: Map<string, { durationMs: number; endMs: number }>;
  cycleMs: number | null;
  success: boolean | null;
  error: string;
}

const CYCLE_DURATION = 'publish_cycle_duration';
const CYCLE_SUCCESS = 'publish_cycle_success';

/** `publish_task_duration` → `task`, unless the sample names its step. */
function stepName(metric: string, stepTag: string): string {
  if (stepTag) return stepTag;
  return metric.replace(/^publish_/, '').replace(/_duration$/, '');
}

/**
 * Cycles kept: one publisher VU makes a cycle every few seconds at most, so a week-long run has
 * fewer than this; a file with more distinct `cycle` tags is not one publisher's run, and memory
 * stays bounded.
 */
export const maxPublishCycles = 200_000;

export class PublishCycleCollector {
  private cycles = new Map<string, CycleParts>();
  /** Samples of cycles beyond maxPublishCycles, not counted. */
  dropped = 0;

  add(
    metric: string,
    timeMs: number,
    value: number,
    tags: { cycle: string; step: string; error: string },
  ): void {
    if (!tags.cycle) return;
    let parts = this.cycles.get(tags.cycle);
    if (!parts && this.cycles.size >= maxPublishCycles) {
      this.dropped++;
      return;
    }
    if (!parts) {
      parts = {
        startMs: Number.POSITIVE_INFINITY,
        steps: new Map(),
        cycleMs: null,
        success: null,
        error: '',
      };
      this.cycles.set(tags.cycle, parts);
    }
    if (tags.error && !parts.error) parts.error = tags.error;
    if (metric === CYCLE_SUCCESS) {
      parts.success = value !== 0;
      return;
    }
    if (!metric.endsWith('_duration')) return;
    parts.startMs = Math.min(parts.startMs, timeMs - value);
    if (metric === CYCLE_DURATION) {
      parts.cycleMs = value;
      return;
    }
    parts.steps.set(stepName(metric, tags.step), { durationMs: value, endMs: timeMs });
  }

  /** Cycles ordered by start. Steps have no verdict of their own: the last step of a failed cycle is the one that failed. */
  cyclesSoFar(): PublishCycle[] {
    const out: PublishCycle[] = [];
    for (const parts of this.cycles.values()) {
      if (!Number.isFinite(parts.startMs)) continue;
      const ordered = [...parts.steps.entries()].sort((a, b) => a[1].endMs - b[1].endMs);
      const ok = parts.success ?? parts.cycleMs !== null;
      const steps: PublishStep[] = ordered.map(([name, s], i) => ({
        name,
        durationMs: s.durationMs,
        ok: ok || i < ordered.length - 1,
      }));
      const durationMs = parts.cycleMs ?? steps.reduce((sum, s) => sum + s.durationMs, 0);
      const cycle: PublishCycle = { start: parts.startMs, durationMs, ok, steps };
      if (parts.error) cycle.error = parts.error;
      else if (!ok) cycle.error = parts.cycleMs === null ? 'the cycle did not finish' : 'the cycle failed';
      out.push(cycle);
    }
    return out.sort((a, b) => a.start - b.start);
  }
}
