// HTTP Digest access authentication (RFC 7616, and RFC 2617 without qop), for `params.auth:
// 'digest'`: answers the server's 401 challenge with the credentials of the request URL.
import { createHash, randomBytes } from 'node:crypto';

const ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'MD5-SESS': 'md5',
  'SHA-256': 'sha256',
  'SHA-256-SESS': 'sha256',
  'SHA-512-256': 'sha512-256',
  'SHA-512-256-SESS': 'sha512-256',
};

/** The parameters of the first `Digest` challenge among WWW-Authenticate values, or null. */
export function digestChallenge(values: string[]): Record<string, string> | null {
  for (const value of values) {
    const m = /^\s*Digest\s+(.*)$/is.exec(value);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (const p of m[1].matchAll(/([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
      params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
    }
    if (params.nonce !== undefined) return params;
  }
  return null;
}

function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/** The Authorization header answering `challenge` for one request. */
export function digestAuthorization(
  challenge: Record<string, string>,
  user: string,
  password: string,
  method: string,
  uri: string,
): string {
  const algorithmName = (challenge.algorithm ?? 'MD5').toUpperCase();
  const algorithm = ALGORITHMS[algorithmName];
  if (!algorithm)
    throw new Error(`digest auth: the server asks for algorithm ${algorithmName}, which is not supported.`);
  const h = (s: string) => createHash(algorithm).update(s).digest('hex');
  const realm = challenge.realm ?? '';
  const nonce = challenge.nonce;
  const qops = (challenge.qop ?? '').split(',').map((q) => q.trim());
  const qop = qops.includes('auth') ? 'auth' : '';
  if (challenge.qop && !qop)
    throw new Error(`digest auth: the server asks for qop=${challenge.qop}, only "auth" is supported.`);
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  let ha1 = h(`${user}:${realm}:${password}`);
  if (algorithmName.endsWith('-SESS')) ha1 = h(`${ha1}:${nonce}:${cnonce}`);
  const ha2 = h(`${method}:${uri}`);
  const response = qop ? h(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : h(`${ha1}:${nonce}:${ha2}`);
  const parts = [
    `username=${quote(user)}`,
    `realm=${quote(realm)}`,
    `nonce=${quote(nonce)}`,
    `uri=${quote(uri)}`,
    `algorithm=${challenge.algorithm ?? 'MD5'}`,
    `response=${quote(response)}`,
  ];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
