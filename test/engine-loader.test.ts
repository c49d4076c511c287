import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { count, run, selfSignedCert, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());
const BIN = new URL('../engine/bin.mjs', import.meta.url).pathname;

describe('TypeScript entry scripts and k6 module resolution', () => {
  test('a .ts script is type-stripped at load (types, interfaces, enums, a .ts import) as k6 ≥ 0.57 does', async () => {
    files.write(
      'helper.ts',
      `export enum Kind { A = 'a', B = 'b' }
export function twice(n: number): number { return n * 2; }`,
    );
    const r = await run({
      script: files.write(
        'entry.ts',
        `import { check } from 'k6';
import { Kind, twice } from './helper.ts';
interface Options { iterations: number }
export const options: Options = { iterations: 2 };
type Pair = [string, number];
export default function (): void {
  const p: Pair = ['x', twice(21)];
  check(p, { 'typed code runs': (v) => v[1] === 42 && Kind.B === 'b' && __ENV !== undefined });
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      2,
      r.stderr,
    );
  });

  test('a .js script next to a .ts of the same name loads the .js, and imports are taken as written', async () => {
    files.write('same.ts', `export const which: string = 'ts';`);
    files.write('same.js', `export const which = 'js';`);
    const r = await run({
      script: files.write(
        'uses-same.js',
        `import { check } from 'k6';
import { which } from './same.js';
export default function () { check(which, { 'the .js file': (w) => w === 'js' }); }`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      1,
      r.stderr,
    );
    files.write('twin.ts', 'export default function (): void { throw new Error("the .ts ran"); }');
    const js = await run({ script: files.write('twin.js', 'export default function () {}') });
    assert.equal(js.exitCode, 0, js.stderr);
    assert.equal(count(js.samples, 'iterations'), 1);
  });

  test("a .ts script's exception names its own line, not the stripped code's, on both kinds of VU", async () => {
    const source = `interface A {
  x: number;
  y: string;
}

type B = A | null;

export const options = { iterations: 1 };

export default FN (): RET {
  const a: B = { x: 1, y: 'z' };
  if (a) {
    throw new Error('on line 13');
  }
}
`;
    for (const [kind, fn, ret] of [
      ['async', 'async function', 'Promise<void>'],
      ['sync', 'function', 'void'],
    ] as const) {
      const r = await run({
        script: files.write(`lines-${kind}.ts`, source.replace('FN', fn).replace('RET', ret)),
      });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`on line 13\\\\n\\\\tat default \\(file://\\S*lines-${kind}\\.ts:13:11\\)`),
        kind,
      );
    }
  });

  test('a TypeScript syntax error is exit 107 with the file and line', async () => {
    const r = await run({
      script: files.write('broken.ts', 'export default function (): void {\n  let x: = 1;\n}\n'),
    });
    assert.equal(r.exitCode, 107);
    assert.match(r.stderr, /syntax error/i);
    assert.match(r.stderr, /broken\.ts:2/);
  });

  test("an import of a file that is not there (no extension is tried) is exit 107 with k6's sentence", async () => {
    files.write('report-helper.ts', 'export const x = 1;');
    const r = await run({
      script: files.write(
        'extensionless.ts',
        `import { x } from './report-helper';\nexport default function (): void { if (x !== 1) throw new Error('x'); }\n`,
      ),
    });
    assert.equal(r.exitCode, 107);
    assert.match(
      r.stderr,
      /The moduleSpecifier \\?"\.\/report-helper\\?" couldn't be found on local disk\. Make sure/,
    );
    assert.match(r.stderr, /extensionless\.ts/);
    assert.doesNotMatch(r.stderr, /ENOENT/);
  });
});

function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', '-q', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('CommonJS modules (jslib serves UMD bundles) as k6 loads them', () => {
  for (const kind of ['async', 'plain'] as const) {
    test(`module.exports becomes the default export, its names named exports; ES modules are untouched (${kind} functions)`, async () => {
      files.write(
        'umd-lib.js',
        `(function (root, factory) {
           if (typeof define === 'function' && define.amd) define([], factory);
           else if (typeof module === 'object' && module.exports) module.exports = factory();
           else root.Lib = factory();
         })(this, function () { return { greet: (n) => 'hi ' + n }; });`,
      );
      files.write('cjs-lib.js', "exports.double = (n) => n * 2;\nexports['name'] = 'cjs';");
      files.write(
        'cjs-named.js',
        "'use strict';\nObject.defineProperty(exports, '__esModule', { value: true });\nexports.textSummary = (d) => 'summary of ' + d;",
      );
      files.write('esm-lib.js', "export const note = 'module.exports is only mentioned here';");
      // webpack's CommonJS output (k6-reporter 2.x): names no lexer can see, copied onto exports
      // in a loop; k6 resolves a named import against the exports object at run time.
      files.write(
        'webpack-lib.js',
        '(() => { var lib = {}; Object.defineProperty(lib, "htmlReport", { enumerable: true, get: () => (d) => "<html>" + d }); var r = exports; for (var k in lib) r[k] = lib[k]; })();',
      );
      const r = await run({
        script: files.write(
          `cjs-${kind}.js`,
          `import Lib from './umd-lib.js'; import cjs from './cjs-lib.js'; import { note } from './esm-lib.js'; import { textSummary } from './cjs-named.js';
           import { htmlReport } from './webpack-lib.js';
           import { check } from 'k6';
           export default ${kind === 'async' ? 'async ' : ''}function () {
             check(null, { umd: () => Lib.greet('x') === 'hi x', cjs: () => cjs.double(2) === 4 && cjs.name === 'cjs', esm: () => note.startsWith('module'), named: () => textSummary('x') === 'summary of x', webpack: () => htmlReport('x') === '<html>x' });
           }`,
        ),
      });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(
        count(r.samples, 'checks', (s) => s.value === 1),
        5,
        r.stderr,
      );
    });
  }
});

