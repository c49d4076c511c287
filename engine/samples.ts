// Samples flow, on the main thread, from the VU thread's batches to their consumers. The metrics
// engine takes each one as it arrives (a request's samples, and an iteration's, as one SampleGroup). Outputs and the library's
// onSamples get single samples in batches: a bounded buffer flushed every 100 ms or when it is full,
// kept only while there is such a consumer. The runtime keeps no other sample arrays, so memory
// stays flat however long the test runs.
import { expandEntries, type SampleEntry } from './metrics/sample-groups.ts';
import type { Sample } from './metrics/types.ts';

const MAX_BATCH = 8192;
const FLUSH_EVERY_MS = 100;

export type SampleConsumer = (batch: Sample[]) => void;
export type EntryConsumer = (entry: SampleEntry) => void;

export class SampleSink {
  private buffer: SampleEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private entryConsumer: EntryConsumer | null = null;
  private readonly consumers: SampleConsumer[] = [];

  /** Pushes one sample or group; bound so it can be handed around as a plain function. */
  readonly push = (entry: SampleEntry): void => {
    this.entryConsumer?.(entry);
    if (this.consumers.length === 0) return;
    this.buffer.push(entry);
    if (this.buffer.length >= MAX_BATCH) this.flush();
  };

  /** The consumer of every entry as it comes (the metrics engine); there is one. */
  setEntryConsumer(consumer: EntryConsumer): void {
    this.entryConsumer = consumer;
  }

  /** A consumer of single samples in batches (outputs, onSamples). */
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
    const samples = expandEntries(batch);
    for (const consume of this.consumers) consume(samples);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
