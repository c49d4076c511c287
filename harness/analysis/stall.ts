// Stalls: seconds in which fetch VUs were running and not one of their requests completed. A
// target that stops answering (a black hole) and a generator that stops running (SIGSTOP, a
// starved or paused machine) both look like this in the request series; the engine's own
// health lines tell them apart: a frozen engine writes none (or one stretched over the gap).
import type { EngineHealthLine, Stall, TimeSeries } from '../record/types.ts';
import { pointsOf } from './window.ts';

/** Shortest run of empty seconds called a stall: one empty second happens at low rates. */
export const STALL_MIN_SECONDS = 3;
/** A health line measuring more than this many ms (its 1 s timer fired late) marks a freeze. */
const FROZEN_ELAPSED_MS = 2_500;

/** Epoch-second intervals [from, to] during which the engine process did not run. */
export function generatorFreezes(health: EngineHealthLine[]): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  const sorted = [...health].sort((a, b) => a.t - b.t);
  for (let i = 0; i < sorted.length; i++) {
    const h = sorted[i];
    const previous = i > 0 ? sorted[i - 1].t : null;
    const gapS = previous === null ? 0 : h.t - previous;
    if (h.elapsedMs > FROZEN_ELAPSED_MS || gapS * 1000 > FROZEN_ELAPSED_MS) {
      const seconds = Math.max(h.elapsedMs / 1000, gapS);
      out.push({ from: Math.floor(h.t - seconds), to: Math.ceil(h.t) });
    }
  }
  return out;
}

/**
 * Runs of at least STALL_MIN_SECONDS seconds in [from, to] with fetch VUs running and no fetch
 * request completed (answered or failed). `otherVus` are VUs that never fetch (the publisher).
 */
export function findStalls(
  series: TimeSeries,
  scenario: string | null,
  from: number,
  to: number,
  options: { health?: EngineHealthLine[]; otherVus?: number } = {},
): Stall[] {
  const reqs = new Map<number, number>();
  for (const p of pointsOf(series, scenario)) reqs.set(p.t, p.reqs);
  const vus = new Map<number, number>();
  for (const v of series.vus) vus.set(v.t, v.vus);
  const freezes = generatorFreezes(options.health ?? []);
  const healthKnown = (options.health?.length ?? 0) > 0;
  const stalls: Stall[] = [];
  let start: number | null = null;
  let fetchVus = 0;
  const close = (end: number) => {
    if (start === null) return;
    const seconds = end - start + 1;
    if (seconds >= STALL_MIN_SECONDS) {
      const frozen = freezes.some((f) => overlap(f, start!, end) >= seconds / 2);
      stalls.push({
        from: start,
        to: end,
        seconds,
        vus: fetchVus,
        cause: frozen ? 'generator' : healthKnown ? 'target' : 'unknown',
        untilEnd: end === to,
      });
    }
    start = null;
    fetchVus = 0;
  };
  for (let t = from; t <= to; t++) {
    const running = Math.max(0, (vus.get(t) ?? 0) - (options.otherVus ?? 0));
    if ((reqs.get(t) ?? 0) === 0 && running > 0) {
      if (start === null) start = t;
      fetchVus = Math.max(fetchVus, running);
    } else close(t - 1);
  }
  close(to);
  return stalls;
}

function overlap(f: { from: number; to: number }, from: number, to: number): number {
  return Math.max(0, Math.min(f.to, to) - Math.max(f.from, from) + 1);
}

function clock(epochS: number): string {
  return `${new Date(epochS * 1000).toISOString().slice(11, 19)} UTC`;
}

/** One sentence per stall, for the verdict and the report. */
export function stallSentence(stall: Stall, seriesStart: number): string {
  const when = `at ${clock(stall.from)} (${stall.from - seriesStart} s into the run)`;
  const span = stall.untilEnd ? 'until the end of the window' : `for ${stall.seconds} s`;
  switch (stall.cause) {
    case 'target':
      return stall.untilEnd
        ? `The target stopped answering ${when}: not one request of the ${stall.vus} fetch VUs completed ${span}; their ${stall.vus} unanswered requests count as failed (request timeout).`
        : `The target stopped answering ${when} ${span}: not one request of the ${stall.vus} fetch VUs completed.`;
    case 'generator':
      return `The load generator stalled ${when} ${span}: the engine process did not run (stopped, starved or paused), so no request was sent or timed; those seconds measure the generator, not the target.`;
    default:
      return `No request completed ${when} ${span} while ${stall.vus} fetch VUs ran: the target stopped answering or the generator stalled (this engine writes no health file to tell which).`;
  }
}
