// Connect's processes of the Flask content over the measured window: the steady window of a
// load-soak run, the saturation level of a scalability run. Pure.
import type { ProcessFigures, ProcessSeries } from '../record/types.ts';

const one = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** Mean and max active processes over [from, to] (epoch seconds, inclusive); null without polls there. */
export function processFigures(
  series: ProcessSeries | null | undefined,
  from: number,
  to: number,
  window: string,
): ProcessFigures | null {
  if (!series) return null;
  const step = series.stepSeconds;
  // A bucket counts when it overlaps the window.
  const inWindow = series.points.filter((p) => p.t + step > from && p.t <= to);
  if (inWindow.length === 0) return null;
  const meanActive = inWindow.reduce((sum, p) => sum + p.active, 0) / inWindow.length;
  const maxActive = Math.max(...inWindow.map((p) => p.max));
  const maxProcesses = series.limits?.maxProcesses ?? null;
  const ran = `Connect ran ${one(meanActive)} Flask process${meanActive === 1 ? '' : 'es'} on average (at most ${maxActive}) over ${window}`;
  let note: string;
  if (maxProcesses === null) {
    note = `${ran}; the content sets no max_processes${series.limits ? ', so the server default (Scheduler.MaxProcesses) applies' : ' that could be read'}.`;
  } else if (maxActive >= maxProcesses && meanActive >= maxProcesses - 0.5) {
    note = `${ran}: ${maxActive} of ${maxProcesses} allowed processes (max_processes ${maxProcesses}) were running: the content was at its process limit, so Connect could only spread more load over the running processes.`;
  } else {
    note = `${ran}, of ${maxProcesses} allowed (max_processes ${maxProcesses}): Connect could still have started more.`;
  }
  return { from, to, meanActive, maxActive, maxProcesses, note };
}
