// Follows a growing k6 NDJSON file while k6 writes it: Point lines become Samples, Metric lines
// tell each metric's type. Reads only the new bytes on each poll, so memory stays flat. A file
// ending in `.gz` (k6's `--out json=FILE.gz`) is inflated as it grows: what the writer has
// compressed so far comes out, the rest on a later poll, so no uncompressed copy is ever kept.
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { constants, createGunzip, type Gunzip } from 'node:zlib';
import type { MetricType, Sample, ValueType } from '../metrics/types.ts';

export class NdjsonTail {
  private offset = 0;
  private rest = '';
  private readonly gunzip: Gunzip | null;
  private inflated = '';
  private readonly decoder = new StringDecoder('utf8');
  /** Resolves the inflate or end being waited for (also on an error). */
  private waiting: (() => void) | null = null;
  /** Set when the compressed file turned out damaged or cut short (a full disk, a killed writer). */
  damaged: string | null = null;
  readonly kinds = new Map<string, { type: MetricType; contains: ValueType }>();

  constructor(
    private readonly path: string,
    private readonly onBatch: (samples: Sample[]) => void,
  ) {
    // Each read is followed by a sync flush (below), so ending the stream only checks that it
    // was complete: a stream cut short errors there, after its readable part was handed out.
    this.gunzip = path.endsWith('.gz') ? createGunzip() : null;
    this.gunzip?.on('data', (chunk: Buffer) => {
      this.inflated += this.decoder.write(chunk);
    });
    this.gunzip?.on('error', (error) => {
      this.damaged ??= error.message;
      this.waiting?.();
    });
  }

  /** Reads what was appended since the last call; `final` once the writer has ended. */
  async poll(final = false): Promise<void> {
    await this.readNew();
    // A writer that wrote nothing (no file, or an empty one) wrote no samples: nothing is damaged.
    if (final && this.gunzip && !this.damaged && this.offset > 0) {
      // An incomplete stream (the writer died mid-way) errors here; what came out still counts.
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        this.gunzip!.once('end', resolve);
        this.gunzip!.end();
      });
      this.waiting = null;
      this.takeInflated();
    }
  }

  private async readNew(): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, 'r');
    } catch {
      return;
    }
    try {
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        if (this.gunzip) await this.inflate(Buffer.from(buf.subarray(0, bytesRead)));
        else this.consume(this.decoder.write(buf.subarray(0, bytesRead)));
      }
    } finally {
      await handle.close();
    }
  }

  private async inflate(chunk: Buffer): Promise<void> {
    const gunzip = this.gunzip!;
    if (this.damaged) return;
    await new Promise<void>((resolve) => {
      this.waiting = resolve;
      gunzip.write(chunk);
      // A sync flush hands out everything the bytes so far decode to.
      gunzip.flush(constants.Z_SYNC_FLUSH, () => resolve());
    });
    this.waiting = null;
    this.takeInflated();
  }

  private takeInflated(): void {
    if (!this.inflated) return;
    const text = this.inflated;
    this.inflated = '';
    this.consume(text);
  }

  private consume(text: string): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    const batch: Sample[] = [];
    for (const line of lines) {
      if (!line) continue;
      let parsed: {
        type: string;
        metric: string;
        data: {
          time?: string;
          value?: number;
          tags?: Record<string, string>;
          metadata?: Record<string, string>;
          type?: MetricType;
          contains?: ValueType;
        };
      };
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      if (parsed.type === 'Metric') {
        this.kinds.set(parsed.metric, {
          type: parsed.data.type ?? 'counter',
          contains: parsed.data.contains ?? 'default',
        });
      } else if (parsed.type === 'Point') {
        const sample: Sample = {
          metric: parsed.metric,
          time: Date.parse(parsed.data.time ?? ''),
          value: parsed.data.value ?? 0,
          tags: parsed.data.tags ?? {},
        };
        if (parsed.data.metadata) sample.metadata = parsed.data.metadata;
        batch.push(sample);
      }
    }
    if (batch.length > 0) this.onBatch(batch);
  }
}
