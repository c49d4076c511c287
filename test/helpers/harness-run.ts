// The harness CLI as its own node process, for the end-to-end tests (test/harness-e2e*.test.ts).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliArgs } from './cli.ts';

export interface Finished {
  code: number | null;
  stderr: string;
  runDir: string;
}

/** Starts the CLI as its own node process (so SIGINT reaches it, not an npm wrapper). */
export function start(
  args: string[],
  env: Record<string, string> = { CONNECT_SERVER: '', CONNECT_API_KEY: '' },
): { child: ChildProcess; done: Promise<Finished>; stderr: () => string } {
  const child = spawn(process.execPath, [...cliArgs('harness'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const done = new Promise<Finished>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      const runDir = /run folder: (.*)/.exec(stderr)?.[1] ?? '';
      resolve({ code, stderr, runDir });
    });
  });
  return { child, done, stderr: () => stderr };
}

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function json<T>(dir: string, file: string): T {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
}

export function assertReports(dir: string): void {
  for (const file of [
    'run.json',
    'summary.json',
    'samples.ndjson.gz',
    'timeseries.json',
    'publish.json',
    'node-metrics.json',
    'analysis.json',
    'report.html',
    'summary.md',
    'junit.xml',
  ]) {
    assert.ok(existsSync(join(dir, file)), `${file} is in the run folder`);
  }
}

/** Pids of gunicorn processes under `root` (the stand-in's Flask app), from /proc. */
export function gunicornUnder(root: number): number[] {
  const parent = new Map<number, number>();
  const command = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      command.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8'));
    } catch {
      // The process ended while we looked.
    }
  }
  const under = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...command].filter(([pid, cmd]) => cmd.includes('gunicorn') && under(pid)).map(([pid]) => pid);
}
