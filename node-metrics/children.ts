// The direct children of a process, read from /proc: how the harness finds the app processes a
// stand-in (running in a process of its own) has started, to sample each kind on its own.
import { readdir, readFile } from 'node:fs/promises';
import { parseProcStat } from './procfs.ts';

export interface ChildProcessInfo {
  pid: number;
  /** The command line, arguments joined by spaces. */
  command: string;
}

export async function childrenOf(parent: number, procRoot = '/proc'): Promise<ChildProcessInfo[]> {
  const names = await readdir(procRoot).catch(() => [] as string[]);
  const found: ChildProcessInfo[] = [];
  await Promise.all(
    names
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const stat = parseProcStat(await readFile(`${procRoot}/${name}/stat`, 'utf8').catch(() => ''));
        if (stat?.ppid !== parent) return;
        const raw = await readFile(`${procRoot}/${name}/cmdline`, 'utf8').catch(() => '');
        found.push({ pid: Number(name), command: raw.split('\0').filter(Boolean).join(' ') });
      }),
  );
  return found.sort((a, b) => a.pid - b.pid);
}