describe('CommonJS bundles as k6 links them: default export and names of bundles that require k6', () => {
  for (const kind of ['async', 'plain'] as const) {
    test(`the default import is exports.default when there is one; names of a bundle that requires k6 modules at its top (${kind} functions)`, async () => {
      // esbuild's CommonJS output, as k6chaijs 4.3.4.2+ ships it: getters set up by a helper no
      // lexer follows, a default, and k6 modules required (and used) when the bundle runs.
      files.write(
        'esb-lib.js',
        `"use strict";var def=(t,o)=>{for(var k in o)Object.defineProperty(t,k,{get:o[k],enumerable:true})};var X={};def(X,{default:()=>lib,describe:()=>describe,expect:()=>expect});module.exports=(Object.defineProperty(X,'__esModule',{value:true}),X);
var k6=require("k6");var metrics=require("k6/metrics");var counter=new metrics.Counter("esb_calls");
var lib={config:{level:1},name:"the library"};function describe(n,f){counter.add(1);return k6.group(n,f)}function expect(v){return {toBe:(w)=>v===w}}`,
      );
      files.write('plain-default.js', "exports.default = 'the default'; exports.other = 1;");
      // webpack's library output as jslib url 1.0.0 ships it: `exports` handed to a function.
      files.write(
        'webpack-arg.js',
        '!function(t,e){for(var r in e)t[r]=e[r]}(exports,(function(){return{Greeter:function(n){this.hi="hi "+n}}})());',
      );
      const r = await run({
        script: files.write(
          `esb-${kind}.js`,
          `import lib, { describe, expect } from './esb-lib.js';
           import d from './plain-default.js';
           import { Greeter } from './webpack-arg.js';
           import { check } from 'k6';
           lib.config.level = 2;
           export const options = { iterations: 1 };
           export default ${kind === 'async' ? 'async ' : ''}function () {
             describe('a group', () => {
               check(null, { 'default is exports.default': () => lib.name === 'the library' && lib.config.level === 2 && d === 'the default', named: () => expect(1).toBe(1) && new Greeter('x').hi === 'hi x' });
             });
           }`,
        ),
      });
      assert.equal(r.exitCode, 0, r.stderr);
      const failed = r.samples.filter((s) => s.metric === 'checks' && s.value === 0).map((s) => s.tags.check);
      assert.deepEqual(failed, [], r.stderr);
      assert.equal(
        count(r.samples, 'checks', (s) => s.value === 1 && s.tags.group === '::a group'),
        2,
        r.stderr,
      );
      assert.equal(count(r.samples, 'esb_calls'), 1, r.stderr);
    });

    test(`require('k6/http') gives the module's own object: what a library assigns to it is what the script calls (${kind} functions)`, async () => {
      // As jslib's http-instrumentation-tempo does: replace the methods on the required module.
      files.write(
        'instrument.js',
        `const http = require("k6/http");
const execution = require("k6/execution");
function instrumentHTTP() { const request = http.request; http.get = function traced(url) { return 'traced ' + url + ' ' + typeof request + ' ' + typeof execution.vu; }; }
module.exports = { instrumentHTTP };`,
      );
      const r = await run({
        script: files.write(
          `instrumented-${kind}.js`,
          `import tracing from './instrument.js';
           import http from 'k6/http';
           import { check } from 'k6';
           tracing.instrumentHTTP();
           export const options = { iterations: 1 };
           export default ${kind === 'async' ? 'async ' : ''}function () {
             check(http.get('http://127.0.0.1:9/'), { 'the replaced method': (v) => v === 'traced http://127.0.0.1:9/ function object' });
           }`,
        ),
      });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(
        count(r.samples, 'checks', (s) => s.value === 1),
        1,
        r.stderr,
      );
    });
  }
});

