// Benchmark-only network jail for `bench/corpus.ts`, loaded into the engine with
// `NODE_OPTIONS=--import <this file>` (main thread and worker threads alike): every outgoing TCP
// connection to a host name or a loopback address, on any port, goes to the corpus mock: a TLS
// socket to 127.0.0.1:$CORPUS_MOCK_TLS_PORT, any other to 127.0.0.1:$CORPUS_MOCK_PORT, so public
// scripts run unchanged against their usual targets without a packet leaving the machine. A
// connection to a non-loopback IP address is refused, never sent. Names under the reserved
// `.invalid` top-level domain fail to resolve, as they do everywhere.
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';

function portFrom(name) {
  const port = Number(process.env[name]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`corpus preload: ${name} is not set to the mock's port`);
  }
  return port;
}
const port = portFrom('CORPUS_MOCK_PORT');
const tlsPort = portFrom('CORPUS_MOCK_TLS_PORT');

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|0:0:0:0:0:0:0:1|::ffff:127\.\d+\.\d+\.\d+)$/i;

function notFound(hostname) {
  const err = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  err.code = 'ENOTFOUND';
  err.hostname = hostname;
  return err;
}

function fakeLookup(hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'object' && options !== null ? options : {};
  const name = String(hostname).replace(/\.$/, '').toLowerCase();
  if (name.endsWith('.invalid') || name === 'invalid') {
    process.nextTick(cb, notFound(hostname));
    return;
  }
  if (net.isIP(name) && !LOOPBACK.test(name)) {
    process.nextTick(cb, new Error(`corpus preload: refused to resolve the non-loopback address ${name}`));
    return;
  }
  if (opts.all) process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
  else process.nextTick(cb, null, '127.0.0.1', 4);
}

dns.lookup = fakeLookup;
dns.promises.lookup = (hostname, options) =>
  new Promise((resolve, reject) =>
    fakeLookup(hostname, options ?? {}, (err, address, family) => {
      if (err) reject(err);
      else resolve(Array.isArray(address) ? address : { address, family });
    }),
  );

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  const first = args[0];
  // net.connect() passes its normalized [options, callback] array, marked by an internal symbol.
  if (Array.isArray(first)) {
    const jailed = jail(this, first[0]);
    if (!jailed) return this;
    const copy = [jailed, first[1]];
    for (const key of Object.getOwnPropertySymbols(first)) copy[key] = first[key];
    return originalConnect.call(this, copy);
  }
  let options;
  let rest;
  if (typeof first === 'string') return originalConnect.apply(this, args);
  if (typeof first === 'object' && first !== null) {
    options = first;
    rest = args.slice(1);
  } else {
    options = { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
    rest = args.slice(typeof args[1] === 'string' ? 2 : 1);
  }
  const jailed = jail(this, options);
  return jailed ? originalConnect.call(this, jailed, ...rest) : this;
};

/** The options that reach the mock instead, or null once `socket` is failed (refused destination). */
function jail(socket, options) {
  if (options && typeof options.path === 'string') return options; // a Unix socket: not the network
  const host = String(options?.host ?? 'localhost').replace(/^\[|\]$/g, '');
  if (net.isIP(host) && !LOOPBACK.test(host)) {
    const err = new Error(`corpus preload: refused a connection to the non-loopback address ${host}`);
    err.code = 'ECONNREFUSED';
    process.nextTick(() => socket.destroy(err));
    return null;
  }
  const name = host.replace(/\.$/, '').toLowerCase();
  if (name.endsWith('.invalid') || name === 'invalid') {
    process.nextTick(() => socket.destroy(notFound(host)));
    return null;
  }
  // A copy: tls.connect checks the certificate against the name in its own options object.
  return {
    ...options,
    host: '127.0.0.1',
    port: socket instanceof tls.TLSSocket ? tlsPort : port,
    lookup: undefined,
  };
}
