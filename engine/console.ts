// How VU console output and runtime errors are written: k6's logfmt-like lines on stderr
// (`time="…" level=info msg="…" source=console`).
import { inspect } from 'node:util';

export function formatConsoleArgs(args: unknown[]): string {
  return args
    .map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 4, breakLength: Infinity })))
    .join(' ');
}

export function logLine(level: string, text: string, source?: string): string {
  const time = new Date().toISOString();
  const msg = JSON.stringify(text);
  return `time="${time}" level=${level} msg=${msg}${source ? ` source=${source}` : ''}\n`;
}
