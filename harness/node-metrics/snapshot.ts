// Reads one snapshot of this machine and of the labelled process trees from /proc. The only
// file in the local sampler that touches the file system; everything else is arithmetic.
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { assignLabels, type LabelledProcess } from './process-tree.ts';
import {
  type CpuTimes,
  type ProcStat,
  parseCpuTimes,
  parseLoad1,
  parseMemory,
  parseNetDev,
  parseProcStat,
  parseUptime,
} from './procfs.ts';

export interface Snapshot {
  /** Date.now() and performance.now() at the read. */
  atMs: number;
  monoMs: number;
  /** Seconds since boot, to tell processes born during an interval from older ones. */
  uptime: number;
  cpu: CpuTimes;
  memory: { totalBytes: number; usedBytes: number };
  net: Map<string, { rx: number; tx: number }>;
  load1: number;
  /** Processes of the labelled trees, and the label each one counts under. */
  procs: Map<number, ProcStat>;
  owners: Map<number, string>;
  /** Labels asked for, whether or not a process of theirs exists right now. */
  labels: string[];
}

const read = (procRoot: string, file: string) => readFileSync(`${procRoot}/${file}`, 'utf8');

export function readSnapshot(procRoot: string, roots: LabelledProcess[]): Snapshot {
  const monoMs = performance.now();
  const atMs = Date.now();
  const all = roots.length > 0 ? readAllProcesses(procRoot) : new Map<number, ProcStat>();
  const owners = assignLabels(all, roots);
  const procs = new Map<number, ProcStat>();
  for (const pid of owners.keys()) procs.set(pid, all.get(pid)!);
  return {
    atMs,
    monoMs,
    uptime: parseUptime(read(procRoot, 'uptime')),
    cpu: parseCpuTimes(read(procRoot, 'stat')),
    memory: parseMemory(read(procRoot, 'meminfo')),
    net: parseNetDev(read(procRoot, 'net/dev')),
    load1: parseLoad1(read(procRoot, 'loadavg')),
    procs,
    owners,
    labels: [...new Set(roots.map((r) => r.label))],
  };
}

// Scanning every /proc/<pid>/stat for its parent works on every kernel; the cheaper
// /proc/<pid>/task/<tid>/children needs CONFIG_PROC_CHILDREN, which many VMs lack.
function readAllProcesses(procRoot: string): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of readdirSync(procRoot)) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    let line: string;
    try {
      line = read(procRoot, `${name}/stat`);
    } catch {
      continue; // exited between the directory listing and the read
    }
    const stat = parseProcStat(line);
    if (stat) out.set(stat.pid, stat);
  }
  return out;
}
