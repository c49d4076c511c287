// Follows a growing k6 NDJSON file while k6 writes it: Point lines become Samples, Metric lines
// tell each metric's type. Reads only the new bytes on each poll, so memory stays flat.
import { open } from 'node:fs/promises';
import type { MetricType, Sample, ValueType } from '../metrics/types.ts';

export class NdjsonTail {
  private offset = 0;
  private rest = '';
  readonly kinds = new Map<string, { type: MetricType; contains: ValueType }>();

  constructor(
    private readonly path: string,
    private readonly onBatch: (samples: Sample[]) => void,
  ) {}

  /** Reads what was appended since the last call. */
  async poll(): Promise<void> {
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
        this.consume(buf.subarray(0, bytesRead).toString('utf8'));
      }
    } finally {
      await handle.close();
    }
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
