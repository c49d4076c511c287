// k6 duration strings ("30m", "90s", "1h30m") <-> whole seconds. Pure, so the harness and the
// tests can use it without k6.

const DURATION = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?$/;

/** Seconds in a k6 duration string; throws a sentence naming `input` when it is not one. */
export function parseDuration(text: string, input: string): number {
  const match = DURATION.exec(text.trim());
  const seconds = match
    ? Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)
    : Number.NaN;
  if (!match || text.trim() === '' || !(seconds >= 1)) {
    throw new Error(`${input} must be a duration of at least 1s such as 30m, 90s or 1h30m, got '${text}'.`);
  }
  return Math.round(seconds);
}

/** The shortest k6 duration string for whole seconds, e.g. 1800 → "30m", 150 → "2m30s". */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const text = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
  return text || '0s';
}
