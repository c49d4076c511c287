// What the VU thread and the main thread say to each other. VU code (executors, VUs, HTTP) runs
// in one worker thread; the main thread keeps the clock, signals, metrics, outputs and summary.
//
// Samples cross in compact batches: one Float64Array of fixed-shape records (transferred, not
// copied), with each tag set and metric name sent once and referred to by number afterwards.

import { IterationSamples, RequestSamples, type SampleEntry, SampleGroup } from '../metrics/sample-groups.ts';
import type { MetricInfo, Sample } from '../metrics/types.ts';
import type { OptionOverrides, ScenarioConfig } from '../options.ts';
import type { ScenarioProgress } from '../progress.ts';
import type { RunSettings } from '../run-settings.ts';

/** What the worker is started with (workerData). */
export interface WorkerInit {
  /** 'test' runs the whole test; 'summary' only loads the script to run handleSummary (after a forced stop). */
  mode: 'test' | 'summary';
  scriptPath: string;
  runId: string;
  env: Record<string, string>;
  overrides: OptionOverrides;
  verbose: boolean;
  /** Each VU's code runs in its own blocking worker thread (../sync/). */
  /** undefined: decided from the script (see RunOptions.syncVus). */
  syncVus?: boolean;
  /** --module-cache and --secret-source: the loader and k6/secrets read them on the VU thread. */
  settings: RunSettings;
  /** Int32Array[1]: sample batches posted and not yet read by the main thread (backpressure). */
  inflight: SharedArrayBuffer;
}

/**
 * The VU thread waits when this many batches (≥ 0.8 s of samples) are unread, so it can never
 * outrun the metrics side; high enough that a pause of the main thread does not stall requests.
 */
export const MAX_INFLIGHT_BATCHES = 32;

/** A scenario's progress, with the iterations that failed. */
export interface ScenarioStatus extends ScenarioProgress {
  failed: number;
}

/** Sent four times a second: what the progress line shows, and proof that the VU thread is alive. */
export interface Beat {
  scenarios: ScenarioStatus[];
  vusActive: number;
  vusMax: number;
  requests: number;
  failedRequests: number;
}

/**
 * 'paused': the VUs are initialised and the test waits to be resumed (--paused); 'started': the
 * test clock starts (before setup).
 */
export type Phase = 'paused' | 'started' | 'setup' | 'running' | 'teardown' | 'ended';

export type FromWorker =
  | { t: 'log'; text: string }
  | { t: 'samples'; batch: SampleBatch }
  | {
      t: 'ready';
      options: Record<string, unknown>;
      scenarios: ScenarioConfig[];
      metrics: MetricInfo[];
      hasSetup: boolean;
      hasTeardown: boolean;
      hasHandleSummary: boolean;
    }
  | { t: 'fatal'; code: number; message: string }
  | { t: 'phase'; phase: Phase }
  | { t: 'setup-data'; json: string | undefined }
  | { t: 'abort'; code: number; message: string }
  | { t: 'failed'; reason: string }
  | { t: 'beat'; beat: Beat }
  /** `files` null without `error`: handleSummary() returned nothing, print the default summary. */
  | { t: 'summary-result'; files: Record<string, string | ArrayBuffer> | null; error?: string };

export type ToWorker =
  /** `paused`: initialise the VUs, then wait for 'resume' before setup() (k6's --paused). */
  | { t: 'start'; paused: boolean }
  | { t: 'resume' }
  | { t: 'stop'; mode: 'graceful' | 'hard' }
  /** Ends the test at once with `code`, as test.abort() does: iterations interrupted, teardown() still runs. */
  | { t: 'abort'; code: number; message: string }
  | { t: 'summary'; data: unknown };

/**
 * Tag sets sent once and kept by both threads; beyond this many (tags with a value per request),
 * new ones travel with each batch and are forgotten after it, so memory stays bounded.
 */
const MAX_SHARED_TAG_SETS = 50_000;
const BATCH_TAG_BASE = 2 ** 30;

