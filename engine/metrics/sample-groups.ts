// Samples that are always emitted together, kept as one object: the samples of one HTTP request
// (http_reqs, http_req_duration, the six timing trends and, while a response callback is set,
// http_req_failed — k6 docs: https://grafana.com/docs/k6/latest/using-k6/metrics/reference/) and those of the end of an iteration (iterations,
// iteration_duration, data_sent, data_received). Each group has one time and one tag set. The
// metrics engine reads groups directly; outputs and onSamples listeners get the single samples,
// made only when someone listens.
import type { Sample } from './types.ts';

export abstract class SampleGroup {
  /** exec.vu.metrics.metadata when the samples were taken (k6 puts it on every sample of the VU). */
  metadata: Record<string, string> | undefined = undefined;

  constructor(
    /** Epoch ms. */
    readonly time: number,
    readonly tags: Record<string, string>,
  ) {}

  /** The metric names of the group's samples, in the order k6 emits them (a shared array per shape). */
  abstract get metrics(): readonly string[];

  /** The value of the sample of metrics[i]. */
  abstract value(i: number): number;

  /** Appends the group's samples to `out`. */
  expand(out: Sample[]): void {
    const names = this.metrics;
    const metadata = this.metadata;
    for (let i = 0; i < names.length; i++) {
      const sample: Sample = { metric: names[i], time: this.time, value: this.value(i), tags: this.tags };
      if (metadata) sample.metadata = metadata;
      out.push(sample);
    }
  }
}

export interface RequestTimings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

const REQUEST = [
  'http_reqs',
  'http_req_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
] as const;
/** k6's per-request metrics in the order it emits them (k6 docs: https://grafana.com/docs/k6/latest/using-k6/metrics/reference/). */
export const REQUEST_WITH_FAILED = [...REQUEST, 'http_req_failed'] as const;

export class RequestSamples extends SampleGroup {
  constructor(
    time: number,
    tags: Record<string, string>,
    readonly timings: RequestTimings,
    /** The http_req_failed value (1 failed, 0 expected), or -1 when no response callback is set. */
    readonly failed: number,
  ) {
    super(time, tags);
  }

  get metrics(): readonly string[] {
    return this.failed < 0 ? REQUEST : REQUEST_WITH_FAILED;
  }

  value(i: number): number {
    const t = this.timings;
    switch (i) {
      case 0:
        return 1;
      case 1:
        return t.duration;
      case 2:
        return t.blocked;
      case 3:
        return t.connecting;
      case 4:
        return t.tls_handshaking;
      case 5:
        return t.sending;
      case 6:
        return t.waiting;
      case 7:
        return t.receiving;
      default:
        return this.failed;
    }
  }
}

const ITERATION = ['iterations', 'iteration_duration', 'data_sent', 'data_received'] as const;
const DATA = ['data_sent', 'data_received'] as const;

/** The end of an exported-function call: data_sent/data_received, after iterations/iteration_duration for a completed iteration. */
export class IterationSamples extends SampleGroup {
  constructor(
    time: number,
    tags: Record<string, string>,
    /** iteration_duration in ms, or -1 when the call was not a completed iteration. */
    readonly durationMs: number,
    readonly bytesSent: number,
    readonly bytesReceived: number,
  ) {
    super(time, tags);
  }

  get metrics(): readonly string[] {
    return this.durationMs < 0 ? DATA : ITERATION;
  }

  value(i: number): number {
    const j = this.durationMs < 0 ? i + 2 : i;
    switch (j) {
      case 0:
        return 1;
      case 1:
        return this.durationMs;
      case 2:
        return this.bytesSent;
      default:
        return this.bytesReceived;
    }
  }
}

/** What flows from the VUs to the metrics engine: single samples and groups. */
export type SampleEntry = Sample | SampleGroup;

/** The entries as single samples; the same array when there is no group among them. */
export function expandEntries(entries: SampleEntry[]): Sample[] {
  let i = 0;
  while (i < entries.length && !(entries[i] instanceof SampleGroup)) i++;
  if (i === entries.length) return entries as Sample[];
  const out = entries.slice(0, i) as Sample[];
  for (; i < entries.length; i++) {
    const e = entries[i];
    if (e instanceof SampleGroup) e.expand(out);
    else out.push(e);
  }
  return out;
}
