// k6's process exit codes (k6's errext/exitcodes package in grafana/k6).
export const EXIT = {
  ok: 0,
  thresholdsFailed: 99,
  setupTimeout: 100,
  teardownTimeout: 101,
  invalidConfig: 104,
  externalAbort: 105,
  /** The test was stopped through the REST API (PATCH /v1/status with stopped: true). */
  stoppedFromRestApi: 103,
  /** The REST API could not listen on the --address given. */
  cannotStartRestApi: 106,
  scriptException: 107,
  scriptAborted: 108,
  markedAsFailed: 110,
  /** The engine's own: an --out file could not be written completely (a full disk). k6 has no code
   *  for it (it logs "Stopping output failed" and exits as if nothing happened); a results file
   *  that silently misses samples is worse than a failed run. Remote outputs never set it. */
  outputFailed: 111,
  /** Command-line mistakes (k6 exits with -1, i.e. 255). */
  usage: 255,
} as const;

/**
 * A VU whose JavaScript heap reached its limit. k6 has no exit code of its own for this (Go's
 * runtime ends the whole process when memory runs out); the engine stops the test at once and
 * exits 107, as for any other script failure, with this sentence.
 */
export function outOfMemory(vuId: number | null): string {
  return (
    `${vuId === null ? 'The VU thread' : `VU ${vuId}`} ran out of memory (its JavaScript heap reached the limit), so the test stops: ` +
    'keep less data per VU, or give Node more heap (NODE_OPTIONS=--max-old-space-size=<MB>).'
  );
}
