// test-tier: unit
// jslib's totp library when jslib.k6.io cannot be reached: codes as RFC 6238 defines them (checked
// against Node's own HMAC here), with the published file's key handling (github.com/grafana/
// jslib.k6.io, lib/totp/1.0.0): leading zero bytes of the secret dropped, '=' padding refused.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import { offlineLines, run, startBodyServer, tempDir } from './engine-fixtures.ts';

process.env[NO_DOWNLOAD_ENV] = '1';
const files = tempDir();
let server: Awaited<ReturnType<typeof startBodyServer>>;

before(async () => {
  server = await startBodyServer();
});
after(async () => {
  await server.close();
  files.cleanup();
});

/** RFC 6238's code for `key` at `ms`, `digits` long, `step` seconds per window. */
function rfcCode(key: Buffer, ms: number, digits: number, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeUInt32BE(Math.floor(ms / 1000 / step), 4);
  const mac = createHmac('sha1', key).update(counter).digest();
  const at = mac[19] & 15;
  return String((mac.readUInt32BE(at) % 2 ** 31) % 10 ** digits).padStart(digits, '0');
}

test('totp 1.0.0 offline: RFC 6238 codes with the published key handling', async () => {
  const r = await run({
    script: files.write(
      'totp.js',
      `import http from 'k6/http';
import { TOTP } from 'https://jslib.k6.io/totp/1.0.0/index.js';
export const options = { iterations: 1 };
export default async function () {
  const t0 = Date.now();
  const rfc = await new TOTP('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 8).gen(60);
  const zeros = await new TOTP('AAAAAAAAGEZDGNBV').gen();
  const t1 = Date.now();
  const totp = new TOTP('jbswy3dpehpk3pxp');
  const code = await totp.gen();
  const verified = await totp.verify(code);
  const asNumber = await totp.verify(Number(code));
  let padded = '';
  try { await new TOTP('GEZDGNBVGY3TQOJQ====').gen(); } catch (e) { padded = e.name; }
  await http.post(__ENV.URL, JSON.stringify({ t0, t1, rfc, zeros, code, verified, asNumber, padded, digits: totp.digits }));
}`,
    ),
    env: { URL: server.url },
    moduleCache: `${files.dir}/modules`,
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(server.bodies.length, 1, r.stderr);
  const seen = JSON.parse(server.bodies[0]) as Record<string, number | string | boolean>;
  const at = (key: Buffer, digits: number, step: number) =>
    new Set([rfcCode(key, seen.t0 as number, digits, step), rfcCode(key, seen.t1 as number, digits, step)]);
  // The RFC's SHA-1 secret: "12345678901234567890" in base32.
  assert.ok(at(Buffer.from('12345678901234567890'), 8, 60).has(seen.rfc as string), JSON.stringify(seen));
  // Five zero bytes and "12345": the published file keys the HMAC with "12345" alone.
  assert.ok(at(Buffer.from('12345'), 6, 30).has(seen.zeros as string), JSON.stringify(seen));
  assert.match(seen.code as string, /^\d{6}$/);
  assert.equal(seen.digits, 6);
  assert.equal(seen.verified, true);
  assert.equal(seen.asNumber, false, 'verify() compares with ===: a number is never the code');
  assert.equal(seen.padded, 'SyntaxError');
  assert.equal(offlineLines(r.stderr, 'totp 1.0.0').length, 1, r.stderr);
});