const SAMPLE = 0;
const REQUEST = 1;
const ITERATION = 2;
const SAMPLE_LEN = 6;
const REQUEST_LEN = 12;
const ITERATION_LEN = 7;

export interface SampleBatch {
  records: Float64Array;
  length: number;
  /** Tag sets (and metadata objects) first seen in this batch, by number. */
  tagSets: Array<[number, Record<string, string>]>;
  names: Array<[number, string]>;
  /** Custom metrics defined since the last batch; defined before any sample of theirs is read. */
  metrics: MetricInfo[];
}

/** VU thread side: packs entries into records; take() hands over what is packed so far. */
export class SampleEncoder {
  private records = new Float64Array(8192);
  private length = 0;
  private readonly tagIds = new WeakMap<object, number>();
  /** The key under which a tag set keeps its id in this encoder (see tagId). */
  private readonly idKey = Symbol('tag set id');
  private readonly tagKeys = new Map<string, number>();
  private batchTagKeys = new Map<string, number>();
  private newTags: Array<[number, Record<string, string>]> = [];
  private readonly nameIds = new Map<string, number>();
  private newNames: Array<[number, string]> = [];
  private newMetrics: MetricInfo[] = [];

  get size(): number {
    return this.length;
  }

  defineMetric(info: MetricInfo): void {
    this.newMetrics.push({
      name: info.name,
      type: info.type,
      contains: info.contains,
      thresholds: [],
      submetrics: null,
    });
  }

  push(entry: SampleEntry): void {
    if (entry instanceof RequestSamples) {
      const r = this.room(REQUEST_LEN);
      const t = entry.timings;
      r[this.length] = REQUEST;
      r[this.length + 1] = entry.time;
      r[this.length + 2] = this.tagId(entry.tags);
      r[this.length + 3] = entry.failed;
      r[this.length + 4] = t.blocked;
      r[this.length + 5] = t.connecting;
      r[this.length + 6] = t.tls_handshaking;
      r[this.length + 7] = t.sending;
      r[this.length + 8] = t.waiting;
      r[this.length + 9] = t.receiving;
      r[this.length + 10] = t.duration;
      r[this.length + 11] = entry.metadata ? this.tagId(entry.metadata) : -1;
      this.length += REQUEST_LEN;
    } else if (entry instanceof IterationSamples) {
      const r = this.room(ITERATION_LEN);
      r[this.length] = ITERATION;
      r[this.length + 1] = entry.time;
      r[this.length + 2] = this.tagId(entry.tags);
      r[this.length + 3] = entry.durationMs;
      r[this.length + 4] = entry.bytesSent;
      r[this.length + 5] = entry.bytesReceived;
      r[this.length + 6] = entry.metadata ? this.tagId(entry.metadata) : -1;
      this.length += ITERATION_LEN;
    } else if (entry instanceof SampleGroup) {
      const out: Sample[] = [];
      entry.expand(out);
      for (const s of out) this.push(s);
    } else {
      const r = this.room(SAMPLE_LEN);
      r[this.length] = SAMPLE;
      r[this.length + 1] = this.nameId(entry.metric);
      r[this.length + 2] = entry.time;
      r[this.length + 3] = entry.value;
      r[this.length + 4] = this.tagId(entry.tags);
      r[this.length + 5] = entry.metadata ? this.tagId(entry.metadata) : -1;
      this.length += SAMPLE_LEN;
    }
  }

  /** The batch packed so far (its buffer is handed over), or null when there is nothing new. */
  take(): SampleBatch | null {
    if (this.length === 0 && this.newMetrics.length === 0) return null;
    const batch: SampleBatch = {
      records: this.records,
      length: this.length,
      tagSets: this.newTags,
      names: this.newNames,
      metrics: this.newMetrics,
    };
    this.records = new Float64Array(Math.max(8192, this.records.length >> 1));
    this.length = 0;
    this.newTags = [];
    this.batchTagKeys = new Map();
    this.newNames = [];
    this.newMetrics = [];
    return batch;
  }

