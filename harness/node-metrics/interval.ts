// Turns two snapshots into one point per series: rates over the interval between them, gauges
// as read at its end. Pure, so the arithmetic is tested with hand-made snapshots.
import type { SeriesValue } from './series-book.ts';
import type { Snapshot } from './snapshot.ts';

export interface MachineFacts {
  /** Clock ticks per second (`getconf CLK_TCK`) and page size in bytes (`getconf PAGESIZE`). */
  clkTck: number;
  pageSize: number;
  cores: number;
}

const percentOf = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : null);
const rate = (after: number, before: number, seconds: number) =>
  after >= before && seconds > 0 ? (after - before) / seconds : null; // a reset counter is a gap

export function describeInterval(prev: Snapshot, cur: Snapshot, facts: MachineFacts): SeriesValue[] {
  const seconds = (cur.monoMs - prev.monoMs) / 1000;
  return [...machineValues(prev, cur, facts, seconds), ...processValues(prev, cur, facts, seconds)];
}

function machineValues(prev: Snapshot, cur: Snapshot, facts: MachineFacts, seconds: number): SeriesValue[] {
  const d = (k: keyof Snapshot['cpu']) => cur.cpu[k] - prev.cpu[k];
  const total = d('total');
  const machine = 'this machine';
  const traffic = (pick: (n: { rx: number; tx: number }) => number, lo: boolean) => {
    let after = 0;
    let before = 0;
    for (const [name, counters] of cur.net) {
      const old = prev.net.get(name);
      if (!old || (name === 'lo') !== lo) continue;
      after += pick(counters);
      before += pick(old);
    }
    return rate(after, before, seconds);
  };
  return [
    {
      metric: 'cpu_percent',
      label: `${machine} CPU % (all ${facts.cores} cores; busy = not idle or iowait)`,
      unit: 'percent',
      v: percentOf(total - d('idle') - d('iowait'), total),
    },
    {
      metric: 'cpu_user_percent',
      label: `${machine} CPU % user`,
      unit: 'percent',
      v: percentOf(d('user'), total),
    },
    {
      metric: 'cpu_system_percent',
      label: `${machine} CPU % system`,
      unit: 'percent',
      v: percentOf(d('system'), total),
    },
    {
      metric: 'cpu_iowait_percent',
      label: `${machine} CPU % iowait`,
      unit: 'percent',
      v: percentOf(d('iowait'), total),
    },
    {
      metric: 'mem_used_bytes',
      label: `${machine} memory used (MemTotal − MemAvailable)`,
      unit: 'bytes',
      v: cur.memory.usedBytes,
    },
    {
      metric: 'mem_used_percent',
      label: `${machine} memory used %`,
      unit: 'percent',
      v: percentOf(cur.memory.usedBytes, cur.memory.totalBytes),
    },
    {
      metric: 'net_rx_bytes_per_s',
      label: `${machine} network received (all interfaces but lo)`,
      unit: 'bytes/s',
      v: traffic((n) => n.rx, false),
    },
    {
      metric: 'net_tx_bytes_per_s',
      label: `${machine} network sent (all interfaces but lo)`,
      unit: 'bytes/s',
      v: traffic((n) => n.tx, false),
    },
    // Loopback counts each byte once as sent and once as received, so one series says it all.
    {
      metric: 'net_loopback_bytes_per_s',
      label: `${machine} loopback traffic (lo; carries the stand-in's load)`,
      unit: 'bytes/s',
      v: traffic((n) => n.rx, true),
    },
    { metric: 'load1', label: `${machine} load average (1 min)`, unit: 'none', v: cur.load1 },
  ];
}

function processValues(prev: Snapshot, cur: Snapshot, facts: MachineFacts, seconds: number): SeriesValue[] {
  const byLabel = new Map<string, { ticks: number; measured: boolean; rssBytes: number }>();
  for (const [pid, label] of cur.owners) {
    const p = cur.procs.get(pid)!;
    const sum = byLabel.get(label) ?? { ticks: 0, measured: false, rssBytes: 0 };
    sum.rssBytes += p.rssPages * facts.pageSize;
    const before = prev.procs.get(pid);
    if (before && before.startTicks === p.startTicks) {
      sum.ticks += p.cpuTicks - before.cpuTicks;
      sum.measured = true;
    } else if (p.startTicks / facts.clkTck >= prev.uptime) {
      // Born during the interval: all of its CPU time falls inside it.
      sum.ticks += p.cpuTicks;
      sum.measured = true;
    }
    byLabel.set(label, sum);
  }
  const out: SeriesValue[] = [];
  for (const label of cur.labels) {
    // No live process of the label (between a redeploy's stop and start): a gap, not a zero.
    const sum = byLabel.get(label);
    const cpu = sum?.measured && seconds > 0 ? (100 * sum.ticks) / facts.clkTck / seconds : null;
    out.push(
      { metric: 'proc_cpu_percent', label: `${label} CPU % (of one core)`, unit: 'percent', v: cpu },
      { metric: 'proc_rss_bytes', label: `${label} RSS`, unit: 'bytes', v: sum ? sum.rssBytes : null },
    );
  }
  return out;
}
