// test-tier: unit
// Keeps the coverage table of engine/README.md true: every row is tried against the engine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { MODULES } from '../engine/loader/register.ts';
import { REMOVED_MODULES } from '../engine/loader/unsupported-module.ts';
import { count, run, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
before(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/remote.js') {
      res.end("export const remote = 'from the server';");
      return;
    }
    if (req.url === '/page') {
      res.end('<html><body><p class="x">hello</p></body></html>');
      return;
    }
    if (req.url === '/basic') {
      res.statusCode =
        req.headers.authorization === `Basic ${Buffer.from('u:p').toString('base64')}` ? 200 : 401;
      res.end();
      return;
    }
    if (req.url === '/digest') {
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Digest '))
        res.setHeader('WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth"');
      res.statusCode = /^Digest .*username="u".*response="[0-9a-f]{32}"/.test(auth) ? 200 : 401;
      res.end();
      return;
    }
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => res.end(body));
  });
});
after(async () => {
  await server.close();
  files.cleanup();
});

type Status = 'supported' | 'error';

interface Row {
  name: string;
  status: Status;
  /** On synchronous VUs (--sync-vus). */
  sync: Status;
}

function coverageRows(): Row[] {
  const readme = readFileSync(new URL('../engine/README.md', import.meta.url), 'utf8');
  const table = readme.slice(
    readme.indexOf('<!-- coverage:start -->'),
    readme.indexOf('<!-- coverage:end -->'),
  );
  return table
    .split('\n')
    .filter((l) => l.startsWith('| `') || l.startsWith('| object'))
    .map((l) => {
      const [name, status, sync] = l
        .split('|')
        .slice(1, 4)
        .map((c) => c.trim());
      for (const s of [status, sync])
        assert.ok(s === 'supported' || s === 'error', `row ${name}: status "${s}"`);
      return { name: name.replace(/^`([^`]*)`/, '$1'), status: status as Status, sync: sync as Status };
    });
}

const hostPort = () => server.url.replace('http://', '');

/** A script per non-module row: a check named "works" passes when the feature does as documented. */
function apiScript(name: string): { file: string; source: string; error?: RegExp } | null {
  const checkWorks = (expr: string) =>
    `import http from 'k6/http';\nimport { check } from 'k6';\nexport default async function () {\n  ${expr}\n}`;
  switch (name) {
    case 'Response.html()':
      return {
        file: 'html.js',
        source: checkWorks(
          `const res = await http.get('${server.url}/page'); check(res, { works: (r) => r.html('p.x').text() === 'hello' });`,
        ),
      };
    case "params.auth: 'basic'":
      return {
        file: 'basic.js',
        source: checkWorks(
          `const res = await http.get('http://u:p@${hostPort()}/basic', { auth: 'basic' }); check(res, { works: (r) => r.status === 200 });`,
        ),
      };
    case "params.auth: 'digest'":
      return {
        file: 'digest.js',
        source: checkWorks(
          `const res = await http.get('http://u:p@${hostPort()}/digest', { auth: 'digest' }); check(res, { works: (r) => r.status === 200 });`,
        ),
      };
    case "params.auth: 'ntlm'":
      return {
        file: 'ntlm.js',
        source: checkWorks(`await http.get('http://u:p@${hostPort()}/basic', { auth: 'ntlm' });`),
        error: /ntlm.*--engine k6/,
      };
    case 'params.compression':
      // The server echoes the body as text: the gzip magic's first byte survives that.
      return {
        file: 'compression.js',
        source: checkWorks(
          `const res = await http.post('${server.url}/echo', 'x'.repeat(50), { compression: 'gzip', responseType: 'binary' }); check(res, { works: (r) => new Uint8Array(r.body)[0] === 0x1f && r.body.byteLength !== 50 && r.request.body === 'x'.repeat(50) });`,
        ),
      };
    case "params.compression: 'zstd'":
      return {
        file: 'zstd.js',
        source: checkWorks(`await http.post('${server.url}/echo', 'x', { compression: 'zstd' });`),
        error: /params\.compression 'zstd'.*--engine k6/,
      };
    case 'object bodies':
      return {
        file: 'body.js',
        source: checkWorks(
          `const res = await http.post('${server.url}/echo', { a: ['1', '2'], b: 'x' }); check(res, { works: (r) => r.body === 'a=1&a=2&b=x' });`,
        ),
      };
    case '.ts scripts':
      return {
        file: 'typed.ts',
        source: `import { check } from 'k6';\nconst n: number = 1;\nexport default function (): void { check(n, { works: (v: number) => v === 1 }); }`,
      };
    case 'https://… imports':
      // The same download-and-cache path as https (tested over TLS in engine-loader.test.ts).
      return {
        file: 'remote-import.js',
        source: `import { check } from 'k6';\nimport { remote } from '${server.url}/remote.js';\nexport default function () { check(remote, { works: (v) => v === 'from the server' }); }`,
      };
    case 'options.hosts':
      return {
        file: 'hosts.js',
        source: `import http from 'k6/http';\nimport { check } from 'k6';\nexport const options = { hosts: { '*.covered.test': '127.0.0.1' } };\nexport default async function () {\n  const res = await http.post('http://a.covered.test:${server.url.split(':').pop()}/echo', 'x'); check(res, { works: (r) => r.body === 'x' });\n}`,
      };
    case 'options.systemTags':
      return {
        file: 'system-tags.js',
        source: `import http from 'k6/http';\nimport { check } from 'k6';\nexport const options = { systemTags: ['status', 'check'] };\nexport default async function () {\n  const res = await http.post('${server.url}/echo', 'x'); check(res, { works: (r) => r.status === 200 });\n}`,
      };
    case 'options.dns':
    case 'options.tlsCipherSuites': {
      const options: Record<string, string> = {
        'options.dns': "dns: { ttl: '0' }",
        'options.tlsCipherSuites': "tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']",
      };
      const option = options[name];
      return {
        file: `${name.replace(/\W/g, '_')}.js`,
        source: `export const options = { ${option} };\nexport default async function () {}`,
        error: /not supported by the node engine.*--engine k6/,
      };
    }
    case 'https://jslib.k6.io/… libraries':
      // The same result from jslib's own 1.2.0 (an ES module) and from the engine's implementation.
      return {
        file: 'jslib.js',
        source: `import { check } from 'k6';\nimport { findBetween, randomIntBetween } from 'https://jslib.k6.io/k6-utils/1.2.0/index.js';\nexport default function () { check(findBetween('<b>x</b>', '<b>', '</b>') + randomIntBetween(1, 1), { works: (v) => v === 'x1' }); }`,
      };
    default:
      return null;
  }
}

/** A row's script when the row is supported: its imports and its body, to share one run with the others. */
interface Part {
  imports: string[];
  body: string;
  options: string[];
}

/**
 * Every supported row in one script per VU mode (one engine run instead of one per row): each row adds
 * its imports and a check named after it, so a row's test still sees its own feature work.
 */
function combinedScript(rows: Row[], syncVus: boolean): string {
  const parts: Part[] = rows.map((row, i) => {
    const name = JSON.stringify(`works: ${row.name}`);
    if (row.name.startsWith('k6')) {
      return {
        imports: [`import * as m${i} from '${row.name}';`],
        body: `check(m${i}, { ${name}: (m) => !!m && Object.keys(m).length > 0 });`,
        options: [],
      };
    }
    const api = apiScript(row.name);
    assert.ok(api, `no check for the row "${row.name}": add one to this test`);
    const lines = api.source.split('\n');
    const imports = lines.filter((l) => l.startsWith('import '));
    const options = lines
      .filter((l) => l.startsWith('export const options = { '))
      .map((l) => l.replace('export const options = { ', '').replace(/ };$/, ''));
    const body = lines
      .filter((l) => !l.startsWith('import ') && !l.startsWith('export const options'))
      .map((l) => l.replace(/^export default (async )?function \(\)(: void)? \{/, ''))
      .join('\n')
      .replace(/\}\s*$/, '')
      .replaceAll('works:', `${name}:`);
    return { imports, body: `{ ${body} }`, options };
  });
  const imports = [...new Set(parts.flatMap((p) => p.imports))];
  const source = [
    ...imports.filter((l) => !l.includes(' as m')),
    ...imports.filter((l) => l.includes(' as m')),
    `export const options = { ${parts.flatMap((p) => p.options).join(', ')} };`,
    `export default async function (): Promise<void> {\n${parts.map((p) => p.body).join('\n')}\n}`,
  ].join('\n');
  // k6's synchronous style: the same calls without async/await.
  return syncVus
    ? source.replace('async function (): Promise<void>', 'function (): void').replaceAll('await ', '')
    : source;
}

describe('engine/README.md coverage table', { concurrency: 4 }, () => {
  const rows = coverageRows();
  const combined = new Map<boolean, Promise<Awaited<ReturnType<typeof run>>>>();
  /** The one run of every supported row on this kind of VU, started by the first row that needs it. */
  const supportedRun = (syncVus: boolean) => {
    let r = combined.get(syncVus);
    if (!r) {
      const supported = rows.filter((row) => (syncVus ? row.sync : row.status) === 'supported');
      r = run({
        syncVus,
        script: files.write(`${syncVus ? 'sync-' : ''}supported.ts`, combinedScript(supported, syncVus)),
        moduleCache: `${files.dir}/modules`,
      });
      combined.set(syncVus, r);
    }
    return r;
  };

  test('lists every module the engine registers as supported', () => {
    const supported = rows.filter((r) => r.status === 'supported').map((r) => r.name);
    for (const name of Object.keys(MODULES).filter((m) => !m.includes('x-engine'))) {
      assert.ok(supported.includes(name), `${name} is registered but not in the coverage table`);
    }
  });

  for (const row of rows) {
    for (const syncVus of [false, true]) {
      const status = syncVus ? row.sync : row.status;
      test(`${row.name}: ${status}${syncVus ? ' on synchronous VUs' : ''}`, async () => {
        if (status === 'supported') {
          const r = await supportedRun(syncVus);
          assert.equal(r.exitCode, 0, r.stderr);
          assert.equal(count(r.samples, 'iterations'), 1);
          assert.equal(
            count(r.samples, 'checks', (s) => s.tags.check === `works: ${row.name}` && s.value === 1),
            1,
            r.stderr,
          );
          return;
        }
        // A refused row stops the run: one run each.
        if (row.name.startsWith('k6')) {
          const specifier = row.name === 'k6/x/… (xk6 extensions)' ? 'k6/x/sql' : row.name;
          const r = await run({
            syncVus,
            script: files.write(
              `${syncVus ? 'sync-' : ''}${specifier.replace(/\W/g, '_')}.js`,
              `import * as m from '${specifier}';\nexport default function () { if (!m) throw new Error('empty'); }`,
            ),
          });
          assert.equal(r.exitCode, 107);
          // A module k6 itself removed fails with k6's own sentence, as on k6.
          const removed = REMOVED_MODULES[specifier];
          if (removed) {
            assert.ok(r.stderr.includes(removed.replaceAll('"', '\\"')), r.stderr);
            return;
          }
          assert.ok(r.stderr.includes(`\\"${specifier}\\"`), r.stderr);
          assert.match(r.stderr, /--engine k6/);
          return;
        }
        const api = apiScript(row.name);
        assert.ok(api, `no check for the row "${row.name}": add one to this test`);
        const source = syncVus
          ? api.source.replace('async function', 'function').replaceAll('await ', '')
          : api.source;
        const r = await run({
          syncVus,
          script: files.write(`${syncVus ? 'sync-' : ''}${api.file}`, source),
          moduleCache: `${files.dir}/modules`,
        });
        assert.match(r.stderr, api.error ?? /--engine k6/);
        assert.equal(count(r.samples, 'iterations'), 0);
      });
    }
  }
});
