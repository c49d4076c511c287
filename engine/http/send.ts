// Sends one HTTP request (one redirect hop) on a VU's connection and measures k6's timings:
// blocked, connecting, tls_handshaking, sending, waiting, receiving. The request goes straight to
// undici's dispatcher with a handler that keeps the raw header buffers and body chunks as they come.
import type { Dispatcher } from 'undici';
import type { RequestTimings } from '../metrics/sample-groups.ts';
import type { Connection, InFlight } from './connection.ts';
import { RequestTimeoutError } from './errors.ts';
import { ResponseHead } from './response-head.ts';

/**
 * k6's per-request timings (ms): what the metrics side records, plus `looking_up`, which k6's
 * Response.timings has and never sets (grafana/k6 lib/netext/httpext/response.go, ResponseTimings:
 * the field is declared and stays 0). The keys are in k6's order, as JSON.stringify shows them.
 */
export type Timings = RequestTimings & { looking_up: number };

export interface HopResult {
  status: number;
  statusText: string;
  /** The response's status and headers; null when none was received. */
  head: ResponseHead | null;
  body: Buffer;
  timings: Timings;
  error: unknown;
  /** Wall-clock end of the request (epoch ms), the time of its samples. */
  endTime: number;
  bytesSent: number;
  bytesReceived: number;
  tlsVersion: string;
  /** The TLS cipher suite's IANA name (Go's names are the same), '' for plain HTTP. */
  tlsCipherSuite: string;
  remoteAddress: string;
  remotePort: number;
}

const EMPTY = Buffer.alloc(0);

export const ZERO_TIMINGS: Readonly<Timings> = {
  duration: 0,
  blocked: 0,
  looking_up: 0,
  connecting: 0,
  tls_handshaking: 0,
  sending: 0,
  waiting: 0,
  receiving: 0,
};

/** One hop in flight: undici's handler, its timestamps, and then its result. */
class Hop<C> implements Dispatcher.DispatchHandler, InFlight, HopResult {
  readonly start = performance.now();
  readonly deadline: number;
  finished = false;
  sendStart = 0;
  sent = 0;
  firstByte = 0;
  status = 0;
  statusText = '';
  head: ResponseHead | null = null;
  chunks: Buffer[] | null = null;
  chunk: Buffer = EMPTY;
  timings: Timings = ZERO_TIMINGS;
  error: unknown = null;
  endTime = 0;
  bytesSent = 0;
  bytesReceived = 0;
  tlsVersion = '';
  tlsCipherSuite = '';
  remoteAddress = '';
  remotePort = 0;
  private abortFn: ((err: Error) => void) | null = null;
  private pendingAbort: Error | null = null;

  constructor(
    readonly conn: Connection,
    readonly timeoutMs: number,
    readonly context: C,
    readonly done: (context: C, result: HopResult) => void,
  ) {
    this.deadline =
      timeoutMs > 0 && Number.isFinite(timeoutMs) ? this.start + timeoutMs : Number.POSITIVE_INFINITY;
  }

  get body(): Buffer {
    const c = this.chunks;
    return c === null ? this.chunk : Buffer.concat(c);
  }

  timeoutError(): Error {
    return new RequestTimeoutError(`request timeout after ${this.timeoutMs}ms`);
  }

  cancel(err: Error): void {
    if (this.finished) return;
    if (this.abortFn) this.abortFn(err);
    // Not on the wire yet (queued or still connecting): aborted when undici gets to it.
    else this.pendingAbort = err;
    this.finish(err);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.pendingAbort) {
      abort(this.pendingAbort);
      return;
    }
    this.sendStart = performance.now();
    this.abortFn = abort as (err: Error) => void;
  }

  onRequestSent(): void {
    this.sent = performance.now();
  }

  onResponseStarted(): void {
    this.firstByte = performance.now();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    // 1xx informational responses are followed by the real one.
    if (statusCode >= 200) {
      this.status = statusCode;
      this.statusText = statusText;
      this.head = new ResponseHead(statusCode, statusText, rawHeaders);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.chunks !== null) this.chunks.push(chunk);
    else if (this.chunk.length === 0) this.chunk = chunk;
    else this.chunks = [this.chunk, chunk];
    return true;
  }

  onComplete(): void {
    this.finish(null);
  }

  onError(err: Error): void {
    this.finish(err);
  }

  private finish(err: Error | null): void {
    if (this.finished) return;
    this.finished = true;
    const end = performance.now();
    const conn = this.conn;
    conn.untrack(this);
    const opened = conn.opened;
    let connecting = 0;
    let tls = 0;
    const sendStart = this.sendStart || end;
    if (opened && opened.connectStart >= this.start && this.sendStart !== 0) {
      conn.opened = null;
      connecting = opened.tcpEnd - opened.connectStart;
      tls = opened.tlsEnd - opened.tcpEnd;
    }
    // k6's blocked is GotConn - GetConn (grafana/k6 lib/netext/httpext/tracer.go, Done): from the
    // request's start until it has a connection, so a new connection's dial and TLS handshake are
    // inside it; 0 when no connection was got (a failed dial).
    const blocked = this.sendStart !== 0 ? this.sendStart - this.start : 0;
    // As k6's tracer: without a first response byte (a timeout, a reset) the time after the
    // request was written is waiting, not receiving; a request that failed while being written
    // has neither sending nor waiting.
    const unsent = err !== null && this.sent === 0;
    const sent = this.sent || sendStart;
    const firstByte = this.firstByte || end;
    const sending = this.sendStart && !unsent ? sent - sendStart : 0;
    const waiting = this.sendStart && !unsent ? Math.max(0, firstByte - sent) : 0;
    const receiving = this.sendStart && this.firstByte !== 0 ? end - firstByte : 0;
    this.timings = {
      duration: sending + waiting + receiving,
      blocked: Math.max(0, blocked),
      looking_up: 0,
      connecting,
      tls_handshaking: tls,
      sending,
      waiting,
      receiving,
    };
    if (err) {
      this.status = 0;
      this.error = err;
    }
    this.endTime = Date.now();
    const socket = conn.socket;
    if (socket) {
      // Bytes on the wire (request and response heads included) since the previous request.
      const w = socket.bytesWritten;
      const r = socket.bytesRead;
      this.bytesSent = w - conn.written;
      this.bytesReceived = r - conn.read;
      conn.written = w;
      conn.read = r;
      this.tlsVersion = conn.tlsVersion;
      this.tlsCipherSuite = conn.tlsCipherSuite;
      this.remoteAddress = conn.remoteAddress;
      this.remotePort = conn.remotePort;
    }
    this.done(this.context, this);
  }
}

/** Sends one hop; `done(context, result)` is called once, when it has ended one way or another. */
export function sendHop<C>(
  conn: Connection,
  method: string,
  path: string,
  headers: string[],
  body: Buffer | null,
  timeoutMs: number,
  context: C,
  done: (context: C, result: HopResult) => void,
): void {
  const hop = new Hop(conn, timeoutMs, context, done);
  conn.track(hop);
  // noConnectionReuse: "Connection: close" and a new connection for the next request, as Go does.
  conn.client.dispatch(
    { method: method as Dispatcher.HttpMethod, path, headers, body, reset: conn.reset || undefined },
    hop,
  );
}
