import { availableParallelism } from 'node:os';

/** How to run one deployed bundle: which runtime, how many processes, and the command for each. */
export interface LaunchPlan {
  kind: 'gunicorn' | 'R';
  /** Processes run side by side behind the proxy (round-robin). */
  slots: number;
  /** Upper bound of keep-alive connections the proxy opens to one process. */
  connectionsPerSlot: number;
  command: string;
  /** Arguments for a process listening on `port`; 0 lets the process pick and report it. */
  args(port: number): string[];
  env: Record<string, string>;
  /** Reads the port from an output line when the process picks it itself. */
  portFromLine?(line: string): number | undefined;
  /** Task output lines describing the build, in Connect's wording. */
  buildLines: string[];
  launchLine: string;
}

/** The content settings that shape how an app runs (Connect's names; null means the server default). */
export interface ProcessSettings {
  min_processes: number | null;
  max_processes: number | null;
  max_conns_per_process: number | null;
}

/** Two to four: enough to use a small machine's cores without starving the proxy next to it. */
export const defaultProcesses = Math.min(4, Math.max(2, availableParallelism()));

export function processCount(s: ProcessSettings): number {
  const wanted = s.max_processes ?? defaultProcesses;
  return Math.min(16, Math.max(1, Math.floor(wanted), Math.floor(s.min_processes ?? 0)));
}
