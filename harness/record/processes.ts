// processes.json: Connect's processes of the Flask content during the load (types.ts,
// ProcessSeries). Its shape is checked when read, so a damaged file is named instead of drawn.
import { runPath } from './paths.ts';
import type { ProcessSeries } from './types.ts';
import { writeJsonAtomic } from './write.ts';

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const countOrNull = (v: unknown) => v === null || (finite(v) && v >= 0);

/** What is wrong with a processes.json value; empty when it is a ProcessSeries. */
export function problemsOfProcesses(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['it is not a JSON object'];
  const p = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof p.contentGuid !== 'string') problems.push('contentGuid must be a string');
  const limits = p.limits as Record<string, unknown> | null | undefined;
  if (
    limits !== null &&
    (typeof limits !== 'object' || !countOrNull(limits.maxProcesses) || !countOrNull(limits.minProcesses))
  ) {
    problems.push('limits must be null or hold maxProcesses and minProcesses (numbers or null)');
  }
  if (!finite(p.stepSeconds) || p.stepSeconds < 1) problems.push('stepSeconds must be a number ≥ 1');
  if (
    !Array.isArray(p.points) ||
    !p.points.every(
      (x) =>
        typeof x === 'object' &&
        x !== null &&
        finite((x as { t: unknown }).t) &&
        finite((x as { active: unknown }).active) &&
        finite((x as { max: unknown }).max),
    )
  ) {
    problems.push('points must be a list of {t, active, max} numbers');
  }
  for (const list of ['processes', 'hosts'] as const) {
    const v = p[list];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      problems.push(`${list} must be a list of strings`);
  }
  if (!finite(p.polls)) problems.push('polls must be a number');
  if (p.stopped !== null && typeof p.stopped !== 'string')
    problems.push('stopped must be a sentence or null');
  return problems;
}

/** Writes processes.json atomically (a reader never sees half of it). */
export async function writeProcesses(runDir: string, series: ProcessSeries): Promise<void> {
  const problems = problemsOfProcesses(series);
  if (problems.length)
    throw new Error(`Refusing to write a malformed processes.json: ${problems.join('; ')}.`);
  await writeJsonAtomic(runPath(runDir, 'processes'), series);
}
