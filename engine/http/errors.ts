// k6's error codes and messages for failed requests (status 0), from the error's Node/undici code.
// k6 error code table: 1000 generic, 1020 invalid URL, 1050 request timeout, 1100 DNS, 1101 no IP
// for host, 1200 TCP, 1201 broken pipe, 1210 dial error, 1211 dial timeout, 1212 connection refused,
// 1220 reset by peer, 1300 TLS, 1310 unknown authority, 1311 hostname mismatch; ≥400 → 1000+status.

export interface RequestFailure {
  /** k6's message for the code (res.error, the `error` tag): grafana/k6 lib/netext/httpext/error_codes.go. */
  error: string;
  code: number;
  /** Go's own error text, which k6 logs ("Request Failed") and throws (`throw: true`). */
  detail: string;
}

export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
}

/** blockHostnames matched the host a request was about to connect to (k6 error code 1111). */
export class BlockedHostnameError extends Error {
  override name = 'BlockedHostnameError';
  constructor(
    readonly pattern: string,
    readonly host: string,
  ) {
    super(`hostname (${host}) is in a blocked pattern (${pattern})`);
  }
}

/** blacklistIPs holds the address a request was about to connect to (k6 error code 1110). */
export class BlacklistedIPError extends Error {
  override name = 'BlacklistedIPError';
  constructor(ip: string, range: string) {
    super(`IP (${ip}) is in a blacklisted range (${range})`);
  }
}

/** The proxy refused or failed the CONNECT of an https:// request. */
export class ProxyConnectError extends Error {
  override name = 'ProxyConnectError';
}

const CERT_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

export function requestFailure(err: unknown, host: string): RequestFailure {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const hostname = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const same = (error: string, c: number): RequestFailure => ({ error, code: c, detail: error });
  if (err instanceof RequestTimeoutError) return same('request timeout', 1050);
  if (err instanceof BlockedHostnameError)
    return { error: 'hostname is blocked', code: 1111, detail: err.message };
  if (err instanceof BlacklistedIPError)
    return { error: 'ip is blacklisted', code: 1110, detail: err.message };
  if (err instanceof ProxyConnectError) return same(`proxyconnect tcp: ${err.message}`, 1000);
  switch (code) {
    case 'ECONNREFUSED':
      return {
        error: 'dial: connection refused',
        code: 1212,
        detail: `dial tcp ${host}: connect: connection refused`,
      };
    case 'ENOTFOUND':
      return {
        error: 'lookup: no such host',
        code: 1101,
        detail: `dial tcp: lookup ${hostname}: no such host`,
      };
    case 'EAI_AGAIN':
      return same(`lookup ${hostname}: temporary failure in name resolution`, 1100);
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { error: 'dial: i/o timeout', code: 1211, detail: `dial tcp ${host}: i/o timeout` };
    case 'ECONNRESET':
      return {
        error: 'read: connection reset by peer',
        code: 1220,
        detail: `read tcp ${host}: read: connection reset by peer`,
      };
    case 'EPIPE':
      return { error: 'write: broken pipe', code: 1201, detail: `write tcp ${host}: write: broken pipe` };
    case 'EHOSTUNREACH':
      return {
        error: 'dial: unknown errno 113 error with msg `no route to host`',
        code: 1213,
        detail: `dial tcp ${host}: connect: no route to host`,
      };
    case 'ENETUNREACH':
      return {
        error: 'dial: unknown errno 101 error with msg `network is unreachable`',
        code: 1213,
        detail: `dial tcp ${host}: connect: network is unreachable`,
      };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        error: "x509: certificate doesn't match hostname",
        code: 1311,
        detail: `tls: failed to verify certificate: x509: certificate is not valid for ${hostname}: ${e.message}`,
      };
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      // Go's transport reports a connection closed before the response as io.EOF.
      return same('EOF', 1000);
  }
  if (CERT_AUTHORITY.has(code)) {
    return {
      error: 'x509: unknown authority',
      code: 1310,
      detail: `tls: failed to verify certificate: x509: certificate signed by unknown authority (${code})`,
    };
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))
    return same(`tls: ${e.message ?? code}`, 1300);
  return same(e.message ?? String(err), 1000);
}
