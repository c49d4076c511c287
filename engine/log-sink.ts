// Where the run's log lines go: k6's --log-output (stderr, stdout, none, file=PATH with a minimum
// level), --log-format (text: the logfmt-style line; json; raw: the message alone) and
// --console-output (console.* lines to their own file). Lines arrive formatted by logLine()
// (console.ts); they are re-written only when another format or destination is asked for.
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

export interface LogSettings {
  output?: 'stderr' | 'stdout' | 'none' | { file: string; level: string };
  format?: 'text' | 'json' | 'raw';
  consoleOutput?: string;
}

const LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'fatal', 'panic'];
const LINE =
  /^time="([^"]*)" level=(\w+) msg=("(?:[^"\\]|\\.)*")((?: \w+=(?:"(?:[^"\\]|\\.)*"|[^\s"]*))*)\n?$/;
const FIELD = / (\w+)=("(?:[^"\\]|\\.)*"|[^\s"]*)/g;

interface Parsed {
  time: string;
  level: string;
  msg: string;
  source: string | undefined;
  /** The line's fields after msg (source among them), in their order. */
  fields: Array<[string, string]>;
}

function parse(line: string): Parsed | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const fields: Array<[string, string]> = [];
  for (const f of m[4].matchAll(FIELD))
    fields.push([f[1], f[2].startsWith('"') ? (JSON.parse(f[2]) as string) : f[2]]);
  const source = fields.find(([k]) => k === 'source')?.[1];
  return { time: m[1], level: m[2], msg: JSON.parse(m[3]) as string, source, fields };
}

function format(p: Parsed, how: LogSettings['format']): string {
  if (how === 'raw') return `${p.msg}\n`;
  const entry: Record<string, string> = {};
  for (const [k, v] of p.fields) entry[k] = v;
  Object.assign(entry, { level: p.level, msg: p.msg });
  if (p.source) entry.source = p.source;
  entry.time = p.time;
  // logrus's JSONFormatter marshals a Go map: its keys come out sorted.
  return `${JSON.stringify(entry, Object.keys(entry).sort())}\n`;
}

export class LogSink {
  private readonly out: Writable | null;
  private readonly minLevel: number;
  private readonly console: WriteStream | null;
  private readonly files: WriteStream[] = [];
  private readonly plain: boolean;

  constructor(
    io: { stdout: Writable; stderr: Writable },
    private readonly settings: LogSettings,
  ) {
    const output = settings.output ?? 'stderr';
    this.minLevel = 0;
    if (output === 'stderr') this.out = io.stderr;
    else if (output === 'stdout') this.out = io.stdout;
    else if (output === 'none') this.out = null;
    else {
      const file = createWriteStream(output.file, { flags: 'a', mode: 0o600 });
      this.files.push(file);
      this.out = file;
      this.minLevel = Math.max(0, LEVELS.indexOf(output.level));
    }
    this.console = settings.consoleOutput ? createWriteStream(settings.consoleOutput) : null;
    if (this.console) this.files.push(this.console);
    for (const f of this.files)
      f.on('error', (err) => io.stderr.write(`could not write a log file: ${err.message}\n`));
    this.plain = (settings.format ?? 'text') === 'text' && this.minLevel === 0 && this.console === null;
  }

  write(line: string): void {
    if (this.plain) {
      this.out?.write(line);
      return;
    }
    const parsed = parse(line);
    if (parsed === null) {
      this.out?.write(line);
      return;
    }
    const text = (this.settings.format ?? 'text') === 'text' ? line : format(parsed, this.settings.format);
    if (this.console && parsed.source === 'console') {
      this.console.write(text);
      return;
    }
    if (LEVELS.indexOf(parsed.level) < this.minLevel) return;
    this.out?.write(text);
  }

  async close(): Promise<void> {
    const files = this.files.splice(0);
    await Promise.all(files.map((f) => new Promise<void>((r) => f.end(r))));
  }
}
