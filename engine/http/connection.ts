// One VU's keep-alive connection to one origin: an undici Client (a single socket, no pipelining)
// whose connector records when the TCP connect and the TLS handshake ended, so that only the
// request that opened the connection carries their cost (k6's connecting/tls_handshaking).
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

export class Connection {
  readonly client: Client;
  /** Set when a socket was just opened; taken by the request that is sent on it first. */
  opened: OpenedConnection | null = null;
  socket: Socket | null = null;
  private written = 0;
  private read = 0;

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
            this.socket = sock as Socket;
            this.written = 0;
            this.read = 0;
            this.opened = timing;
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

  /** Bytes written and read on the socket since the last call. */
  takeBytes(): [number, number] {
    const s = this.socket;
    if (!s) return [0, 0];
    const w = s.bytesWritten;
    const r = s.bytesRead;
    const out: [number, number] = [w - this.written, r - this.read];
    this.written = w;
    this.read = r;
    return out;
  }

  tlsVersion(): string {
    const protocol = (this.socket as TLSSocket | null)?.getProtocol?.();
    return protocol ? protocol.replace(/^TLSv/, 'tls').replace(/^tls1$/, 'tls1.0') : '';
  }

  close(): Promise<void> {
    return this.client.destroy().catch(() => {});
  }
}
