// Which labelled process each running process belongs to. A process counts under its nearest
// labelled ancestor (or itself), so the stand-in's node process does not also count the gunicorn
// and R apps it spawned when those are labelled on their own.
import type { ProcStat } from './procfs.ts';

export interface LabelledProcess {
  pid: number;
  label: string;
}

export function assignLabels(procs: Map<number, ProcStat>, roots: LabelledProcess[]): Map<number, string> {
  const rootLabel = new Map(roots.map((r) => [r.pid, r.label]));
  const owner = new Map<number, string | null>();
  const find = (pid: number): string | null => {
    const known = owner.get(pid);
    if (known !== undefined) return known;
    const chain: number[] = [];
    let cur: number | undefined = pid;
    let label: string | null = null;
    // Walk up until a labelled pid, a pid already resolved, or the top of the tree.
    while (cur !== undefined && cur > 0) {
      const direct = rootLabel.get(cur);
      if (direct !== undefined && procs.has(cur)) {
        label = direct;
        break;
      }
      const cached = owner.get(cur);
      if (cached !== undefined) {
        label = cached;
        break;
      }
      chain.push(cur);
      cur = procs.get(cur)?.ppid;
    }
    for (const p of chain) owner.set(p, label);
    owner.set(pid, label);
    return label;
  };
  const out = new Map<number, string>();
  for (const pid of procs.keys()) {
    const label = find(pid);
    if (label !== null) out.set(pid, label);
  }
  return out;
}