describe("k6's init-context require()", () => {
  for (const kind of ['async', 'plain'] as const) {
    test(`require() gives module.exports of CommonJS, the exports of ES and k6 modules, only in init (${kind} functions)`, async () => {
      files.write('req-fn.js', 'module.exports = function (n) { return n + 1; };');
      files.write('req-base.js', "exports.add = function (a, b) { return a + b; };\nexports.name = 'base';");
      files.write(
        'req-chain.js',
        "const base = require('./req-base.js');\nexports.twice = (a) => base.add(a, a);",
      );
      files.write('req-esm.js', "export const url = (p) => 'http://x' + p;\nexport default 'esm default';");
      const r = await run({
        script: files.write(
          `req-${kind}.js`,
          `// A require() in a comment is not imported: require('./req-not-here.js')
           const inc = require('./req-fn.js');
           let missing = '';
           try { require('./req-missing.js'); } catch (e) { missing = e.message; }
           const chain = require('./req-chain.js');
           const esm = require('./req-esm.js');
           const k6 = require('k6');
           const computed = './req-' + 'base.js';
           let dynamic;
           try { dynamic = require(computed).name; } catch (e) { dynamic = e.message; }
           export const options = { iterations: 1 };
           export default ${kind === 'async' ? 'async ' : ''}function () {
             let late = 'no error';
             try { require('./req-base.js'); } catch (e) { late = e.message; }
             k6.check(null, {
               fn: () => typeof inc === 'function' && inc(1) === 2,
               chain: () => chain.twice(4) === 8,
               esm: () => esm.url('/a') === 'http://x/a' && esm.default === 'esm default',
               dynamic: () => dynamic === 'base',
               late: () => late.startsWith('the "require" function is only available in the init stage'),
               missing: () => missing.startsWith('require("./req-missing.js"): not found'),
             });
           }`,
        ),
      });
      assert.equal(r.exitCode, 0, r.stderr);
      const failed = r.samples.filter((s) => s.metric === 'checks' && s.value === 0).map((s) => s.tags.check);
      assert.deepEqual(failed, [], r.stderr);
      assert.equal(
        count(r.samples, 'checks', (s) => s.value === 1),
        6,
        r.stderr,
      );
    });
  }
});

describe('remote modules (https:// imports) downloaded at init and cached', () => {
  test('downloaded once into --module-cache, then usable offline; not cached and offline: a clear error', async () => {
    const dir = files.dir;
    selfSignedCert(dir, 'r', '127.0.0.1', 'IP:127.0.0.1');
    const hits: string[] = [];
    const server: Server = createServer(
      { key: readFileSync(`${dir}/rkey.pem`), cert: readFileSync(`${dir}/rcert.pem`) },
      (req, res) => {
        hits.push(req.url ?? '');
        res.setHeader('Content-Type', 'application/javascript');
        if (req.url === '/lib/k6-utils/1.4.0/index.js?v=1') {
          res.end(`import { pad } from './pad.js';
import { check } from 'k6';
export function randomString(n) { return pad('', n); }
export function checkVu() { return check(__VU, { 'remote module sees __VU': (v) => v >= 1 }); }`);
        } else if (req.url === '/lib/k6-utils/1.4.0/pad.js') {
          res.end(`export function pad(s, n) { return s + 'x'.repeat(n); }`);
        } else {
          res.statusCode = 404;
          res.end('not found');
        }
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const script = files.write(
      'remote.js',
      `import { randomString, checkVu } from '${base}/lib/k6-utils/1.4.0/index.js?v=1';
export const options = { vus: 2, iterations: 4 };
export default function () {
  if (randomString(3) !== 'xxx') throw new Error('wrong remote code');
  checkVu();
}`,
    );
    const cache = join(dir, 'module-cache');
    const env = { NODE_EXTRA_CA_CERTS: `${dir}/rcert.pem` };
    try {
      const online = await runCli(['--module-cache', cache, script], env);
      assert.equal(online.code, 0, online.stderr);
      assert.deepEqual(hits.sort(), ['/lib/k6-utils/1.4.0/index.js?v=1', '/lib/k6-utils/1.4.0/pad.js']);
      assert.equal(readdirSync(cache).length, 2);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }

    const offline = await runCli(['--module-cache', cache, script], env);
    assert.equal(offline.code, 0, offline.stderr);

    const empty = join(dir, 'empty-cache');
    const missing = await runCli(['--module-cache', empty, script], env);
    assert.equal(missing.code, 107);
    assert.match(
      missing.stderr,
      /Cannot download the remote module https:\/\/127\.0\.0\.1:\d+\/lib\/k6-utils\/1\.4\.0\/index\.js\?v=1/,
    );
    assert.match(missing.stderr, /not in the module cache/);
    assert.doesNotMatch(missing.stderr, /node:internal|\n\s+at /);
    assert.equal(existsSync(empty), false);
  });
});
