// Samples flow from the VUs to their consumers (metrics engine, outputs, the library's onSamples)
// in batches: a bounded buffer flushed every 100 ms or when it is full. The runtime keeps no other
// sample arrays, so memory stays flat however long the test runs.
import type { Sample } from './metrics/types.ts';

const MAX_BATCH = 8192;
const FLUSH_EVERY_MS = 100;

export type SampleConsumer = (batch: Sample[]) => void;

export class SampleSink {
  private buffer: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly consumers: SampleConsumer[] = [];

  /** Pushes one sample; bound so it can be handed around as a plain function. */
  readonly push = (sample: Sample): void => {
    this.buffer.push(sample);
    if (this.buffer.length >= MAX_BATCH) this.flush();
  };

  addConsumer(consumer: SampleConsumer): void {
    this.consumers.push(consumer);
  }

  start(): void {
    this.timer ??= setInterval(() => this.flush(), FLUSH_EVERY_MS);
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    for (const consume of this.consumers) consume(batch);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
