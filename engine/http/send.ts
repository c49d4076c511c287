// Sends one HTTP request (one redirect hop) on a VU's connection and measures k6's timings:
// blocked, connecting, tls_handshaking, sending, waiting, receiving.
import type { Dispatcher } from 'undici';
import type { Connection } from './connection.ts';
import { RequestTimeoutError } from './errors.ts';

export interface Timings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

export interface HopResult {
  status: number;
  statusText: string;
  /** Raw header pairs as undici gives them (name, value, name, value…). */
  rawHeaders: Buffer[];
  body: Buffer;
  timings: Timings;
  error: unknown;
  /** Wall-clock end of the request (epoch ms), the time of its samples. */
  endTime: number;
  bytesSent: number;
  bytesReceived: number;
  tlsVersion: string;
  remoteAddress: string;
  remotePort: number;
}

export interface HopRequest {
  method: string;
  path: string;
  headers: string[];
  body: Buffer | null;
  timeoutMs: number;
  /** Lets the VU interrupt the request; returns the remover. */
  onInterrupt(cancel: (err: Error) => void): () => void;
}

const EMPTY = Buffer.alloc(0);

class HopHandler implements Dispatcher.DispatchHandler {
  readonly start = performance.now();
  sendStart = 0;
  sent = 0;
  firstByte = 0;
  status = 0;
  statusText = '';
  rawHeaders: Buffer[] = [];
  chunks: Buffer[] = [];
  abortFn: ((err: Error) => void) | null = null;
  pendingAbort: Error | null = null;
  timer: NodeJS.Timeout | null = null;
  removeInterrupt: (() => void) | null = null;
  constructor(
    readonly conn: Connection,
    readonly done: (handler: HopHandler, err: unknown) => void,
  ) {}

  finished = false;

  cancel(err: Error): void {
    if (this.abortFn) {
      this.abortFn(err);
      return;
    }
    // Not on the wire yet (queued or still connecting): answer now, abort when undici gets to it.
    this.pendingAbort = err;
    this.finish(err);
  }

  finish(err: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.done(this, err);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (!this.finished) this.sendStart = performance.now();
    this.abortFn = abort as (err: Error) => void;
    if (this.pendingAbort) abort(this.pendingAbort);
  }

  onRequestSent(): void {
    this.sent = performance.now();
  }

  onResponseStarted(): void {
    this.firstByte = performance.now();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    if (this.firstByte === 0) this.firstByte = performance.now();
    // 1xx informational responses are followed by the real one.
    if (statusCode < 200) return true;
    this.status = statusCode;
    this.statusText = statusText;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.finish(null);
  }

  onError(err: Error): void {
    this.finish(err);
  }
}

export function sendHop(conn: Connection, req: HopRequest): Promise<HopResult> {
  return new Promise<HopResult>((resolve) => {
    const handler = new HopHandler(conn, (h, err) => {
      const end = performance.now();
      if (h.timer) clearTimeout(h.timer);
      h.removeInterrupt?.();
      const opened = conn.opened;
      let connecting = 0;
      let tls = 0;
      let blocked: number;
      const sendStart = h.sendStart || end;
      if (opened && opened.connectStart >= h.start && h.sendStart !== 0) {
        conn.opened = null;
        connecting = opened.tcpEnd - opened.connectStart;
        tls = opened.tlsEnd - opened.tcpEnd;
        blocked = opened.connectStart - h.start + (sendStart - opened.tlsEnd);
      } else {
        blocked = sendStart - h.start;
      }
      const sent = h.sent || sendStart;
      const firstByte = h.firstByte || (err ? sent : end);
      const sending = h.sendStart ? sent - sendStart : 0;
      const waiting = h.sendStart ? firstByte - sent : 0;
      const receiving = h.sendStart ? end - firstByte : 0;
      const [bytesSent, bytesReceived] = conn.takeBytes();
      const socket = conn.socket;
      resolve({
        status: err ? 0 : h.status,
        statusText: h.statusText,
        rawHeaders: h.rawHeaders,
        body: h.chunks.length === 1 ? h.chunks[0] : h.chunks.length === 0 ? EMPTY : Buffer.concat(h.chunks),
        timings: {
          blocked: Math.max(0, blocked),
          connecting,
          tls_handshaking: tls,
          sending,
          waiting,
          receiving,
          duration: sending + waiting + receiving,
        },
        error: err,
        endTime: Date.now(),
        bytesSent,
        bytesReceived,
        tlsVersion: socket ? conn.tlsVersion() : '',
        remoteAddress: socket?.remoteAddress ?? '',
        remotePort: socket?.remotePort ?? 0,
      });
    });
    if (req.timeoutMs > 0 && Number.isFinite(req.timeoutMs)) {
      handler.timer = setTimeout(
        () => handler.cancel(new RequestTimeoutError(`request timeout after ${req.timeoutMs}ms`)),
        req.timeoutMs,
      );
    }
    handler.removeInterrupt = req.onInterrupt((e) => handler.cancel(e));
    conn.client.dispatch(
      {
        method: req.method as Dispatcher.HttpMethod,
        path: req.path,
        headers: req.headers,
        body: req.body,
      },
      handler,
    );
  });
}
