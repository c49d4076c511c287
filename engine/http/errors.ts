// k6's error codes and messages for failed requests (status 0), from the error's Node/undici code.
// k6 error code table: 1000 generic, 1020 invalid URL, 1050 request timeout, 1100 DNS, 1101 no IP
// for host, 1200 TCP, 1201 broken pipe, 1210 dial error, 1211 dial timeout, 1212 connection refused,
// 1220 reset by peer, 1300 TLS, 1310 unknown authority, 1311 hostname mismatch; ≥400 → 1000+status.

export interface RequestFailure {
  error: string;
  code: number;
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

export function requestFailure(err: unknown, host: string, method: string, url: string): RequestFailure {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const target = `${method} "${url}"`;
  if (err instanceof RequestTimeoutError) return { error: `request timeout`, code: 1050 };
  if (err instanceof BlockedHostnameError) return { error: err.message, code: 1111 };
  if (err instanceof BlacklistedIPError) return { error: err.message, code: 1110 };
  if (err instanceof ProxyConnectError) return { error: `proxyconnect tcp: ${err.message}`, code: 1000 };
  switch (code) {
    case 'ECONNREFUSED':
      return { error: `dial tcp ${host}: connect: connection refused`, code: 1212 };
    case 'ENOTFOUND':
      return { error: `lookup ${host}: no such host`, code: 1101 };
    case 'EAI_AGAIN':
      return { error: `lookup ${host}: temporary failure in name resolution`, code: 1100 };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { error: `dial tcp ${host}: i/o timeout`, code: 1211 };
    case 'ECONNRESET':
      return { error: `read tcp ${host}: connection reset by peer`, code: 1220 };
    case 'EPIPE':
      return { error: `write tcp ${host}: broken pipe`, code: 1201 };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { error: `dial tcp ${host}: connect: no route to host`, code: 1210 };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { error: `x509: certificate is not valid for ${host}: ${e.message}`, code: 1311 };
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { error: `${target}: EOF`, code: 1000 };
  }
  if (CERT_AUTHORITY.has(code)) {
    return { error: `x509: certificate signed by unknown authority (${code})`, code: 1310 };
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
    return { error: `tls: ${e.message ?? code}`, code: 1300 };
  }
  return { error: `${target}: ${e.message ?? String(err)}`, code: 1000 };
}
