// The open model shared by constant- and ramping-arrival-rate: iterations start at the moments
// the (linearly interpolated) rate says, each on an idle VU; with no idle VU the start is dropped
// (dropped_iterations) and one more VU is initialised in the background while maxVUs allows.
import type { Stage } from '../options.ts';
import { hasItem, type Stripe } from '../segments.ts';
import type { VU } from '../vu.ts';
import type { ScenarioRun } from './scenario-run.ts';

export interface ArrivalPlan {
  startRate: number;
  timeUnitMs: number;
  stages: Stage[];
  preAllocatedVUs: number;
  maxVUs: number;
  /**
   * constant-arrival-rate starts its first iteration at once (k6 starts iteration n at n × the
   * period, n from 0); ramping-arrival-rate when the integral of the rate reaches 1, as k6 counts
   * its area from 1 (grafana/k6, lib/executor/ramping_arrival_rate.go, cal: "start from 1 not 0").
   */
  firstAtStart: boolean;
  /** With an execution segment: the test's arrivals (numbered 0, 1, …) that are this instance's. */
  stripe?: Stripe;
}

/**
 * Start offsets (ms) of iterations: the i-th start happens when the integral of the rate reaches
 * i, counting from 1 (from 0 for constant-arrival-rate, whose rate never starts at 0).
 */
export function* arrivalOffsets(plan: ArrivalPlan): Generator<number> {
  let next = plan.firstAtStart && plan.startRate > 0 ? 0 : 1;
  let before = 0;
  let at = 0;
  let r0 = plan.startRate;
  for (const stage of plan.stages) {
    const d = stage.durationMs;
    const a = r0 / plan.timeUnitMs;
    const b = stage.target / plan.timeUnitMs;
    const inStage = ((a + b) / 2) * d;
    while (next <= before + inStage + 1e-9 && d > 0) {
      const need = next - before;
      let tau: number;
      const c = (b - a) / (2 * d);
      if (Math.abs(c) < 1e-15) tau = a === 0 ? d + 1 : need / a;
      else tau = (-a + Math.sqrt(Math.max(0, a * a + 4 * c * need))) / (2 * c);
      if (tau >= d) break;
      yield at + Math.max(0, tau);
      next++;
    }
    before += inStage;
    at += d;
    r0 = stage.target;
  }
}

export async function runArrivalRate(sc: ScenarioRun, plan: ArrivalPlan): Promise<void> {
  const owned: VU[] = [];
  const idle: VU[] = [];
  for (let i = 0; i < plan.preAllocatedVUs; i++) {
    const vu = await sc.host.acquireVU();
    owned.push(vu);
    idle.push(vu);
  }
  let initialising = false;
  let warned = false;
  const work = new Set<Promise<void>>();

  const start = (vu: VU) => {
    sc.activeVUs++;
    const p = sc.iterate(vu).then(() => {
      sc.activeVUs--;
      idle.push(vu);
    });
    work.add(p);
    p.then(() => work.delete(p));
  };

  let arrival = -1;
  for (const offset of arrivalOffsets(plan)) {
    arrival++;
    if (plan.stripe && !hasItem(plan.stripe, arrival)) continue;
    if (!(await sc.waitUntil(offset))) break;
    const vu = idle.pop();
    if (vu) {
      start(vu);
      continue;
    }
    sc.dropped(1);
    if (owned.length < plan.maxVUs && !initialising) {
      initialising = true;
      const grow = sc.host.initVU().then(
        (fresh) => {
          owned.push(fresh);
          idle.push(fresh);
          initialising = false;
        },
        (err: Error) => sc.host.warn(`scenario ${sc.name}: could not initialise another VU: ${err.message}`),
      );
      work.add(grow);
    } else if (owned.length >= plan.maxVUs && !warned) {
      warned = true;
      // k6's warning and logger fields (grafana/k6 lib/executor/constant_arrival_rate.go).
      sc.host.warn(`Insufficient VUs, reached ${plan.maxVUs} active VUs and cannot initialize more`, {
        executor: sc.executor,
        scenario: sc.name,
      });
    }
  }
  await sc.waitUntil(sc.plannedMs);
  await sc.finish([...work]);
  for (const vu of owned) sc.host.releaseVU(vu);
}
