/** How a version's processes are scheduled: Connect's per-content settings, resolved to numbers. */
export interface ProcessLimits {
  minProcesses: number;
  maxProcesses: number;
  maxConnsPerProcess: number;
  loadFactor: number;
  idleTimeoutMs: number;
  initTimeoutMs: number;
}

/** How to run one process of a built bundle. */
export interface LaunchPlan {
  kind: 'gunicorn' | 'R';
  command: string;
  /** Arguments for a process listening on `port` (0 lets the process pick and report it). */
  args(port: number, limits: ProcessLimits): string[];
  env: Record<string, string>;
  /** Reads the port from an output line when the process picks it itself. */
  portFromLine?(line: string): number | undefined;
  /**
   * True when the app gets the full path and is told its base path (WSGI SCRIPT_NAME), so the URLs it
   * makes stay under /content/{guid}/; false when it gets the path below its base only.
   */
  wantsBasePath: boolean;
  /** Task output line saying what was built, in Connect's wording. */
  buildLine: string;
}
