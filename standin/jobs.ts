// Connect's "jobs" of a content item: each process it ran for the item (an app or API process, a
// deploy's environment restore), as `GET /v1/content/{guid}/jobs` lists them. The record's fields
// and tags are those of posit-sdk-py (src/posit/connect/jobs.py and its test fixtures
// tests/posit/connect/__api__/v1/content/*/jobs*.json).
import { randomBytes } from 'node:crypto';
import { constants, hostname, userInfo } from 'node:os';
import { rfc3339 } from './content.ts';

export type JobTag = 'run_python_api' | 'run_api' | 'python_restore' | 'packrat_restore';

/** 0 active, 1 finished, 2 finalized (its leftovers cleaned up), as in posit-sdk-py's Job. */
export type JobStatus = 0 | 1 | 2;

export interface JobRecord {
  id: string;
  ppid: string | null;
  pid: string;
  key: string;
  remote_id: string | null;
  app_id: string;
  variant_id: string;
  bundle_id: string;
  start_time: string;
  end_time: string | null;
  last_heartbeat_time: string;
  queued_time: string | null;
  queue_name: string | null;
  tag: JobTag;
  exit_code: number | null;
  status: JobStatus;
  hostname: string;
  cluster: string | null;
  image: string | null;
  run_as: string;
}

/** Finished jobs kept per content item (the newest); active ones are always listed. */
export const keptFinishedJobs = 50;
const keyAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

let account: string | undefined;
function runAs(): string {
  if (account === undefined) {
    try {
      account = userInfo().username;
    } catch {
      account = String(process.getuid?.() ?? 'unknown');
    }
  }
  return account;
}

/** The exit code a job reports: the process's own, or 128 + the signal's number, as shells do. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number | null {
  if (code !== null) return code;
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return null;
}

/** The jobs of every content item, in memory. */
export class JobBoard {
  readonly #byContent = new Map<string, JobRecord[]>();
  #lastId = 0;

  /** Records a job that starts now; finish() it when its process ends. */
  start(guid: string, fields: { appId: string; bundleId: string; tag: JobTag; pid: number }): JobRecord {
    this.#lastId += 1;
    const now = rfc3339(new Date());
    const job: JobRecord = {
      id: String(this.#lastId),
      ppid: String(process.pid),
      pid: String(fields.pid),
      key: Array.from(randomBytes(16), (b) => keyAlphabet[b % keyAlphabet.length]).join(''),
      remote_id: null,
      app_id: fields.appId,
      variant_id: '0',
      bundle_id: fields.bundleId,
      start_time: now,
      end_time: null,
      last_heartbeat_time: now,
      queued_time: now,
      queue_name: null,
      tag: fields.tag,
      exit_code: null,
      status: 0,
      hostname: hostname(),
      cluster: 'Local',
      image: null,
      run_as: runAs(),
    };
    let jobs = this.#byContent.get(guid);
    if (!jobs) {
      jobs = [];
      this.#byContent.set(guid, jobs);
    }
    jobs.push(job);
    return job;
  }

  /** The job's process ended with `exitCode`. */
  finish(guid: string, job: JobRecord, exitCode: number | null): void {
    if (job.status !== 0) return;
    const now = rfc3339(new Date());
    Object.assign(job, { status: 1, exit_code: exitCode, end_time: now, last_heartbeat_time: now });
    const jobs = this.#byContent.get(guid);
    if (!jobs) return;
    const finished = jobs.filter((j) => j.status !== 0);
    for (const old of finished.slice(0, Math.max(0, finished.length - keptFinishedJobs))) {
      jobs.splice(jobs.indexOf(old), 1);
    }
  }

  /** What the job left behind (its temp folder) is removed. */
  finalize(job: JobRecord): void {
    if (job.status === 1) job.status = 2;
  }

  /** The content's jobs, oldest first; an active job's heartbeat is now (the stand-in sees its process). */
  list(guid: string): JobRecord[] {
    const now = rfc3339(new Date());
    return (this.#byContent.get(guid) ?? []).map((j) =>
      j.status === 0 ? { ...j, last_heartbeat_time: now } : { ...j },
    );
  }

  get(guid: string, key: string): JobRecord | undefined {
    return this.list(guid).find((j) => j.key === key);
  }

  forget(guid: string): void {
    this.#byContent.delete(guid);
  }
}
