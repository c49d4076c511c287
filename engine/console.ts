// How VU console output and runtime errors are written: k6's logfmt-like lines on stderr
// (`time="…" level=info msg="…" source=console`).
import { inspect } from 'node:util';

/** One console argument as k6 prints it: objects and arrays as JSON, errors as their message line. */
function formatArg(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return String(a);
  if (a !== null && typeof a === 'object' && !ArrayBuffer.isView(a) && !(a instanceof ArrayBuffer)) {
    try {
      const json = JSON.stringify(a);
      if (json !== undefined) return json;
    } catch {
      // A circular structure: Node's description instead of an exception in the VU's code.
    }
  }
  return inspect(a, { depth: 4, breakLength: Infinity });
}

export function formatConsoleArgs(args: unknown[]): string {
  return args.map(formatArg).join(' ');
}

export function logLine(level: string, text: string, source?: string): string {
  const time = new Date().toISOString();
  const msg = JSON.stringify(text);
  return `time="${time}" level=${level} msg=${msg}${source ? ` source=${source}` : ''}\n`;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'debug';

/** A VU's `console` (either kind of VU): each call becomes one line of the test's log. */
export function vuConsole(log: (level: LogLevel, text: string) => void) {
  const write =
    (level: LogLevel) =>
    (...args: unknown[]): void =>
      log(level, formatConsoleArgs(args));
  return {
    log: write('info'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    debug: write('debug'),
  };
}
