// A run.json that says "running": is its harness still at it, or was it killed (SIGKILL, a
// power cut) before it could write a final status? The record names its writer (pid and host);
// on the same host a process with that pid that is a harness means still running.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { RunMeta } from './types.ts';

export type Liveness = 'not running' | 'running' | 'left running' | 'unknown';

function isHarness(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: a process of another user has that pid; it may be the harness.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // The pid may have been reused by another program since. The harness runs from its sources, or
    // from the bundle the tests build of it (esbuild.config.mjs).
    return /commands\/harness\.ts|dist\/cli\/harness\.mjs/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true;
  }
}

export function liveness(meta: RunMeta): Liveness {
  if (meta.status !== 'running') return 'not running';
  const writer = meta.writer;
  if (!writer || writer.host !== hostname()) return 'unknown';
  return isHarness(writer.pid) ? 'running' : 'left running';
}

/** One sentence for a record whose status cannot be trusted; null when it can. */
export function leftRunningNote(meta: RunMeta, dir: string): string | null {
  switch (liveness(meta)) {
    case 'left running':
      return `${dir} was left "running": its harness (pid ${meta.writer!.pid}) ended without writing a final status (it was killed or the machine stopped), so it is treated as interrupted; the record holds what was written until then.`;
    case 'unknown':
      return meta.writer
        ? `${dir} says "running", written by pid ${meta.writer.pid} on ${meta.writer.host}; from here it cannot be told whether that run is still going or was left running (killed), so treat its figures as incomplete.`
        : `${dir} says "running" and does not name the harness that wrote it; unless a run is still going, it was left running (killed) and its figures are incomplete.`;
    default:
      return null;
  }
}

/** The record as a reader should take it: a run left running becomes interrupted. */
export function asLeftRunning(meta: RunMeta): RunMeta {
  if (liveness(meta) !== 'left running') return meta;
  return {
    ...meta,
    status: 'interrupted',
    message: `Left running: the harness (pid ${meta.writer!.pid}) ended without writing a final status (killed, or the machine stopped); the figures cover what was written until then.`,
  };
}
