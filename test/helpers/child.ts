// Child processes in tests, waited for by event, never by time: output is collected from the spawn
// on, the end is a promise made at once (so it cannot miss a child that ends quickly), and waiting for
// a line fails at once, with the output, when the child ends without printing it.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Watched {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the child has exited and its output is all read ('close'). */
  ended: Promise<Ended>;
  /** Resolves when stdout or stderr (all output so far) matches; rejects if the child ends first. */
  waitFor(pattern: RegExp | string, what?: string): Promise<void>;
}

/** Whether the child has already exited (its exit code or signal is known). */
export const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * How the child ended; safe to call after it ended (then it answers at once). Listen before sending
 * a signal: `const ended = exitOf(child); child.kill(); await ended;`.
 */
export function exitOf(child: ChildProcess): Promise<Ended> {
  if (hasExited(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Starts watching a child just spawned (in the same tick: nothing it prints is missed). */
export function watch(child: ChildProcess): Watched {
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.setEncoding('utf8').on('data', (t: string) => {
    out += t;
    wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (t: string) => {
    err += t;
    wake();
  });
  let closed = false;
  const ended = new Promise<Ended>((resolve) => {
    child.once('error', (e) => {
      err += `\n${e.message}`;
      closed = true;
      resolve({ code: null, signal: null });
      wake();
    });
    child.once('close', (code, signal) => {
      closed = true;
      resolve({ code, signal });
      wake();
    });
  });
  const matches = (p: RegExp | string) =>
    typeof p === 'string' ? out.includes(p) || err.includes(p) : p.test(out) || p.test(err);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    ended,
    waitFor(pattern, what = String(pattern)) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (matches(pattern)) {
            waiters.delete(check);
            resolve();
          } else if (closed) {
            waiters.delete(check);
            reject(
              new Error(
                `the child ended (exit ${child.exitCode ?? child.signalCode}) before printing ${what}:\n${out}\n${err}`,
              ),
            );
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** spawn() with stdout and stderr piped and watched. */
export function start(command: string, args: string[], options: SpawnOptions = {}): Watched {
  return watch(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }));
}
