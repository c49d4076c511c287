// totp (https://jslib.k6.io/totp/1.0.0/index.js) offline: time-based one-time passwords (RFC 6238,
// HMAC-SHA-1). Written from k6's documentation of the library (javascript-api/jslib/totp) and from
// what the published file (github.com/grafana/jslib.k6.io, lib/totp/1.0.0) computes, not from its
// code. That file is what k6 runs, so its key handling is kept where it departs from RFC 4648:
// - each secret character is its index in the base32 alphabet as 5 bits ('=' and other characters
//   outside it give -1, written as "-1"), the bits are read 4 at a time as hex digits, and the hex
//   number is the key: leading zero bytes of the secret are dropped, and a secret with '='
//   padding gives another key than the standard decoding;
// - the counter is the 30-second (or `timeStep`) window number, minus `offset` seconds, in the
//   last 4 bytes of an 8-byte big-endian block.
import { webcrypto } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The secret as the published file reads it: a hex string (see the file comment). */
function secretHex(secret: string): string {
  let bits = '';
  for (let i = 0; i < secret.length; i++) {
    bits += ALPHABET.indexOf(secret.charAt(i).toUpperCase()).toString(2).padStart(5, '0');
  }
  let hex = '';
  for (let i = 0; i + 4 <= bits.length; i += 4) hex += Number.parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex;
}

/** The key bytes: the hex number, big-endian, without leading zero bytes (BigInt throws on no digits, as there). */
function keyBytes(secret: string): Buffer {
  let n = BigInt(`0x${secretHex(secret)}`);
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.push(Number(n % 256n));
    n /= 256n;
  }
  return Buffer.from(bytes.reverse());
}

/** `digits` digits of the HMAC's dynamic truncation (RFC 4226 section 5.3), zero-padded. */
function truncate(mac: Buffer, digits: number): string {
  const at = mac[mac.length - 1] & 15;
  const code =
    ((mac[at] & 127) << 24) | ((mac[at + 1] & 255) << 16) | ((mac[at + 2] & 255) << 8) | (mac[at + 3] & 255);
  return (code % 10 ** digits).toString().padStart(digits, '0');
}

export class TOTP {
  key: string;
  digits: number;

  constructor(key: string, digits = 6) {
    this.key = key;
    this.digits = digits;
  }

  /**
   * The code of the current window, through WebCrypto's HMAC as the published file computes it
   * (so a secret that gives an empty key is rejected there as here).
   */
  async gen(timeStep = 30, offset = 0): Promise<string> {
    const counter = Buffer.alloc(8);
    counter.writeUInt32BE(Math.floor((Date.now() / 1000 - offset) / timeStep) >>> 0, 4);
    const key = await webcrypto.subtle.importKey(
      'raw',
      keyBytes(this.key),
      { name: 'HMAC', hash: { name: 'SHA-1' } },
      false,
      ['sign'],
    );
    return truncate(Buffer.from(await webcrypto.subtle.sign('HMAC', key, counter)), this.digits);
  }

  /** Whether `code` is the current window's code (compared as the published file does: ===). */
  async verify(code: unknown, timeStep = 30): Promise<boolean> {
    return code === (await this.gen(timeStep));
  }
}
