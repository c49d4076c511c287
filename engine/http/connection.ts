// One VU's keep-alive connection to one origin: an undici Client (a single socket, no pipelining)
// whose connector records when the TCP connect and the TLS handshake ended, so that only the
// request that opened the connection carries their cost (k6's connecting/tls_handshaking). It
// also keeps the requests in flight on it, so that they can be cancelled (interrupted iteration,
// k6's `timeout`) with one timer per connection instead of one per request. A `Route` (route.ts)
// sends the socket elsewhere: a `hosts` address, or a proxy (CONNECT for https://).

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createRequire } from 'node:module';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { buildConnector, Client } from 'undici';
import { BlacklistedIPError, BlockedHostnameError, ProxyConnectError } from './errors.ts';
import type { Route } from './route.ts';

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
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

/** A request in flight on a connection, as far as cancelling it goes (send.ts implements it). */
export interface InFlight {
  /** performance.now() after which the request is cancelled with `timeoutError()`; Infinity for none. */
  readonly deadline: number;
  cancel(err: Error): void;
  timeoutError(): Error;
}

type Undici = { buildConnector: typeof buildConnector; Client: typeof Client };
let undici: Undici | null = null;
/**
 * undici, loaded when a script imports k6/http (its module on async VUs, the hub for synchronous
 * VUs; in the init context, before the test's clock runs), or else with the first connection: a
 * script that never imports k6/http does not pay its start-up (≈20 MB).
 */
