// ramping-vus: the number of looping VUs follows the stages, changing in whole-VU steps at evenly
// spaced times. VUs above a lowered target finish their iteration, or are interrupted after
// gracefulRampDown.
import type { ScenarioConfig, Stage } from '../options.ts';
import { type Stripe, scaleBy } from '../segments.ts';
import type { VU } from '../vu.ts';
import type { ScenarioRun } from './scenario-run.ts';

type Config = Extract<ScenarioConfig, { executor: 'ramping-vus' }>;

export interface VUStep {
  atMs: number;
  vus: number;
}

/** The VU count over time: a step at each moment the linear ramp crosses a whole VU. */
export function vuSteps(startVUs: number, stages: Stage[]): VUStep[] {
  const steps: VUStep[] = [{ atMs: 0, vus: startVUs }];
  let from = startVUs;
  let at = 0;
  for (const stage of stages) {
    const delta = stage.target - from;
    if (stage.durationMs === 0) {
      if (delta !== 0) steps.push({ atMs: at, vus: stage.target });
    } else {
      const n = Math.abs(delta);
      for (let k = 1; k <= n; k++) {
        steps.push({ atMs: at + (stage.durationMs * k) / n, vus: from + Math.sign(delta) * k });
      }
    }
    from = stage.target;
    at += stage.durationMs;
  }
  return steps;
}

/**
 * The steps of one execution segment: the test's VU numbers 1 … n are striped between the
 * instances, so this instance runs as many VUs as its stripe has among the first n, and changes
 * its count exactly when the test-wide count crosses one of its own VU numbers. The instances'
 * counts add up to the test's at every moment.
 */
export function segmentSteps(steps: VUStep[], stripe: Stripe): VUStep[] {
  const out: VUStep[] = [];
  for (const step of steps) {
    const vus = scaleBy(stripe, step.vus);
    if (out.length === 0 || out[out.length - 1].vus !== vus) out.push({ atMs: step.atMs, vus });
  }
  return out;
}

export async function runRampingVUs(sc: ScenarioRun, config: Config): Promise<void> {
  const whole = vuSteps(config.startVUs, config.stages);
  const steps = config.segment ? segmentSteps(whole, config.segment.vus) : whole;
  const max = Math.max(...steps.map((s) => s.vus));
  const vus = await Promise.all(Array.from({ length: max }, () => sc.host.acquireVU()));
  let target = 0;
  let running = true;
  const loops: Array<Promise<void> | null> = vus.map(() => null);
  const rampDownTimers: Array<NodeJS.Timeout | null> = vus.map(() => null);
  const all = new Set<Promise<void>>();

  // A VU's loop ends when it is ramped down; raised again before its iteration ended, it loops on.
  const loop = async (i: number, vu: VU) => {
    while (running && !sc.stopping && i < target) await sc.loop(vu);
    loops[i] = null;
    sc.activeVUs--;
  };

  const apply = (next: number) => {
    target = next;
    for (let i = 0; i < vus.length; i++) {
      if (i < target) {
        if (rampDownTimers[i]) {
          clearTimeout(rampDownTimers[i]!);
          rampDownTimers[i] = null;
        }
        if (!loops[i]) {
          sc.activeVUs++;
          const p = loop(i, vus[i]);
          loops[i] = p;
          all.add(p);
          p.then(() => all.delete(p));
        }
      } else if (loops[i]) {
        sc.endLoop(vus[i]);
        if (!rampDownTimers[i] && sc.isRunningIteration(vus[i]))
          rampDownTimers[i] = setTimeout(() => {
            rampDownTimers[i] = null;
            if (i >= target) sc.interrupt(vus[i]);
          }, config.gracefulRampDownMs);
      }
    }
  };

  for (const step of steps) {
    if (!(await sc.waitUntil(step.atMs))) break;
    apply(step.vus);
  }
  await sc.waitUntil(sc.plannedMs);
  running = false;
  // A VU ramped down at the last step (the common last stage to 0) still gets gracefulRampDown,
  // not gracefulStop: its timer stays until the scenario has finished.
  await sc.finish([...all]);
  for (const t of rampDownTimers) if (t) clearTimeout(t);
  for (const vu of vus) sc.host.releaseVU(vu);
}
