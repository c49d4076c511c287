// The engine's own health while it generates load: once a second, the CPU time the engine process
// used (user and system) and the event-loop delay (p99, max, mean) of that second, appended as one
// JSON line to the file named by CONNECT_PERF_ENGINE_HEALTH. A busy or blocked event loop delays
// every timer and I/O callback, so requests start late and their timings include the wait: the
// analysis reads this file to tell "the target was the limit" from "the generator was".
//
// Appends are synchronous and one line at a time, so a hard stop loses at most the current second
// and never leaves a half-written line that a reader would take for data.
import { appendFileSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * One line of the health file. The run folder's description (reports/run-data.ts) re-exports this
 * type, so the harness and the reports read the line the engine writes; the engine itself imports
 * nothing outside engine/.
 */
export interface EngineHealthLine {
  /** Epoch seconds at the end of the second measured. */
  t: number;
  /** CPU time the engine process used in that second, ms (user and system). */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Event-loop delay over that second, ms. */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  eventLoopMeanMs: number;
  /** Length of the second actually measured, ms (a busy loop stretches it). */
  elapsedMs: number;
  rssBytes: number;
  /** CPUs the engine process may run on. */
  cpus: number;
}

/** Environment variable naming the health file; unset, nothing is recorded. */
export const ENGINE_HEALTH_ENV = 'CONNECT_PERF_ENGINE_HEALTH';

export interface HealthRecorder {
  /** Writes the last partial second and stops. */
  stop(): void;
}

const ns = (value: number) => value / 1e6;

/**
 * Starts recording when `file` (default: the CONNECT_PERF_ENGINE_HEALTH variable) is set; returns
 * null otherwise. The timer is unref'd: it never keeps the process alive.
 */
export function startHealthRecorder(
  file: string | undefined = process.env[ENGINE_HEALTH_ENV],
  intervalMs = 1000,
): HealthRecorder | null {
  if (!file) return null;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const cpus = availableParallelism();
  let lastCpu = process.cpuUsage();
  let lastAt = performance.now();
  let failed = false;
  const sample = () => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    const line: EngineHealthLine = {
      t: Date.now() / 1000,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      eventLoopP99Ms: histogram.count > 0 ? ns(histogram.percentile(99)) : 0,
      eventLoopMaxMs: histogram.count > 0 ? ns(histogram.max) : 0,
      eventLoopMeanMs: histogram.count > 0 ? ns(histogram.mean) : 0,
      elapsedMs: now - lastAt,
      rssBytes: process.memoryUsage.rss(),
      cpus,
    };
    lastAt = now;
    histogram.reset();
    if (failed) return;
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch (error) {
      // Health is an aid to reading the results, never a reason to stop the load: say it once.
      failed = true;
      process.stderr.write(
        `engine health: cannot write ${file} (${(error as Error).message}); not recorded.\n`,
      );
    }
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (performance.now() - lastAt >= intervalMs / 10) sample();
      histogram.disable();
    },
  };
}

function isLine(value: unknown): value is EngineHealthLine {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['t', 'cpuUserMs', 'cpuSystemMs', 'eventLoopP99Ms', 'elapsedMs'].every(
    (key) => typeof v[key] === 'number' && Number.isFinite(v[key]),
  );
}

/** The lines of a health file, in time order; a missing file gives []; damaged lines are skipped. */
export function readHealthFile(file: string): EngineHealthLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines: EngineHealthLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isLine(parsed)) lines.push(parsed);
    } catch {
      // A line cut by a crash: skipped.
    }
  }
  return lines.sort((a, b) => a.t - b.t);
}
