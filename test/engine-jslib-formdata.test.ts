// test-tier: unit
// jslib's formdata library when jslib.k6.io cannot be reached: the engine's own FormData, on both
// kinds of VU, against a local server that keeps the bytes it receives and parses them with a
// real multipart parser (undici's, behind Response.formData()). The expected bytes are what the
// published files (github.com/grafana/jslib.k6.io, lib/formdata/0.0.1 and 0.0.2) send.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import {
  assertOfflineRun,
  freshModuleCache,
  runOnBothKinds,
  startServer,
  tempDir,
} from './engine-fixtures.ts';

process.env[NO_DOWNLOAD_ENV] = '1';
const files = tempDir();
const received: Buffer[] = [];
let server: Awaited<ReturnType<typeof startServer>>;
const FORMDATA = (v: string) => `https://jslib.k6.io/formdata/${v}/index.js`;
/** Every byte value once: a file part must arrive byte for byte. */
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

before(async () => {
  files.write('logo.bin', BINARY);
  server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      received.push(body);
      // The parts as a multipart parser reads them: [name, text] or [name, filename, type, hex].
      const form = await new Response(body, {
        headers: { 'content-type': String(req.headers['content-type']) },
      }).formData();
      const parts: unknown[] = [];
      for (const [name, value] of form) {
        if (typeof value === 'string') parts.push([name, value]);
        else
          parts.push([name, value.name, value.type, Buffer.from(await value.arrayBuffer()).toString('hex')]);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: req.headers['content-type'], parts }));
    });
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

const moduleCache = () => freshModuleCache(files.dir);

/** The multipart body the published files build for `parts` ([head lines, data]) and `boundary`. */
function multipart(boundary: string, parts: Array<[string, Buffer | string]>): Buffer {
  const chunks: Buffer[] = [];
  for (const [head, data] of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`, 'latin1'));
    chunks.push(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/**
 * Runs `source` (a k6 script importing formdata `version`; FN and AWAIT as runOnBothKinds takes
 * them) on both kinds of VU, each run with `checks` checks that all pass, and checks that each
 * run's body is `parts` exactly.
 */
async function uploads(
  version: string,
  source: string,
  checks: number,
  parts: Array<[string, Buffer | string]>,
) {
  received.length = 0;
  const runs = await runOnBothKinds(files, `formdata-${version}`, source, {
    env: { URL: `${server.url}/upload` },
    moduleCache: moduleCache(),
  });
  for (const [kind, r] of Object.entries(runs)) assertOfflineRun(r, checks, `formdata ${version}`, kind);
  assert.equal(received.length, 2);
  for (const body of received) {
    const boundary = /^--(\S+)\r\n/.exec(body.toString('latin1'))?.[1] ?? '';
    assert.equal(body.toString('hex'), multipart(boundary, parts).toString('hex'));
  }
}

describe('formdata offline', () => {
  test('0.0.2: text, http.file(), file objects and arrays arrive as the published FormData sends them', async () => {
    await uploads(
      '0.0.2',
      `import http from 'k6/http';
import { check } from 'k6';
import { FormData } from '${FORMDATA('0.0.2')}';
import formdata from '${FORMDATA('0.0.2')}';
const logo = open('./logo.bin', 'b');
export const options = { iterations: 1 };
export default FN () {
  const fd = new FormData();
  fd.append('text', 'h\\u00e9llo \\u20ac');
  fd.append('logo', http.file(logo, 'logo.png', 'image/png'));
  fd.append('csv', { data: new Uint8Array([0x61, 0x2c, 0x62]).buffer, filename: 'a"b.csv', content_type: 'text/csv' });
  fd.append('array', { data: [65, 66, 256 + 67] });
  let arity = '';
  try { fd.append('alone'); } catch (e) { arity = e.name + ': ' + e.message; }
  const body = fd.body();
  const res = AWAIT http.post(__ENV.URL, body, { headers: { 'Content-Type': 'multipart/form-data; boundary=' + fd.boundary } });
  const seen = res.json();
  check(seen, {
    'the boundary is the published prefix and a random base-36 number': () => /^------RWWorkerFormDataBoundary0\\.[0-9a-z]+$/.test(fd.boundary),
    'body() is an ArrayBuffer': () => body instanceof ArrayBuffer && body.byteLength > 256,
    // One byte per character, not UTF-8: the parser, reading UTF-8, finds two bad bytes.
    'a text field': (s) => JSON.stringify(s.parts[0]) === JSON.stringify(['text', 'h\\ufffdllo \\ufffd']),
    'an http.file() part': (s) => s.parts[1][1] === 'logo.png' && s.parts[1][2] === 'image/png' && s.parts[1][3].length === 512,
    // Sent as a%22b.csv (the bytes are checked below), which the parser reads back as a"b.csv.
    'a file object part': (s) => JSON.stringify(s.parts[2]) === JSON.stringify(['csv', 'a"b.csv', 'text/csv', '612c62']),
    'an array part is a field without a file name': (s) => JSON.stringify(s.parts[3]) === JSON.stringify(['array', 'ABC']),
    'append() with one argument': () => arity === 'SyntaxError: Not enough arguments',
    'FormData() without new': () => FormData() instanceof FormData && FormData().parts.length === 0,
    'the default import is the exports object': () => formdata.FormData === FormData,
    'two forms, two boundaries': () => new FormData().boundary !== new FormData().boundary,
  });
}`,
      10,
      [
        ['Content-Disposition: form-data; name="text"\r\nContent-Type: text/plain', 'h\u00e9llo \u00ac'],
        [
          'Content-Disposition: form-data; name="logo"; filename="logo.png"\r\nContent-Type: image/png',
          BINARY,
        ],
        ['Content-Disposition: form-data; name="csv"; filename="a%22b.csv"\r\nContent-Type: text/csv', 'a,b'],
        ['Content-Disposition: form-data; name="array"\r\nContent-Type: application/octet-stream', 'ABC'],
      ],
    );
  });

  test('0.0.1 takes file objects only: a string appended there is an empty octet-stream part', async () => {
    await uploads(
      '0.0.1',
      `import http from 'k6/http';
import { check } from 'k6';
import { FormData } from '${FORMDATA('0.0.1')}';
export const options = { iterations: 1 };
export default FN () {
  const fd = new FormData();
  fd.append('note', 'dropped by 0.0.1');
  fd.append('file', http.file('text, as a file', 'note.txt', 'text/plain'));
  const res = AWAIT http.post(__ENV.URL, fd.body(), { headers: { 'Content-Type': 'multipart/form-data; boundary=' + fd.boundary } });
  check(res.json(), {
    'the string part is empty': (s) => JSON.stringify(s.parts[0]) === JSON.stringify(['note', '']),
    'the file part': (s) => s.parts[1][1] === 'note.txt' && s.parts[1][2] === 'text/plain',
  });
}`,
      2,
      [
        ['Content-Disposition: form-data; name="note"\r\nContent-Type: application/octet-stream', ''],
        [
          'Content-Disposition: form-data; name="file"; filename="note.txt"\r\nContent-Type: text/plain',
          'text, as a file',
        ],
      ],
    );
  });
});
