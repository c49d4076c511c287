// The nightly history: one compact record per run, kept between CI runs. Stores are pluggable
// (a JSON-lines file the workflow restores and saves, or an S3 prefix); readers skip corrupt or
// partial entries with a warning and never fail on them.
import { appendFile, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Profile, RunKind } from '../record/types.ts';

export interface HistoryEntry {
  /** ISO 8601 start time of the run. */
  date: string;
  runId: string;
  gitRevision: string | null;
  /** Target URL without credentials. */
  target: string;
  profile: Profile;
  kind: RunKind;
  engine: string;
  figures: {
    rps: number;
    avgMs: number;
    p95Ms: number;
    errorRate: number;
    /** Saturation VUs of a scalability run, or the VUs held in a load-soak. */
    vus: number | null;
  };
  /**
   * baseline: null when there was no verdict or the target is not comparable with the published
   * baseline (then `comparable` is false: a stand-in run never reads as a pass).
   */
  verdicts: {
    baseline: boolean | null;
    comparable?: boolean;
    thresholds: boolean;
    regression: boolean | null;
  };
  /** Path or URL of the run's HTML report, relative to the trend page when possible. */
  report?: string;
}

export interface HistoryRead {
  entries: HistoryEntry[];
  warnings: string[];
}

export interface HistoryStore {
  /** Where it lives, for messages (never contains credentials). */
  readonly location: string;
  read(): Promise<HistoryRead>;
  append(entry: HistoryEntry): Promise<void>;
}

const PROFILES = new Set(['reference', 'local', 'smoke']);
const KINDS = new Set(['scalability', 'load-soak']);

/** Returns the entry when `value` is a complete history entry, else the reason it is not. */
export function validateEntry(value: unknown): HistoryEntry | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const e = value as Record<string, unknown>;
  if (typeof e.date !== 'string' || Number.isNaN(Date.parse(e.date))) return 'missing or invalid "date"';
  if (typeof e.runId !== 'string' || e.runId === '') return 'missing "runId"';
  if (typeof e.target !== 'string') return 'missing "target"';
  if (typeof e.profile !== 'string' || !PROFILES.has(e.profile)) return 'missing or unknown "profile"';
  if (typeof e.kind !== 'string' || !KINDS.has(e.kind)) return 'missing or unknown "kind"';
  const f = e.figures as Record<string, unknown> | undefined;
  if (typeof f !== 'object' || f === null) return 'missing "figures"';
  for (const k of ['rps', 'avgMs', 'p95Ms', 'errorRate']) {
    if (typeof f[k] !== 'number' || !Number.isFinite(f[k])) return `figures.${k} is not a number`;
  }
  if (f.vus !== null && typeof f.vus !== 'number') return 'figures.vus is not a number or null';
  const v = e.verdicts as Record<string, unknown> | undefined;
  if (typeof v !== 'object' || v === null || typeof v.thresholds !== 'boolean') return 'missing "verdicts"';
  return value as HistoryEntry;
}

/** Parses JSON-lines text; bad lines become warnings naming the line. */
export function parseHistory(text: string, location: string): HistoryRead {
  const entries: HistoryEntry[] = [];
  const warnings: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      warnings.push(`${location}:${i + 1}: skipped a corrupt history line (not valid JSON)`);
      return;
    }
    const result = validateEntry(parsed);
    if (typeof result === 'string') warnings.push(`${location}:${i + 1}: skipped a history entry: ${result}`);
    else entries.push(result);
  });
  entries.sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
  return { entries, warnings };
}

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

/**
 * A JSON-lines file. Appends take a lock file (O_EXCL) and write each line with one append
 * call, so concurrent writers on one machine never interleave or lose entries; a line left
 * partial by a crash is skipped on read, and the next append starts on a fresh line.
 */
export class JsonlHistoryStore implements HistoryStore {
  constructor(readonly location: string) {}

  async read(): Promise<HistoryRead> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], warnings: [] };
      throw err;
    }
    return parseHistory(text, this.location);
  }

  async append(entry: HistoryEntry): Promise<void> {
    const checked = validateEntry(entry);
    if (typeof checked === 'string')
      throw new Error(`Refusing to append an invalid history entry: ${checked}.`);
    await mkdir(dirname(this.location), { recursive: true });
    const release = await this.lock();
    try {
      const prefix = (await this.endsWithNewline()) ? '' : '\n';
      await appendFile(this.location, `${prefix}${JSON.stringify(entry)}\n`);
    } finally {
      await release();
    }
  }

  private async endsWithNewline(): Promise<boolean> {
    try {
      const { size } = await stat(this.location);
      if (size === 0) return true;
      const fh = await open(this.location, 'r');
      try {
        const buf = Buffer.alloc(1);
        await fh.read(buf, 0, 1, size - 1);
        return buf[0] === 0x0a;
      } finally {
        await fh.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw err;
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    const lockPath = `${this.location}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const fh = await open(lockPath, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return () => rm(lockPath, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const age = await stat(lockPath).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > LOCK_STALE_MS) await rm(lockPath, { force: true });
        else if (Date.now() > deadline) {
          throw new Error(
            `The history file ${this.location} stayed locked for ${LOCK_WAIT_MS / 1000} s by ${lockPath}; remove that file if no other run is writing.`,
          );
        } else await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      }
    }
  }
}
