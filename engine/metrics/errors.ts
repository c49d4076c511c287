// A mistake in the user's options (thresholds, summaryTrendStats, durations, --out). The runtime
// turns it into k6's exit code 104 ("invalid config"), so the message must tell the user what to fix.
export class InvalidOptionsError extends Error {
  override name = 'InvalidOptionsError';
}
