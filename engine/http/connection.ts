// One VU's keep-alive connection to one origin: an undici Client (a single socket, no pipelining)
// whose connector records when the TCP connect and the TLS handshake ended, so that only the
// request that opened the connection carries their cost (k6's connecting/tls_handshaking). It
// also keeps the requests in flight on it, so that they can be cancelled (interrupted iteration,
// k6's `timeout`) with one timer per connection instead of one per request.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { buildConnector, Client } from 'undici';

export interface OpenedConnection {
  connectStart: number;
  tcpEnd: number;
  tlsEnd: number;
}

export interface ConnectionOptions {
  rejectUnauthorized: boolean;
  ca?: string[];
  cert?: string;
  key?: string;
  passphrase?: string;
  servername?: string;
}

/** A request in flight on a connection, as far as cancelling it goes (send.ts implements it). */
export interface InFlight {
  /** performance.now() after which the request is cancelled with `timeoutError()`; Infinity for none. */
  readonly deadline: number;
  cancel(err: Error): void;
  timeoutError(): Error;
}

export class Connection {
  readonly client: Client;
  /** Set when a socket was just opened; taken by the request that is sent on it first. */
  opened: OpenedConnection | null = null;
  /** The socket opened last (its byte counters and address describe the last request). */
  socket: Socket | null = null;
  /** Bytes written and read on `socket` that earlier requests have been charged with. */
  written = 0;
  read = 0;
  /** k6's tls_version tag of `socket` ('' for plain HTTP), and its peer. */
  tlsVersion = '';
  remoteAddress = '';
  remotePort = 0;
  private readonly inflight: InFlight[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(origin: string, options: ConnectionOptions) {
    const base = buildConnector({
      rejectUnauthorized: options.rejectUnauthorized,
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      passphrase: options.passphrase,
      servername: options.servername,
      timeout: 10_000,
    } as buildConnector.BuildOptions);
    const secure = origin.startsWith('https:');
    this.client = new Client(origin, {
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (opts, callback) => {
        const timing: OpenedConnection = { connectStart: performance.now(), tcpEnd: 0, tlsEnd: 0 };
        const socket = base(opts, (err, sock) => {
          if (!err && sock) {
            const now = performance.now();
            if (timing.tcpEnd === 0) timing.tcpEnd = now;
            timing.tlsEnd = secure ? now : timing.tcpEnd;
            this.socketOpened(sock as Socket, timing);
          }
          (callback as (e: Error | null, s: unknown) => void)(err, sock);
        }) as unknown as Socket;
        socket.once('connect', () => {
          if (timing.tcpEnd === 0) timing.tcpEnd = performance.now();
        });
        return socket as never;
      },
    });
  }

  /** Starts tracking a request: it can now be cancelled, and its deadline is watched. */
  track(req: InFlight): void {
    this.inflight.push(req);
    if (req.deadline < this.timerAt) this.armTimer(req.deadline);
  }

  untrack(req: InFlight): void {
    const list = this.inflight;
    const i = list.indexOf(req);
    if (i === list.length - 1) list.pop();
    else if (i >= 0) list.splice(i, 1);
  }

  /** Ends every request in flight on this connection. */
  cancelAll(err: Error): void {
    for (const req of this.inflight.slice()) req.cancel(err);
  }

  close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    return this.client.destroy().catch(() => {});
  }

  private socketOpened(sock: Socket, timing: OpenedConnection): void {
    this.socket = sock;
    this.written = 0;
    this.read = 0;
    const protocol = (sock as TLSSocket).getProtocol?.();
    this.tlsVersion = protocol ? protocol.replace(/^TLSv/, 'tls').replace(/^tls1$/, 'tls1.0') : '';
    this.remoteAddress = sock.remoteAddress ?? '';
    this.remotePort = sock.remotePort ?? 0;
    this.opened = timing;
  }

  private armTimer(at: number): void {
    if (at === Number.POSITIVE_INFINITY) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.checkDeadlines(), Math.max(0, at - performance.now()) + 1);
    this.timer.unref();
  }

  /** One timer per connection: requests only move the deadline earlier, the timer re-arms itself. */
  private checkDeadlines(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const req of this.inflight.slice()) {
      if (req.deadline <= now) req.cancel(req.timeoutError());
      else if (req.deadline < soonest) soonest = req.deadline;
    }
    this.armTimer(soonest);
  }
}
