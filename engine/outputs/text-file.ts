// Where a text output (`--out json=…`, `--out csv=…`) writes: a file, a gzip-compressed file when
// the name ends in ".gz", or stdout for "" and "-". Text is collected into ~1 MB chunks and written
// every 200 ms, waiting for 'drain' whenever the stream says it is full.
//
// A write that fails (a full disk: ENOSPC) ends the output: the error is logged once, later text is
// dropped instead of queued, and close() rejects, so the run still ends on time and the engine exits
// with EXIT.outputFailed. Nothing waits for a 'drain' that a failed stream never emits, and with .gz
// the file's error reaches us through the pipeline instead of going unhandled.
//
// A .gz file is sync-flushed at most once a second (after a write), so what a process killed
// mid-run (SIGKILL, a lost node) had written can be read back to its last second, instead of
// losing the up to 16 KiB the compressor would otherwise hold.
//
// Memory: between flushes we hold at most one 1 MB chunk being filled plus the chunks the stream
// has not accepted yet; that backlog only grows while the disk is slower than the test (k6 blocks
// its output goroutine in that case; add() is synchronous, so we queue instead).
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { pipeline, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { constants, createGzip, type Gzip } from 'node:zlib';

const FLUSH_EVERY_MS = 200;
const GZIP_SYNC_EVERY_MS = 1000;
const CHUNK_CHARS = 1 << 20;

export class TextFile {
  private pending = '';
  private readonly queue: string[] = [];
  private writing: Promise<void> | null = null;
  private failure: Error | null = null;
  private readonly timer: NodeJS.Timeout;
  /** The compressor of a .gz file (null otherwise), and when it was last sync-flushed. */
  private gzip: Gzip | null = null;
  private syncedAt = 0;

  private constructor(
    private readonly stream: Writable,
    /** The file at the end of the pipe; null for stdout, which we must not end. */
    private readonly file: WriteStream | null,
    /** "JSON", "CSV": how the messages name the output. */
    private readonly kind: string,
    private readonly log: (text: string) => void,
  ) {
    stream.on('error', (err) => this.failed(err));
    if (file && file !== stream) file.on('error', (err) => this.failed(err));
    this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  /** Opens `target`; rejects with a sentence naming the file when it cannot be created. */
  static async open(target: string, kind: string, log: (text: string) => void = () => {}): Promise<TextFile> {
    if (target === '' || target === '-') return new TextFile(process.stdout, null, kind, log);
    const file = createWriteStream(target);
    try {
      await once(file, 'open');
    } catch (err) {
      throw new Error(
        `Cannot write the ${kind} output to "${target}" (${(err as Error).message}); check that its folder exists and is writable.`,
      );
    }
    if (!target.endsWith('.gz')) return new TextFile(file, file, kind, log);
    const gzip = createGzip();
    const output = new TextFile(gzip, file, kind, log);
    output.gzip = gzip;
    // pipeline() destroys both streams when either fails, so a full disk under the file also
    // ends the gzip stream that we write to (pipe() would leave it waiting for 'drain').
    pipeline(gzip, file, (err) => {
      if (err) output.failed(err);
    });
    return output;
  }

  /** Whether a write has failed: the output then drops what it is given. */
  get broken(): boolean {
    return this.failure !== null;
  }

  /** Adds text to the file; it is written on the next flush, or now when a chunk is full. */
  append(text: string): void {
    if (this.failure) return;
    this.pending += text;
    if (this.pending.length >= CHUNK_CHARS) this.flush();
  }

  /** The first failure is kept and logged; everything buffered is let go. */
  failed(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.pending = '';
    this.queue.length = 0;
    this.log(
      `writing the ${this.kind} output failed (${err.message}); the test goes on, later samples are not written`,
    );
  }

  /**
   * Writes everything still buffered, then ends the file (stdout stays open). Rejects when the file
   * could not be written completely; `lost` is how many samples the output dropped after that.
   */
  async close(lost: () => number): Promise<void> {
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
      const dropped = lost();
      const after = dropped > 0 ? `; ${dropped} samples after the failure were not written` : '';
      throw new Error(`Writing the ${this.kind} output failed: ${this.failure.message}${after}`);
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
    const gzip = this.gzip;
    if (gzip && !this.failure && performance.now() - this.syncedAt >= GZIP_SYNC_EVERY_MS) {
      this.syncedAt = performance.now();
      gzip.flush(constants.Z_SYNC_FLUSH);
    }
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
