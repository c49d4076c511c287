// The direct children of a process, read from /proc: how the harness finds the app processes a
// stand-in (running in a process of its own) has started, to sample each kind on its own.
import { readdir, readFile } from 'node:fs/promises';
import type { LabelledProcess } from './process-tree.ts';
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

/** Follows a process's children in the background (once a second): those `labelOf` names are
 *  listed with that label, for the local sampler to measure apart. The timer never keeps the
 *  process alive. */
export function followChildren(
  parent: number,
  labelOf: (command: string) => string | null,
): { list(): LabelledProcess[]; stop(): void } {
  let found: LabelledProcess[] = [];
  const timer = setInterval(() => {
    childrenOf(parent).then(
      (children) => {
        found = children.flatMap((c) => {
          const label = labelOf(c.command);
          return label === null ? [] : [{ pid: c.pid, label }];
        });
      },
      () => {},
    );
  }, 1000);
  timer.unref();
  return { list: () => found, stop: () => clearInterval(timer) };
}
