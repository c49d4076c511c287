import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const live = new Set<AppProcess>();
let exitHookInstalled = false;
/** Enough for several workers' tracebacks, so the app's own error is still there when it fails. */
const keptLines = 400;

/**
 * util-linux's setpriv (Debian's util-linux package, always installed) sets a parent-death signal and
 * then execs the app, so the app keeps its pid and dies with the stand-in even when the stand-in is
 * killed with SIGKILL and runs no exit handler. gunicorn's workers follow: each notices within a
 * second that its master is gone. Without setpriv, the exit handler below is the only guard.
 */
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

/**
 * One app process (gunicorn master or R) in its own process group, so that stopping it also stops
 * everything it forked, and bound to the stand-in's life (see setpriv above). Keeps the last lines
 * of its output for error messages.
 */
export class AppProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  /** The signal that ended the process, once it has exited by one. */
  signal: NodeJS.Signals | null = null;
  #tail: string[] = [];
  #listeners: Array<(line: string) => void> = [];
  #stopping = false;
  #done = false;

  constructor(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
    installExitHook();
    const [file, argv] = setpriv
      ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', command, ...args]]
      : [command, args];
    this.child = spawn(file, argv, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid ?? -1;
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#done = true;
        this.signal = signal;
        live.delete(this);
        // Orphaned workers (e.g. gunicorn's when its master was killed) share the group: end them too.
        killGroup(this.pid, 'SIGKILL');
        // 'exit' can come before the last output is read (a worker's traceback, say): settle once
        // the pipes have closed, or after a second if something outside the group holds them.
        let settled = false;
        const settle = () => {
          if (settled) return;
          settled = true;
          clearTimeout(fallback);
          this.#remember(`[process exited with ${signal ?? `code ${code}`}]`);
          resolve(code);
        };
        const fallback = setTimeout(settle, 1000);
        fallback.unref();
        if (this.child.stdout?.closed !== false && this.child.stderr?.closed !== false) settle();
        else this.child.once('close', settle);
      });
      this.child.once('error', (err) => {
        this.#done = true;
        live.delete(this);
        this.#remember(`[could not start ${command}: ${err.message}]`);
        resolve(null);
      });
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.#remember(line);
      });
    }
  }

  get running(): boolean {
    return !this.#done;
  }

  /** True once stop() was asked for: an exit after that is not a crash. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** The lines the process wrote (stdout and stderr interleaved), the last few hundred at most. */
  tail(): string[] {
    return [...this.#tail];
  }

  onLine(listener: (line: string) => void): void {
    this.#listeners.push(listener);
  }

  #remember(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > keptLines * 2) this.#tail.splice(0, this.#tail.length - keptLines);
    for (const listener of this.#listeners) listener(line);
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopping = true;
    if (this.#done) return;
    killGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.pid, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Last resort: if Node exits without stop(), still leave no app process behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) killGroup(p.pid, 'SIGKILL');
  });
}
