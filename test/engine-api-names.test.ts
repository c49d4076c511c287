// test-tier: unit
// Keeps the names table of engine/README.md ("Every name k6 documents") true: every supported
// name is looked up by a script on each kind of VU, every refused module and member is used and
// must stop the script with its sentence.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { MODULES } from '../engine/loader/register.ts';
import { count, run, selfSignedCert, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
files.write('data.csv', 'a,b\n1,2\n');
let server: Awaited<ReturnType<typeof startServer>>;
/** Over TLS, for the members refused only there (Response.ocsp). */
let tlsServer: TlsServer;
let tlsUrl: string;
before(async () => {
  server = await startServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<html><body><form><input name="a" value="1"></form><a href="/">x</a></body></html>');
  });
  selfSignedCert(files.dir, 'tls-', '127.0.0.1', 'IP:127.0.0.1');
  tlsServer = createTlsServer(
    {
      key: readFileSync(join(files.dir, 'tls-key.pem')),
      cert: readFileSync(join(files.dir, 'tls-cert.pem')),
    },
    (_req, res) => res.end('secure'),
  );
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/`;
});
after(async () => {
  await server.close();
  await new Promise((r) => tlsServer.close(r));
  files.cleanup();
});

type Status = 'supported' | 'refused';

interface Row {
  /** `k6/http`, `k6/http Response`, `globals`, `import.meta`. */
  where: string;
  module: string;
  names: string[];
  status: Status;
  sync: Status;
}

function rows(): Row[] {
  const readme = readFileSync(new URL('../engine/README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('<!-- api:start -->');
  assert.ok(start >= 0, 'engine/README.md has no names table');
  const table = readme.slice(start, readme.indexOf('<!-- api:end -->'));
  return table
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| where') && !l.startsWith('| ---'))
    .map((l) => {
      const [where, names, status, sync] = l
        .split('|')
        .slice(1, 5)
        .map((c) => c.trim());
      for (const s of [status, sync]) assert.ok(s === 'supported' || s === 'refused', `${where}: "${s}"`);
      const plain = where.replaceAll('`', '');
      return {
        where: plain,
        module: plain.split(' ')[0],
        names: [...names.matchAll(/`([^`]+)`/g)].map((m) => m[1]),
        status: status as Status,
        sync: sync as Status,
      };
    });
}

const ROWS = rows();
const instanceOf = (r: Row) => r.where.includes(' ');
const isModule = (r: Row) => r.module.startsWith('k6');

/**
 * One script that looks up every supported name of `kind` and logs the missing ones as
 * `MISSING [...]`; each `where` is a module namespace (then its default export), an object of
 * that module (a response, a jar, a selection …), the global object or import.meta.
 */
function lookupScript(sync: boolean): string {
  const supported = ROWS.filter((r) => (sync ? r.sync : r.status) === 'supported');
  const modules = [...new Set(supported.filter(isModule).map((r) => r.module))];
  const imports = modules.map((m, i) => `import * as M${i} from '${m}';`);
  const wanted = supported.map((r) => [r.where, r.names]);
  const a = sync ? '' : 'await ';
  return `${imports.join('\n')}
import { open as fsOpen } from 'k6/experimental/fs';
import http from 'k6/http';
import { parseHTML } from 'k6/html';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
import { createHash } from 'k6/crypto';
const file = await fsOpen('./data.csv');
const metrics = { Counter: new Counter('cc'), Gauge: new Gauge('gg'), Rate: new Rate('rr'), Trend: new Trend('tt') };
const namespaces = { ${modules.map((m, i) => `'${m}': M${i}`).join(', ')} };
export const options = { iterations: 1 };
export default ${sync ? '' : 'async '}function () {
  const res = ${a}http.get('${server.url}/');
  const selection = parseHTML('<div><p id="a" class="x">t</p></div>').find('p');
  const subjects = {
    'k6/http Response': res,
    'k6/http CookieJar': http.cookieJar(),
    'k6/html Selection': selection,
    'k6/html Element': selection.get(0),
    'k6/crypto Hasher': createHash('md5'),
    'k6/experimental/fs File': file,
    'k6/metrics Counter': metrics.Counter,
    'k6/metrics Gauge': metrics.Gauge,
    'k6/metrics Rate': metrics.Rate,
    'k6/metrics Trend': metrics.Trend,
    globals: globalThis,
    'import.meta': { resolve: import.meta.resolve },
  };
  const at = (o, path) => path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), o);
  const missing = [];
  for (const [where, names] of ${JSON.stringify(wanted)}) {
    const ns = namespaces[where];
    for (const name of names) {
      const value = ns ? (at(ns, name) ?? at(ns.default, name)) : at(subjects[where], name);
      if (value === undefined) missing.push(where + ' ' + name);
    }
  }
  console.log('MISSING ' + JSON.stringify(missing));
}
`;
}

describe('engine/README.md names table', () => {
  test('has a row for every module the engine supports', () => {
    const listed = new Set(ROWS.filter((r) => r.status === 'supported').map((r) => r.module));
    for (const m of Object.keys(MODULES).filter((m) => !m.includes('x-engine')))
      assert.ok(listed.has(m), `${m} is supported but has no row in the names table`);
  });

  for (const sync of [false, true]) {
    test(`every supported name is there on ${sync ? 'synchronous' : 'async'} VUs`, async () => {
      const r = await run({
        syncVus: sync,
        script: files.write(`${sync ? 'sync' : 'async'}-names.js`, lookupScript(sync)),
      });
      assert.equal(r.exitCode, 0, r.stderr);
      const line = /MISSING (\[.*?\])" source=console/.exec(r.stderr);
      assert.ok(line, r.stderr);
      assert.deepEqual(JSON.parse(JSON.parse(`"${line[1]}"`)), []);
    });
  }

  test('every refused module stops the script with its sentence', async () => {
    const refused = ROWS.filter((r) => r.status === 'refused' && !instanceOf(r));
    assert.ok(refused.length > 0);
    // The module table's test runs each refused module on both kinds of VU; here every module of
    // this table is imported once and must give the engine's refusal, naming it.
    const script = files.write(
      'refused-modules.js',
      `export const options = { iterations: 1 };
       export default async function () {
         for (const m of ${JSON.stringify(refused.map((r) => r.module))}) {
           try { await import(m); console.log('LOADED ' + m); }
           catch (e) { console.log('REFUSED ' + m + ': ' + e.message); }
         }
       }`,
    );
    const r = await run({ script });
    for (const row of refused) {
      assert.ok(!r.stderr.includes(`LOADED ${row.module}`), row.module);
      const line = r.stderr.split('\n').find((l) => l.includes(`REFUSED ${row.module}:`));
      assert.ok(line, `${row.module}: ${r.stderr}`);
      assert.match(line, /not supported by the node engine|cannot load extensions/, row.module);
      assert.match(line, /--engine k6/, row.module);
    }
    for (const row of refused) assert.equal(row.sync, 'refused', row.module);
    const table = readFileSync(new URL('../engine/README.md', import.meta.url), 'utf8');
    for (const row of refused.filter((r) => !r.module.startsWith('k6/x/')))
      assert.match(table, new RegExp(`\\| \`${row.module}\`\\s+\\| error\\s+\\| error`), row.module);
  });

  for (const sync of [false, true]) {
    test(`every refused member stops the script with its sentence on ${sync ? 'synchronous' : 'async'} VUs`, async () => {
      const members = ROWS.filter((r) => instanceOf(r) && (sync ? r.sync : r.status) === 'refused');
      assert.ok(members.length > 0);
      for (const row of members) {
        assert.equal(row.where, 'k6/http Response', `no script for ${row.where}: add one to this test`);
        for (const name of row.names) {
          const a = sync ? '' : 'await ';
          const r = await run({
            syncVus: sync,
            script: files.write(
              `${sync ? 'sync' : 'async'}-${name}.js`,
              `import http from 'k6/http';
               export const options = { iterations: 1, insecureSkipTLSVerify: true };
               export default ${sync ? '' : 'async '}function () {
                 const res = ${a}http.get('${tlsUrl}');
                 if (res.status !== 200) throw new Error('no answer over TLS: ' + res.error);
                 console.log('VALUE ' + JSON.stringify(res.${name}));
               }`,
            ),
          });
          assert.ok(!r.stderr.includes('VALUE'), `${name} gave a value: ${r.stderr}`);
          assert.match(
            r.stderr,
            new RegExp(`Response\\.${name}.*not supported by the node engine`),
            r.stderr,
          );
          assert.match(r.stderr, /--engine k6/, r.stderr);
        }
      }
    });
  }

  for (const sync of [false, true]) {
    test(`import.meta.resolve() gives the plain file URL next to its module, which open() and fs.open() read (${sync ? 'synchronous' : 'async'} VUs)`, async () => {
      mkdirSync(join(files.dir, 'lib'), { recursive: true });
      files.write('lib/next-to-lib.txt', 'beside the library');
      files.write(
        'lib/reader.js',
        `export const url = import.meta.resolve('./next-to-lib.txt');
         export const text = open(url);`,
      );
      const kind = sync ? 'sync' : 'async';
      const script = files.write(
        `meta-${kind}.js`,
        `import { check } from 'k6';
         import { open as fsOpen } from 'k6/experimental/fs';
         import { url, text } from './lib/reader.js';
         const csv = await fsOpen(import.meta.resolve('./data.csv'));
         export const options = { iterations: 1 };
         export default ${sync ? '' : 'async '}function () {
           check(url, { 'plain URL': (u) => u === ${JSON.stringify(pathToFileURL(join(files.dir, 'lib/next-to-lib.txt')).href)} });
           check(text, { 'open() read it': (t) => t === 'beside the library' });
           check(csv, { 'fs.open() read it': (f) => f !== undefined });
         }`,
      );
      const r = await run({ syncVus: sync, script });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(
        count(r.samples, 'checks', (s) => s.value === 1),
        3,
        r.stderr,
      );
    });
  }
});
