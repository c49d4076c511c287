// Parsers for the few /proc files the local sampler reads. Pure: text in, numbers out, so they
// are tested with fixtures and the sampler stays a thin loop around readFileSync.

/** Jiffies spent by all cores together, from the first line of /proc/stat. */
export interface CpuTimes {
  user: number;
  system: number;
  iowait: number;
  idle: number;
  total: number;
}

export function parseCpuTimes(procStat: string): CpuTimes {
  const line = procStat.slice(0, procStat.indexOf('\n'));
  if (!line.startsWith('cpu ')) throw new Error('/proc/stat does not start with the "cpu" line.');
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice).
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map((s) => Number(s) || 0);
  return {
    user: user + nice,
    system: system + irq + softirq,
    iowait,
    idle,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

/** Online cores: the per-core `cpuN` lines of /proc/stat. */
export function parseCpuCount(procStat: string): number {
  return procStat.match(/^cpu\d+ /gm)?.length ?? 1;
}

/** Bytes of memory in use the way `free` counts it: MemTotal − MemAvailable. */
export function parseMemory(meminfo: string): { totalBytes: number; usedBytes: number } {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo);
    if (!m) throw new Error(`/proc/meminfo has no ${key} line.`);
    return Number(m[1]) * 1024;
  };
  const totalBytes = kb('MemTotal');
  return { totalBytes, usedBytes: totalBytes - kb('MemAvailable') };
}

/** Received and transmitted byte counters per interface, from /proc/net/dev. */
export function parseNetDev(netDev: string): Map<string, { rx: number; tx: number }> {
  const out = new Map<string, { rx: number; tx: number }>();
  for (const line of netDev.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    out.set(line.slice(0, colon).trim(), { rx: Number(fields[0]), tx: Number(fields[8]) });
  }
  return out;
}

export function parseLoad1(loadavg: string): number {
  return Number(loadavg.split(' ')[0]);
}

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
  /** Clock ticks after boot when the process started. */
  startTicks: number;
  rssPages: number;
}

/** One /proc/<pid>/stat line. The command name may hold spaces and parentheses, so the fields
 *  are counted from the last ')'. Returns null for a line that is not a stat line. */
export function parseProcStat(line: string): ProcStat | null {
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  // After ')': state(3) ppid(4) ... utime(14) stime(15) ... starttime(22) vsize(23) rss(24).
  const f = line.slice(close + 2).split(' ');
  const pid = Number(line.slice(0, line.indexOf(' ')));
  const ppid = Number(f[1]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || f.length < 22) return null;
  return {
    pid,
    ppid,
    cpuTicks: Number(f[11]) + Number(f[12]),
    startTicks: Number(f[19]),
    rssPages: Number(f[21]),
  };
}

/** Seconds since boot, from /proc/uptime. */
export function parseUptime(uptime: string): number {
  return Number(uptime.split(' ')[0]);
}
