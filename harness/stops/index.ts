// How a long-running command learns it must stop: SIGINT (Ctrl-C), SIGTERM (kill, CI runners,
// systemd), SIGHUP (the terminal went away), or its parent dying (npm killed by SIGKILL leaves
// its child behind; the child notices it was re-parented). Each request is one event; callers
// decide what the first and later ones mean (graceful, then at once).
import { EventEmitter } from 'node:events';

export type StopCause = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'parent';

export interface StopRequest {
  cause: StopCause;
  /** The exit code a run stopped this way ends with: 128 + the signal's number, as shells do. */
  exitCode: number;
  /** For logs and the run record, e.g. "SIGTERM received". */
  reason: string;
}

const EXIT: Record<StopCause, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, parent: 143 };
const REASON: Record<StopCause, string> = {
  SIGINT: 'Ctrl-C (SIGINT) received',
  SIGTERM: 'SIGTERM received',
  SIGHUP: 'SIGHUP received (the terminal closed)',
  parent: 'the parent process ended',
};

export function stopRequest(cause: StopCause): StopRequest {
  return { cause, exitCode: EXIT[cause], reason: REASON[cause] };
}

export interface StopWatch extends EventEmitter<{ stop: [StopRequest] }> {
  /** Every request so far, oldest first. */
  readonly requests: StopRequest[];
  /** The first request, or null. */
  readonly first: StopRequest | null;
  /** Removes the handlers (the process's default signal behaviour comes back). */
  close(): void;
}

/** Listens on `proc` for the stop signals and polls for the parent's death every `pollMs`. */
class Watch extends EventEmitter<{ stop: [StopRequest] }> implements StopWatch {
  readonly requests: StopRequest[] = [];
  private readonly handlers: Array<[NodeJS.Signals, () => void]> = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly proc: NodeJS.Process,
    pollMs: number,
  ) {
    super();
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const handler = () => this.request(signal);
      proc.on(signal, handler);
      this.handlers.push([signal, handler]);
    }
    const parent = proc.ppid;
    this.timer = setInterval(() => {
      if (proc.ppid === parent) return;
      clearInterval(this.timer);
      this.request('parent');
    }, pollMs);
    this.timer.unref();
  }

  get first(): StopRequest | null {
    return this.requests[0] ?? null;
  }

  close(): void {
    clearInterval(this.timer);
    for (const [signal, handler] of this.handlers) this.proc.off(signal, handler);
  }

  private request(cause: StopCause): void {
    const r = stopRequest(cause);
    this.requests.push(r);
    this.emit('stop', r);
  }
}

/** Listens on `proc` for the stop signals and polls for the parent's death every `pollMs`. */
export function watchStops(proc: NodeJS.Process = process, pollMs = 500): StopWatch {
  return new Watch(proc, pollMs);
}
