// How many processes Connect runs for a content item, measured during the load: once a second,
// `GET /v1/content/{guid}/jobs` (the job records posit-sdk-py's `jobs.py` describes) with the API
// key, counting the active app processes. A server that does not expose the endpoint (404), or any
// failed poll, stops the polling with one sentence in the record; it never fails the run. Memory
// is bounded: counts per bucket (the bucket doubles when a long run would exceed `maxPoints`),
// and at most 1000 distinct processes and 100 hosts.

import type { Job } from '../../scenarios/lib/connect-types.ts';
import type { ProcessSeries } from '../record/types.ts';
import type { ConnectClient } from './client.ts';
import { ConnectError } from './errors.ts';

export interface ProcessPollerOptions {
  client: Pick<ConnectClient, 'listJobs' | 'getContent'>;
  guid: string;
  /** Time between polls, ms (1000). */
  intervalMs?: number;
  /** Most points kept (20 000: five and a half hours at one second, a week at 32 s). */
  maxPoints?: number;
}

export interface ProcessPoller {
  /** Stops polling (waits for a poll in flight) and returns the series. Safe to call twice. */
  stop(): Promise<ProcessSeries>;
}

const MAX_PROCESSES = 1000;
const MAX_HOSTS = 100;

/** Active app process: status 0 (active), not ended, and a `run_*` tag (run_python_api, run_api…). */
export function isActiveAppJob(job: Job): boolean {
  return job.status === 0 && !job.end_time && typeof job.tag === 'string' && job.tag.startsWith('run_');
}

/** Checks the answer is a list of job records; throws a sentence when it is not. */
export function activeAppJobs(answer: unknown): Job[] {
  if (!Array.isArray(answer)) throw new Error('the jobs answer is not a list');
  for (const job of answer) {
    if (typeof job !== 'object' || job === null || typeof (job as Job).status !== 'number') {
      throw new Error('a job record has no numeric status');
    }
  }
  return (answer as Job[]).filter(isActiveAppJob);
}

/** Per-bucket counts that stay under `maxPoints` by doubling the bucket (exact means, max kept). */
export class ProcessBuckets {
  step = 1;
  readonly points: ProcessSeries['points'] = [];
  /** Sum of the counts and the number of polls per point, for merging means exactly. */
  readonly #weights: Array<{ sum: number; n: number }> = [];
  constructor(readonly maxPoints: number) {}

  add(t: number, active: number): void {
    const start = Math.floor(t / this.step) * this.step;
    const last = this.points.at(-1);
    if (last && last.t === start) {
      const w = this.#weights[this.#weights.length - 1];
      w.sum += active;
      w.n += 1;
      last.active = w.sum / w.n;
      last.max = Math.max(last.max, active);
    } else {
      this.points.push({ t: start, active, max: active });
      this.#weights.push({ sum: active, n: 1 });
    }
    if (this.points.length > this.maxPoints) this.#coarsen();
  }

  #coarsen(): void {
    this.step *= 2;
    const points = this.points.splice(0);
    const weights = this.#weights.splice(0);
    points.forEach((p, i) => {
      const start = Math.floor(p.t / this.step) * this.step;
      const last = this.points.at(-1);
      if (last && last.t === start) {
        const w = this.#weights[this.#weights.length - 1];
        w.sum += weights[i].sum;
        w.n += weights[i].n;
        last.active = w.sum / w.n;
        last.max = Math.max(last.max, p.max);
      } else {
        this.points.push({ t: start, active: p.active, max: p.max });
        this.#weights.push({ ...weights[i] });
      }
    });
  }
}

function why(error: unknown): string {
  return error instanceof ConnectError ? error.message : `${(error as Error).message}.`;
}

export function startProcessPoller(options: ProcessPollerOptions): ProcessPoller {
  const { client, guid } = options;
  const interval = options.intervalMs ?? 1000;
  const buckets = new ProcessBuckets(options.maxPoints ?? 20_000);
  const processes = new Set<string>();
  const hosts = new Set<string>();
  let limits: ProcessSeries['limits'] = null;
  let polls = 0;
  let stopped: string | null = null;
  let ending = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | null = null;
  const started = Date.now();

  const stopWith = (sentence: string) => {
    stopped ??= sentence;
  };

  async function pollOnce(): Promise<void> {
    let jobs: Job[];
    try {
      jobs = activeAppJobs(await client.listJobs(guid));
    } catch (error) {
      if (error instanceof ConnectError && error.status === 404) {
        stopWith(
          `This server does not expose GET /v1/content/${guid}/jobs (HTTP 404), so Connect's process count was not measured.`,
        );
      } else {
        stopWith(
          `Polling Connect's processes stopped after ${polls} answered poll${polls === 1 ? '' : 's'}: ${why(error)} The series covers the time before.`,
        );
      }
      return;
    }
    polls += 1;
    buckets.add(Math.floor(Date.now() / 1000), jobs.length);
    for (const job of jobs) {
      const host = String(job.hostname ?? '');
      if (processes.size < MAX_PROCESSES) processes.add(`${host}:${String(job.pid ?? job.id)}`);
      if (hosts.size < MAX_HOSTS && host) hosts.add(host);
    }
  }

  const loop = (async () => {
    try {
      const content = await client.getContent(guid);
      const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
      limits = { maxProcesses: count(content.max_processes), minProcesses: count(content.min_processes) };
    } catch {
      // The limits are context only: the count is still worth having without them.
    }
    let tick = 0;
    while (!ending && stopped === null) {
      await pollOnce();
      if (ending || stopped !== null) break;
      // The next whole interval since the start; a slow poll skips the ticks it overran.
      tick = Math.max(tick + 1, Math.ceil((Date.now() - started) / interval));
      const delay = Math.max(0, started + tick * interval - Date.now());
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
      });
      wake = null;
    }
  })();

  let result: Promise<ProcessSeries> | null = null;
  return {
    stop() {
      result ??= (async () => {
        ending = true;
        clearTimeout(timer);
        (wake as (() => void) | null)?.();
        await loop;
        return {
          contentGuid: guid,
          limits,
          stepSeconds: buckets.step,
          points: buckets.points,
          processes: [...processes],
          hosts: [...hosts],
          polls,
          stopped,
        };
      })();
      return result;
    },
  };
}

/** The record of a run whose Flask content could not be polled at all. */
export function unpolledProcesses(guid: string, sentence: string): ProcessSeries {
  return {
    contentGuid: guid,
    limits: null,
    stepSeconds: 1,
    points: [],
    processes: [],
    hosts: [],
    polls: 0,
    stopped: sentence,
  };
}