export function loadUndici(): Undici {
  undici ??= createRequire(import.meta.url)('undici') as Undici;
  return undici;
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
  tlsCipherSuite = '';
  remoteAddress = '';
  remotePort = 0;
  private readonly inflight: InFlight[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  /** An http:// request through a proxy: the request line carries the absolute URL. */
  readonly absoluteForm: boolean;
  /** The Proxy-Authorization header such requests carry, or ''. */
  readonly proxyAuthorization: string;
  /** noConnectionReuse: every request asks the server to close the connection after it. */
  readonly reset: boolean;

  constructor(origin: string, options: ConnectionOptions, route: Route | null = null, reset = false) {
    this.absoluteForm = route?.absoluteForm === true;
    this.proxyAuthorization = route?.absoluteForm ? route.proxyAuthorization : '';
    this.reset = reset;
    const { buildConnector, Client } = loadUndici();
    const base = buildConnector({
      rejectUnauthorized: options.rejectUnauthorized,
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      passphrase: options.passphrase,
      servername: options.servername,
      ...(options.minVersion ? { minVersion: options.minVersion } : {}),
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
      timeout: 10_000,
      ...(route?.blacklisted ? { lookup: checkedLookup(route.blacklisted) } : {}),
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
        const done = callback as (e: Error | null, s: unknown) => void;
        if (route) {
          if (route.blockedBy !== null) {
            done(new BlockedHostnameError(route.blockedBy, opts.hostname), null);
            return undefined as never;
          }
          const range = route.blacklisted?.(route.dialHost) ?? null;
          if (range !== null) {
            done(new BlacklistedIPError(route.dialHost, range), null);
            return undefined as never;
          }
          const servername = isIP(opts.hostname) ? undefined : opts.hostname;
          if (route.tunnel !== null) {
            openTunnel(route, { ...tlsOf(options), servername }, timing, (err, sock) => {
              if (!err && sock) this.socketOpened(sock, timing);
              done(err, sock);
            });
            return undefined as never;
          }
          opts = { ...opts, hostname: route.dialHost, port: String(route.dialPort), servername };
        }
        const socket = base(opts, (err, sock) => {
          if (!err && sock) {
            const now = performance.now();
            if (timing.tcpEnd === 0) timing.tcpEnd = now;
            timing.tlsEnd = secure ? now : timing.tcpEnd;
            this.socketOpened(sock as Socket, timing);
          }
          done(err, sock);
        }) as unknown as Socket;
        socket.once('connect', () => {
          if (timing.tcpEnd === 0) timing.tcpEnd = performance.now();
        });
        return socket as never;
      },
    });
  }

  /** A request is on this connection (or waiting for it): another request needs another connection. */
  get busy(): boolean {
    return this.inflight.length > 0;
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
    this.tlsCipherSuite = protocol ? ((sock as TLSSocket).getCipher?.()?.standardName ?? '') : '';
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

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

/** DNS lookup that refuses addresses in blacklistIPs (names; literal addresses are checked before). */
function checkedLookup(blacklisted: (ip: string) => string | null) {
  return (host: string, options: object, callback: LookupCallback): void => {
    dnsLookup(
      host,
      options as never,
      ((err: Error | null, address: string | LookupAddress[], family?: number) => {
        if (err) return callback(err, address, family);
        const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
        for (const ip of all) {
          const range = blacklisted(ip);
          if (range !== null) return callback(new BlacklistedIPError(ip, range), address, family);
        }
        callback(null, address, family);
      }) as never,
    );
  };
}

/** What a TLS connection to the origin takes: the connection's options, with the name to verify. */
type TlsOptions = ConnectionOptions;

function tlsOf(o: ConnectionOptions): TlsOptions {
  const { rejectUnauthorized, ca, cert, key, passphrase, minVersion, maxVersion } = o;
  return {
    rejectUnauthorized,
    ca,
    cert,
    key,
    passphrase,
    ...(minVersion ? { minVersion } : {}),
    ...(maxVersion ? { maxVersion } : {}),
  };
}

const TUNNEL_TIMEOUT_MS = 10_000;
const MAX_PROXY_HEAD = 16 * 1024;

/**
 * An https:// origin through a proxy: TCP to the proxy, `CONNECT host:port`, then TLS with the
 * origin inside the tunnel. The CONNECT exchange counts as connecting, the handshake with the
 * origin as tls_handshaking.
 */
function openTunnel(
  route: Route,
  tls: TlsOptions,
  timing: OpenedConnection,
  done: (err: Error | null, sock: TLSSocket | null) => void,
): void {
  let finished = false;
  const finish = (err: Error | null, sock: TLSSocket | null) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    if (err) raw.destroy();
    done(err, sock);
  };
  const raw = tcpConnect({ host: route.dialHost, port: route.dialPort });
  raw.setNoDelay(true);
  const timer = setTimeout(
    () =>
      finish(
        new ProxyConnectError(`proxy ${route.dialHost}:${route.dialPort} did not answer CONNECT within 10s`),
        null,
      ),
    TUNNEL_TIMEOUT_MS,
  );
  raw.once('error', (err) => finish(err, null));
  raw.once('connect', () => {
    const auth = route.proxyAuthorization ? `Proxy-Authorization: ${route.proxyAuthorization}\r\n` : '';
    raw.write(`CONNECT ${route.tunnel} HTTP/1.1\r\nHost: ${route.tunnel}\r\n${auth}\r\n`);
  });
  let head: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_PROXY_HEAD)
        finish(new ProxyConnectError('the proxy sent an over-long answer to CONNECT'), null);
      return;
    }
    raw.off('data', onData);
    const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
    if (status !== 200) {
      finish(new ProxyConnectError(`proxy answered CONNECT ${route.tunnel} with "${statusLine}"`), null);
      return;
    }
    timing.tcpEnd = performance.now();
    const rest = head.subarray(end + 4);
    if (rest.length > 0) raw.unshift(rest);
    const secure = tlsConnect({ ...tls, socket: raw, ALPNProtocols: ['http/1.1'] });
    secure.once('error', (err) => finish(err, null));
    secure.once('secureConnect', () => {
      timing.tlsEnd = performance.now();
      secure.removeAllListeners('error');
      finish(null, secure);
    });
  };
  raw.on('data', onData);
}
