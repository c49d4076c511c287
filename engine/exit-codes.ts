// k6's process exit codes (k6-facts §2.5; k6 errext/exitcodes).
export const EXIT = {
  ok: 0,
  thresholdsFailed: 99,
  setupTimeout: 100,
  teardownTimeout: 101,
  invalidConfig: 104,
  externalAbort: 105,
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
