// How the corpus runner judges one run of a public k6 script against the mock (see bench/corpus.ts):
// PASS (the exit k6 would give), REFUSED-CLEAR (stopped with one sentence naming the thing),
// FAIL-UNCLEAR (crash trace, unknown exit, internal error), HANG (timed out), SUSPECT-WRONG
// (finished, but with signs of a silently wrong result). Pure: the runner gathers the facts.

export type RunClass = 'PASS' | 'REFUSED-CLEAR' | 'FAIL-UNCLEAR' | 'HANG' | 'SUSPECT-WRONG';

export interface RunFacts {
  exitCode: number | null;
  timedOut: boolean;
  /** stdout and stderr of the engine, in order of arrival (close enough). */
  output: string;
  /** From the summary export, when the run wrote one. */
  iterations?: number;
  iterationsPerSecond?: number;
  vusMax?: number;
  httpReqs?: number;
  httpReqFailedRate?: number;
  /** `metric: expression` of each threshold the summary export marks as crossed. */
  crossedThresholds?: string[];
  /** What the script's own text shows (entry and its relative imports). */
  script: { sleeps: boolean; abortCall: boolean; failCall: boolean };
}

export interface Verdict {
  cls: RunClass;
  reason: string;
}

const KNOWN_EXITS = new Set([0, 99, 100, 101, 104, 105, 107, 108, 110, 255]);

// Messages that mean the engine, not the script, went wrong, or that a result was silently bent.
const SUSPECT_SIGNS: [RegExp, string][] = [
  [/has not finished|without await|was not awaited/i, 'a blocking call ran on without being awaited'],
  [/client is destroyed/i, '"client is destroyed": requests cut off'],
  [/Cannot read properties of (undefined|null)/i, 'a property read of undefined in VU code'],
  [/is not a function/i, '"is not a function" in VU code'],
  [/\[object Promise\]/, 'a Promise printed where a value was expected'],
];

// A stack frame that points into the engine or Node's internals, rather than into the script.
const ENGINE_FRAME = /^\s+at .*(engine\/|node:internal|node_modules\/)/m;

/** The one line a user would read as the reason: the engine's error message, else the last line. */
export function reasonLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // The engine's own last error (not a line the script logged or an exception its iterations
  // threw, both of which k6 prints too, not the "thresholds crossed" that follows any stop) names
  // the cause; else the script's first error; else the last line.
  const errors = lines.filter((l) => /level=error/.test(l) && !/thresholds on metrics/.test(l));
  const pick =
    errors.filter((l) => !/source=(console|stacktrace)/.test(l)).at(-1) ??
    errors[0] ??
    lines.filter((l) => /level=error/.test(l)).at(-1) ??
    lines.filter((l) => !/^(time=|[│├└]|\s*$)/.test(l)).at(-1) ??
    lines.at(-1) ??
    '';
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(pick);
  const text = (msg ? msg[1].replace(/\\"/g, '"') : pick).replace(/\s+/g, ' ');
  return text.length > 240 ? `${text.slice(0, 237)}...` : text;
}

/** The verdict for one run. */
export function classify(f: RunFacts): Verdict {
  if (f.timedOut)
    return { cls: 'HANG', reason: 'no exit before the time limit; the process group was killed' };
  const exit = f.exitCode ?? -1;
  if (!KNOWN_EXITS.has(exit))
    return { cls: 'FAIL-UNCLEAR', reason: `exit ${exit}, not one of k6's codes: ${reasonLine(f.output)}` };
  if (ENGINE_FRAME.test(f.output) || /internal error|Unhandled|ERR_INTERNAL/i.test(f.output)) {
    return { cls: 'FAIL-UNCLEAR', reason: `engine stack trace or internal error: ${reasonLine(f.output)}` };
  }
  if (exit === 0 || exit === 99 || exit === 108 || exit === 110) {
    for (const [re, why] of SUSPECT_SIGNS)
      if (re.test(f.output)) return { cls: 'SUSPECT-WRONG', reason: why };
    if (f.httpReqs !== undefined && f.httpReqs >= 4 && (f.httpReqFailedRate ?? 0) >= 0.9) {
      return {
        cls: 'SUSPECT-WRONG',
        reason: `http_req_failed ${(100 * (f.httpReqFailedRate ?? 0)).toFixed(0)} % against the mock`,
      };
    }
    const perVu = (f.iterationsPerSecond ?? 0) / Math.max(1, f.vusMax ?? 1);
    if (f.script.sleeps && perVu > 200) {
      return {
        cls: 'SUSPECT-WRONG',
        reason: `${perVu.toFixed(0)} iterations/s per VU in a script that sleeps`,
      };
    }
    if (exit === 108 && !f.script.abortCall)
      return {
        cls: 'SUSPECT-WRONG',
        reason: `exit 108 (aborted) but the script never calls abort: ${reasonLine(f.output)}`,
      };
    if (exit === 110 && !f.script.failCall)
      return {
        cls: 'SUSPECT-WRONG',
        reason: `exit 110 (marked failed) but the script never calls fail: ${reasonLine(f.output)}`,
      };
    if (exit === 99)
      return {
        cls: 'PASS',
        reason: `thresholds crossed (exit 99): ${(f.crossedThresholds ?? []).join('; ') || reasonLine(f.output)}`,
      };
    if (exit === 108) return { cls: 'PASS', reason: 'the script aborted the test itself (exit 108)' };
    if (exit === 110) return { cls: 'PASS', reason: 'the script marked the test failed (exit 110)' };
    // Errors thrown in VU code end only their iteration, on k6 too: shown for a reader to judge.
    const thrown = f.output
      .split('\n')
      .filter((l) => /level=error/.test(l) && !/thresholds on metrics/.test(l));
    if (thrown.length > 0)
      return {
        cls: 'PASS',
        reason: `${thrown.length} error line(s) logged, first: ${reasonLine(thrown[0])}`,
      };
    return { cls: 'PASS', reason: '' };
  }
  const reason = reasonLine(f.output);
  if (!reason || /^\s*at /.test(reason))
    return { cls: 'FAIL-UNCLEAR', reason: `exit ${exit} without a reason` };
  // k6 stops the same way when a data file the script opens is not there: open()'s sentence, or
  // k6/experimental/fs's NotFoundError (which csv and fs scripts meet).
  if (
    exit === 107 &&
    /\bopen\(.*(ENOENT|no such file)|NotFoundError: no such file or directory/.test(reason)
  ) {
    return { cls: 'PASS', reason: `k6 exits 107 too, a data file is missing: ${reason}` };
  }
  return { cls: 'REFUSED-CLEAR', reason };
}

/** What blocks a script, for grouping: the k6 module it names, else its first sentence with paths and numbers removed (module URLs stay: they name the blocker). */
export function blockerKey(reason: string): string {
  const mod = /\b(k6\/[\w/.-]*\w)/.exec(reason);
  if (mod) return mod[1];
  return (reason.split(/(?<=\.)\s/)[0] ?? reason)
    .replace(/file:\/\/\S+/g, 'PATH')
    .replace(/(^|[\s(])(\/[\w.@-]+)+/g, '$1PATH')
    .replace(/\b\d+(\.\d+)?\b(?![./\w])/g, 'N')
    .slice(0, 220);
}
