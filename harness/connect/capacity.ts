// How many concurrent requests a content item's processes take, from its scheduler settings, and
// the sentence a run prints when its fetchers would ask for more. Connect starts up to
// `max_processes` processes for an API, each taking up to `max_conns_per_process` connections; a
// request beyond every process's last connection is not served by a new process (admin guide,
// https://docs.posit.co/connect/admin/appendix/configuration/#Scheduler). A load test past that
// measures the content's limits, not the server, so the run says so before it starts.
import type { Content } from '../../scenarios/lib/connect-types.ts';

/** Connect's `[Scheduler]` defaults (admin guide, configuration appendix), used when a content field is null. */
export const SCHEDULER_DEFAULTS = { maxProcesses: 3, maxConnsPerProcess: 20 } as const;

export interface Capacity {
  maxProcesses: number;
  maxConnsPerProcess: number;
  /** Whether either figure is the server's default (the content leaves it null). */
  fromDefaults: boolean;
}

const whole = (v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : null;

export function capacityOf(content: Pick<Content, 'max_processes' | 'max_conns_per_process'>): Capacity {
  const maxProcesses = whole(content.max_processes);
  const maxConnsPerProcess = whole(content.max_conns_per_process);
  return {
    maxProcesses: maxProcesses ?? SCHEDULER_DEFAULTS.maxProcesses,
    maxConnsPerProcess: maxConnsPerProcess ?? SCHEDULER_DEFAULTS.maxConnsPerProcess,
    fromDefaults: maxProcesses === null || maxConnsPerProcess === null,
  };
}

/** One line about the content's capacity against the most fetcher VUs the plan runs. */
export function capacityLine(capacity: Capacity, fetcherVus: number): string {
  const total = capacity.maxProcesses * capacity.maxConnsPerProcess;
  const figures = `max_processes ${capacity.maxProcesses} × max_conns_per_process ${capacity.maxConnsPerProcess} = ${total} concurrent requests${capacity.fromDefaults ? " (null settings read as Connect's documented defaults; your server's [Scheduler] configuration may differ)" : ''}`;
  if (fetcherVus <= total)
    return `capacity: the Flask content takes ${figures}; the plan runs at most ${fetcherVus} fetcher VUs.`;
  return `capacity: WARNING: the plan runs up to ${fetcherVus} fetcher VUs but the Flask content takes ${figures}: requests beyond that are refused or wait, so the run measures the content's settings rather than the server. Raise max_processes / max_conns_per_process in the content's settings (Runtime) for a test of the server.`;
}
