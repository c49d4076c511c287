// Progress on the terminal while the load runs: phase, elapsed/planned, VUs, req/s and errors.
// On a TTY one line rewritten every second; elsewhere (CI logs) one line every 10 s.
import type { LoadSoakPlan, ScalabilityPlan } from '../../scenarios/lib/profiles.ts';

export interface ProgressState {
  elapsedS: number;
  plannedS: number;
  vus: number;
  reqPerSec: number;
  errors: number;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/** What the plan says is happening at `elapsedS` seconds. */
export function phaseAt(plan: ScalabilityPlan | LoadSoakPlan, elapsedS: number): string {
  if (plan.kind === 'load-soak') {
    if (elapsedS < plan.rampSeconds) return `ramp to ${plan.vus} VUs`;
    if (elapsedS < plan.totalSeconds) return `hold ${plan.vus} VUs`;
    return 'finishing (publish cycle in flight)';
  }
  const index = plan.steps.findIndex((s) => elapsedS < s.end);
  if (index === -1) return 'finishing (publish cycle in flight)';
  const step = plan.steps[index];
  const doing = elapsedS < step.holdStart ? 'ramp to' : 'hold';
  return `level ${index + 1}/${plan.steps.length}: ${doing} ${step.vus} VUs`;
}

export function progressText(plan: ScalabilityPlan | LoadSoakPlan, p: ProgressState): string {
  return (
    `${plan.kind} ${phaseAt(plan, p.elapsedS)} | ${clock(p.elapsedS)}/${clock(p.plannedS)} | ` +
    `${p.vus} VUs | ${p.reqPerSec.toFixed(1)} req/s | ${p.errors} errors`
  );
}

export interface ProgressPrinter {
  update(p: ProgressState): void;
  /** Prints a message on its own line without garbling the live line. */
  log(line: string): void;
  done(): void;
}

export function progressPrinter(
  plan: ScalabilityPlan | LoadSoakPlan,
  out: NodeJS.WriteStream = process.stderr,
): ProgressPrinter {
  const tty = out.isTTY === true;
  let lastPrinted = Number.NEGATIVE_INFINITY;
  let live = false;
  return {
    update(p) {
      if (tty) {
        out.write(`\r\x1b[K${progressText(plan, p)}`);
        live = true;
      } else if (p.elapsedS - lastPrinted >= 10) {
        lastPrinted = p.elapsedS;
        out.write(`${progressText(plan, p)}\n`);
      }
    },
    log(line) {
      if (live) out.write('\r\x1b[K');
      out.write(`${line}\n`);
      live = false;
    },
    done() {
      if (live) out.write('\n');
      live = false;
    },
  };
}
