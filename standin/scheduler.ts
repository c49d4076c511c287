// The rules Posit Connect's scheduler applies to an app's processes, as plain functions, and a
// timer that is safe for the long timeouts Connect allows. Sources (Connect's admin guide,
// configuration appendix, section "Scheduler"; the user guide's process settings; the content
// fields of the API reference, repeated in posit-sdk-py's src/posit/connect/content.py):
//   https://docs.posit.co/connect/admin/appendix/configuration/#Scheduler
//   https://docs.posit.co/connect/user/content-settings/
//   https://docs.posit.co/connect/api/
// standin/README.md says, per setting, what the stand-in does and where it chose for itself.
import type { ProcessLimits } from './apps/launch-plan.ts';

/** Connect's largest `init_timeout` and `idle_timeout`, in seconds (30 days; Connect API reference). */
export const maxTimeoutSeconds = 2_592_000;

/** Node's timers fire at once for delays above this (a signed 32-bit number of milliseconds). */
const maxTimerDelayMs = 2 ** 31 - 1;

/**
 * Whether one more process should start for an arriving request. `load` counts the requests the
 * current processes carry or wait for, this one included; `processes` counts those running and
 * starting. LoadFactor compares load with the capacity of the processes there are: at 1.0 a
 * process starts only when the request fits in none of them, at 0.0 one starts for every request
 * (each up to max_processes). A content item with no process always starts one.
 */
export function wantsAnotherProcess(load: number, processes: number, limits: ProcessLimits): boolean {
  if (processes >= limits.maxProcesses) return false;
  return load > limits.loadFactor * processes * limits.maxConnsPerProcess;
}

/** Requests beyond every process's last connection (max_processes x max_conns_per_process) are refused. */
export function overCapacity(load: number, limits: ProcessLimits): boolean {
  return load > limits.maxProcesses * limits.maxConnsPerProcess;
}

export interface LongTimer {
  cancel(): void;
}

/**
 * Calls `fire` once `ms` milliseconds have passed (measured on the monotonic clock), never before
 * and never synchronously, however long `ms` is: delays beyond what one Node timer can hold are
 * chained. The timer does not keep the process alive.
 */
export function after(ms: number, fire: () => void): LongTimer {
  const due = performance.now() + Math.max(0, ms);
  let handle: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (delay: number) => {
    handle = setTimeout(
      () => {
        if (cancelled) return;
        const left = due - performance.now();
        if (left > 0) arm(left);
        else fire();
      },
      Math.min(Math.max(0, Math.ceil(delay)), maxTimerDelayMs),
    );
    handle.unref();
  };
  arm(ms);
  return {
    cancel() {
      cancelled = true;
      clearTimeout(handle);
    },
  };
}
