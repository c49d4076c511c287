// The local node-metrics source: samples this machine and the labelled process trees (the
// stand-in and the apps it runs) from /proc once per interval. Linux only; no dependency.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { NodeMetrics } from '../record/types.ts';
import { describeInterval, type MachineFacts } from './interval.ts';
import type { LabelledProcess } from './process-tree.ts';
import { parseCpuCount } from './procfs.ts';
import { SeriesBook } from './series-book.ts';
import { readSnapshot, type Snapshot } from './snapshot.ts';

export interface LocalSamplerOptions {
  /** The root processes to follow, asked again at every sample because apps restart (each
   *  redeploy starts a new R process). Each root's whole process tree counts under its label. */
  processes: () => LabelledProcess[];
  intervalMs?: number;
}

export interface LocalSampler {
  /** Stops sampling and returns what was collected; returns at once. */
  stop(): Promise<NodeMetrics>;
}

const PROC = '/proc';

/** Each point covers the interval starting at `t`: rates over it, gauges read at its end.
 *  Samples are taken on interval boundaries of the wall clock so that, at the default 1 s,
 *  the points line up with the run's per-second buckets. */
export function startLocalSampler({ processes, intervalMs = 1000 }: LocalSamplerOptions): LocalSampler {
  const book = new SeriesBook();
  const warnings: string[] = [];
  const warnOnce = (text: string) => {
    if (!warnings.includes(text)) warnings.push(text);
  };
  const result = (): NodeMetrics => ({
    source: 'local',
    periodSeconds: intervalMs / 1000,
    series: book.series(),
    warnings,
  });

  if (!existsSync(`${PROC}/stat`)) {
    warnings.push('No local node metrics: /proc is missing, and the local sampler only works on Linux.');
    return { stop: async () => result() };
  }

  const roots = (): LabelledProcess[] => {
    try {
      return processes();
    } catch (err) {
      warnOnce(`Local node metrics: listing the processes to follow failed (${messageOf(err)}).`);
      return [];
    }
  };
  const facts = readMachineFacts();
  let prev: Snapshot = readSnapshot(PROC, roots());
  let lastT = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const tick = () => {
    try {
      const cur = readSnapshot(PROC, roots());
      const t = ((Math.round(cur.atMs / intervalMs) - 1) * intervalMs) / 1000;
      // A timer firing twice within one interval would repeat a timestamp; skip that sample.
      if (t > lastT) {
        book.add(t, describeInterval(prev, cur, facts));
        lastT = t;
        prev = cur;
      }
    } catch (err) {
      warnOnce(`Local node metrics: a sample failed (${messageOf(err)}); sampling went on.`);
    }
    schedule();
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(tick, intervalMs - (Date.now() % intervalMs) + 2);
    timer.unref(); // the sampler never keeps the harness alive
  };
  schedule();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      return result();
    },
  };
}

function readMachineFacts(): MachineFacts {
  const getconf = (name: string, fallback: number) => {
    try {
      return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim()) || fallback;
    } catch {
      return fallback; // Linux's values on every common architecture
    }
  };
  return {
    clkTck: getconf('CLK_TCK', 100),
    pageSize: getconf('PAGESIZE', 4096),
    cores: parseCpuCount(readFileSync(`${PROC}/stat`, 'utf8')),
  };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
