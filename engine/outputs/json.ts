// `--out json=FILE`: k6's NDJSON stream (k6 docs: https://grafana.com/docs/k6/latest/results-output/real-time/json/). A Metric line announces each metric
// just before its first Point; every sample is one Point line. Lines are built by string
// concatenation (no per-sample JSON.stringify of the whole object), collected into ~1 MB chunks and
// written every 200 ms, waiting for 'drain' whenever the stream says it is full.
//
// A write that fails (a full disk: ENOSPC) ends the output: the error is logged once, later samples
// are counted and dropped instead of queued, and close() rejects, so the run still ends on time and
// the engine exits with EXIT.outputFailed. Nothing waits for a 'drain' that a failed stream never
// emits, and with .gz the file's error reaches us through the pipeline instead of going unhandled.
//
// Memory: between flushes we hold at most one 1 MB chunk being filled plus the chunks the stream
// has not accepted yet; that backlog only grows while the disk is slower than the test (k6 blocks
// its output goroutine in that case; add() is synchronous, so we queue instead).
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { pipeline, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { MetricInfo, Sample } from '../metrics/types.ts';
import { goTime } from './go-time.ts';
import type { Output, OutputType } from './output.ts';

const FLUSH_EVERY_MS = 200;
const CHUNK_CHARS = 1 << 20;

export class JsonOutput implements Output {
  private pending = '';
  private readonly queue: string[] = [];
  private writing: Promise<void> | null = null;
  private failure: Error | null = null;
  private readonly seen = new Set<string>();
  private readonly quotedNames = new Map<string, string>();
  private lastTags: Record<string, string> | undefined;
  private lastTagsJson = '{}';
  private lastMetadata: Record<string, string> | undefined;
  private lastMetadataJson = '';
  private readonly timer: NodeJS.Timeout;
  /** Samples not written because the output had already failed. */
  private dropped = 0;

  private constructor(
    private readonly stream: Writable,
    /** The file at the end of the pipe; null for stdout, which we must not end. */
    private readonly file: WriteStream | null,
    private readonly getInfo: (metric: string) => MetricInfo,
    private readonly log: (text: string) => void,
  ) {
    stream.on('error', (err) => this.failed(err));
    if (file && file !== stream) file.on('error', (err) => this.failed(err));
    this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  /** `target` "" or "-" writes to stdout; a name ending in ".gz" is gzip-compressed. */
  static async open(
    target: string,
    getInfo: (metric: string) => MetricInfo,
    log: (text: string) => void = () => {},
  ): Promise<JsonOutput> {
    if (target === '' || target === '-') return new JsonOutput(process.stdout, null, getInfo, log);
    const file = createWriteStream(target);
    try {
      await once(file, 'open');
    } catch (err) {
      throw new Error(
        `Cannot write the JSON output to "${target}" (${(err as Error).message}); check that its folder exists and is writable.`,
      );
    }
    if (!target.endsWith('.gz')) return new JsonOutput(file, file, getInfo, log);
    const gzip = createGzip();
    const output = new JsonOutput(gzip, file, getInfo, log);
    // pipeline() destroys both streams when either fails, so a full disk under the file also
    // ends the gzip stream that we write to (pipe() would leave it waiting for 'drain').
    pipeline(gzip, file, (err) => {
      if (err) output.failed(err);
    });
    return output;
  }

  /** The first failure is kept and logged; everything buffered is let go. */
  failed(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.pending = '';
    this.queue.length = 0;
    this.log(
      `writing the JSON output failed (${err.message}); the test goes on, later samples are not written`,
    );
  }

  /** Encodes the samples now (they may be reused afterwards) and writes them on the next flush. */
  add(samples: Sample[]): void {
    if (this.failure) {
      this.dropped += samples.length;
      return;
    }
    let out = this.pending;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      let name = this.quotedNames.get(s.metric);
      if (name === undefined) {
        name = JSON.stringify(s.metric);
        this.quotedNames.set(s.metric, name);
      }
      if (!this.seen.has(s.metric)) {
        this.seen.add(s.metric);
        out += metricLine(this.getInfo(s.metric));
      }
      out +=
        '{"metric":' +
        name +
        ',"type":"Point","data":{"time":"' +
        goTime(s.time) +
        '","value":' +
        (Number.isFinite(s.value) ? String(s.value) : 'null') +
        ',"tags":' +
        this.tagsJson(s.tags) +
        this.metadataJson(s.metadata) +
        '}}\n';
    }
    this.pending = out;
    if (out.length >= CHUNK_CHARS) this.flush();
  }

  /** Writes everything still buffered, then ends the file (stdout stays open). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    while (this.writing) await this.writing;
    if (this.file) {
      if (!this.failure) this.stream.end();
      else this.stream.destroy();
      await finished(this.file).catch((err) => {
        this.failed(err);
      });
    }
    if (this.failure) {
      const lost = this.dropped > 0 ? `; ${this.dropped} samples after the failure were not written` : '';
      throw new Error(`Writing the JSON output failed: ${this.failure.message}${lost}`);
    }
  }

  private flush(): void {
    if (this.pending === '' || this.failure) return;
    this.queue.push(this.pending);
    this.pending = '';
    if (!this.writing) {
      this.writing = this.writeQueue()
        .catch((err) => this.failed(err))
        .finally(() => {
          this.writing = null;
        });
    }
  }

  private async writeQueue(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      const chunk = this.queue.shift()!;
      if (!this.stream.write(chunk)) await drained(this.stream);
    }
  }

  /** Samples of one request share one tags object, so the last encoding is usually reusable. */
  private tagsJson(tags: Record<string, string> | undefined): string {
    if (tags !== this.lastTags) {
      this.lastTags = tags;
      this.lastTagsJson = tags ? JSON.stringify(tags) : '{}';
    }
    return this.lastTagsJson;
  }

  /** The `,"metadata":{...}` part, empty when there is none; cached like tags. */
  private metadataJson(metadata: Record<string, string> | undefined): string {
    if (metadata !== this.lastMetadata) {
      this.lastMetadata = metadata;
      this.lastMetadataJson = '';
      if (metadata !== undefined) {
        for (const _ in metadata) {
          this.lastMetadataJson = ',"metadata":' + JSON.stringify(metadata);
          break;
        }
      }
    }
    return this.lastMetadataJson;
  }
}

/** Resolves on 'drain'; rejects when the stream fails or closes first, or has already. */
function drained(stream: Writable): Promise<void> {
  if (stream.errored) return Promise.reject(stream.errored);
  if (stream.destroyed) return Promise.reject(new Error('the output stream was closed'));
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(stream.errored ?? new Error('the output stream was closed'));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

function metricLine(info: MetricInfo): string {
  const data = {
    name: info.name,
    type: info.type,
    contains: info.contains,
    thresholds: info.thresholds,
    submetrics: info.submetrics,
  };
  return '{"type":"Metric","data":' + JSON.stringify(data) + ',"metric":' + JSON.stringify(info.name) + '}\n';
}

export const jsonOutput: OutputType = {
  usage: '--out json=results.json, --out json=results.json.gz, or --out json for stdout',
  open: (target, deps) =>
    JsonOutput.open(
      target,
      (name) => deps.metricInfo(name),
      (text) => deps.log('error', text),
    ),
};