  private room(n: number): Float64Array {
    if (this.length + n > this.records.length) {
      const bigger = new Float64Array(this.records.length * 2);
      bigger.set(this.records.subarray(0, this.length));
      this.records = bigger;
    }
    return this.records;
  }

  private tagId(tags: Record<string, string>): number {
    const own = (tags as Record<symbol, number | undefined>)[this.idKey];
    if (own !== undefined) return own;
    const known = this.tagIds.get(tags);
    if (known !== undefined) return known;
    const key = JSON.stringify(tags);
    let id = this.tagKeys.get(key);
    if (id === undefined) {
      if (this.tagKeys.size >= MAX_SHARED_TAG_SETS) return this.batchTagId(key, tags);
      id = this.tagKeys.size;
      this.tagKeys.set(key, id);
      this.newTags.push([id, tags]);
    }
    // Kept on the tag set itself, where the next sample finds it at once (a WeakMap lookup costs
    // more with a tag set per VU); not enumerable, so that a copy ({ ...tags }) does not carry it.
    if (Object.isExtensible(tags)) Object.defineProperty(tags, this.idKey, { value: id });
    else this.tagIds.set(tags, id);
    return id;
  }

  /** A tag set that both sides forget after this batch (past MAX_SHARED_TAG_SETS, e.g. a unique URL per request). */
  private batchTagId(key: string, tags: Record<string, string>): number {
    let id = this.batchTagKeys.get(key);
    if (id === undefined) {
      id = BATCH_TAG_BASE + this.batchTagKeys.size;
      this.batchTagKeys.set(key, id);
      this.newTags.push([id, tags]);
    }
    return id;
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.nameIds.size;
      this.nameIds.set(name, id);
      this.newNames.push([id, name]);
    }
    return id;
  }
}

/** Main thread side: turns batches back into the entries the metrics engine and outputs read. */
export class SampleDecoder {
  private readonly tags: Array<Record<string, string>> = [];
  private readonly names: string[] = [];

  decode(batch: SampleBatch, each: (entry: SampleEntry) => void): void {
    const batchTags = new Map<number, Record<string, string>>();
    for (const [id, tags] of batch.tagSets) {
      if (id >= BATCH_TAG_BASE) batchTags.set(id, tags);
      else this.tags[id] = tags;
    }
    const tagsOf = (id: number) =>
      id >= BATCH_TAG_BASE ? (batchTags.get(id) as Record<string, string>) : this.tags[id];
    for (const [id, name] of batch.names) this.names[id] = name;
    const r = batch.records;
    let i = 0;
    while (i < batch.length) {
      const kind = r[i];
      if (kind === REQUEST) {
        const group = new RequestSamples(
          r[i + 1],
          tagsOf(r[i + 2]),
          {
            blocked: r[i + 4],
            connecting: r[i + 5],
            tls_handshaking: r[i + 6],
            sending: r[i + 7],
            waiting: r[i + 8],
            receiving: r[i + 9],
            duration: r[i + 10],
          },
          r[i + 3],
        );
        if (r[i + 11] >= 0) group.metadata = tagsOf(r[i + 11]);
        each(group);
        i += REQUEST_LEN;
      } else if (kind === ITERATION) {
        const group = new IterationSamples(r[i + 1], tagsOf(r[i + 2]), r[i + 3], r[i + 4], r[i + 5]);
        if (r[i + 6] >= 0) group.metadata = tagsOf(r[i + 6]);
        each(group);
        i += ITERATION_LEN;
      } else {
        const sample: Sample = {
          metric: this.names[r[i + 1]],
          time: r[i + 2],
          value: r[i + 3],
          tags: tagsOf(r[i + 4]),
        };
        if (r[i + 5] >= 0) sample.metadata = tagsOf(r[i + 5]);
        each(sample);
        i += SAMPLE_LEN;
      }
    }
  }
}
