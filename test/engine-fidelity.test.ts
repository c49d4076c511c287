// Script shapes community k6 scripts use, which the engine must run as k6 does, on both kinds of
// VU: exceptions still count as iterations, a check whose function throws is a failed check,
// GJSON selectors in Response.json(), an invalid URL gives an error response,
// Response.submitForm()/clickLink(), names a k6 module does not export, and interrupted
// iterations that await a timer.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type Captured, count, run, startServer, tempDir } from './engine-fixtures.ts';

const files = tempDir();
let server: Awaited<ReturnType<typeof startServer>>;
/** Requests the server saw: method, path with query, body. */
const seen: Array<{ method: string; url: string; body: string }> = [];

function handler(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', body });
    const path = (req.url ?? '').split('?')[0];
    if (path === '/posts') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify([
          { userId: 1, id: 1 },
          { userId: 2, id: 2 },
          { userId: 2, id: 3 },
        ]),
      );
    } else if (path === '/cart') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          categories: [{ id: 10 }, { id: 20 }],
          cartItems: [
            { product: { id: 4 }, quantity: 1 },
            { product: { id: 7 }, quantity: 5 },
          ],
        }),
      );
    } else if (path === '/page/form') {
      res.setHeader('content-type', 'text/html');
      res.end(`<html><body>
        <form id="login" method="post" action="/login?from=form">
          <input name="user" value="default">
          <input name="csrf" type="hidden" value="tok en">
          <input type="submit" name="go" value="Sign in">
        </form>
        <form id="search" action="search"><input name="q" value="a b"><button type="submit">s</button></form>
        <a href="/page/next?x=1">next</a>
        <a class="nohref">nothing</a>
      </body></html>`);
    } else {
      res.setHeader('content-type', 'text/plain');
      res.end('ok');
    }
  });
}

before(async () => {
  server = await startServer(handler);
});
after(async () => {
  await server.close();
  files.cleanup();
});

const KINDS = [
  { kind: 'synchronous', fn: 'function', wait: '' },
  { kind: 'async', fn: 'async function', wait: 'await ' },
] as const;

/**
 * Runs the same default function on both kinds of VU (`AWAIT ` in `body` becomes `await ` on
 * async VUs), 2 iterations of 1 VU unless `extra` says otherwise.
 */
async function bothKinds(
  name: string,
  imports: string,
  body: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, Captured>> {
  const out: Record<string, Captured> = {};
  for (const { kind, fn, wait } of KINDS) {
    const source = `${imports}\nexport default ${fn} () {\n${body.replaceAll('AWAIT ', wait)}\n}`;
    const script = files.write(`${name}-${kind}.js`, source);
    out[kind] = await run({ script, vus: 1, iterations: 2, env: { BASE: server.url }, ...extra });
  }
  return out;
}

describe('engine fidelity: what community k6 scripts do', () => {
  test('an iteration that throws is counted in iterations and iteration_duration, and its exception logged', async () => {
    const r = await bothKinds('throws', '', 'const s = JSON.string({ a: 1 }); console.log(s);');
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      assert.equal(count(k.samples, 'iterations'), 2, kind);
      assert.equal(count(k.samples, 'iteration_duration'), 2, kind);
      assert.match(k.stderr, /JSON\.string is not a function/, kind);
    }
  });

  test('a check whose function throws is recorded as a failed check; the checks after it are not run', async () => {
    const r = await bothKinds(
      'check-throws',
      `import { check } from 'k6';`,
      `check(null, { before: () => true, broken: (v) => v.status === 200, after: () => true });`,
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(
        count(k.samples, 'checks', (s) => s.tags.check === 'before' && s.value === 1),
        2,
        kind,
      );
      assert.equal(
        count(k.samples, 'checks', (s) => s.tags.check === 'broken' && s.value === 0),
        2,
        kind,
      );
      assert.equal(
        count(k.samples, 'checks', (s) => s.tags.check === 'after'),
        0,
        kind,
      );
      assert.match(k.stderr, /Cannot read properties of null/, kind);
      assert.equal(count(k.samples, 'iterations'), 2, kind);
    }
  });

  test('Response.json(selector) takes GJSON paths: #.field, nested #, queries; a missing path is undefined', async () => {
    const r = await bothKinds(
      'gjson',
      `import http from 'k6/http'; import { check } from 'k6';`,
      `const posts = AWAIT http.get(__ENV.BASE + '/posts');
       const cart = AWAIT http.get(__ENV.BASE + '/cart');
       check(null, {
         ids: () => JSON.stringify(posts.json('#.userId')) === '[1,2,2]',
         length: () => posts.json('#') === 3,
         query: () => JSON.stringify(posts.json('#(userId==2)#.id')) === '[2,3]',
         categories: () => JSON.stringify(cart.json('categories.#.id')) === '[10,20]',
         quantity: () => cart.json('cartItems.#(product.id==7).quantity') === 5,
         missing: () => cart.json('cartItems.#(product.id==8).quantity') === undefined,
       });`,
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      const failed = k.samples.filter((s) => s.metric === 'checks' && s.value === 0).map((s) => s.tags.check);
      assert.deepEqual(failed, [], kind);
      assert.equal(
        count(k.samples, 'checks', (s) => s.value === 1),
        12,
        kind,
      );
    }
  });

  test('a request to an invalid URL gives an error response, the iteration goes on and its checks fail normally', async () => {
    const r = await bothKinds(
      'bad-url',
      `import http from 'k6/http'; import { check } from 'k6';`,
      `const res = AWAIT http.get(false);
       check(res, { 'status 200': (x) => x.status === 200, 'has error': (x) => x.error !== '' });
       check(res.cookies, { 'no cookies': (c) => Object.keys(c).length === 0 });`,
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      assert.equal(
        count(k.samples, 'checks', (s) => s.tags.check === 'status 200' && s.value === 0),
        2,
        kind,
      );
      assert.equal(
        count(k.samples, 'checks', (s) => s.tags.check === 'has error' && s.value === 1),
        2,
        kind,
      );
      assert.equal(
        count(k.samples, 'checks', (s) => s.tags.check === 'no cookies' && s.value === 1),
        2,
        kind,
      );
      assert.equal(count(k.samples, 'iterations'), 2, kind);
      assert.match(k.stderr, /Request Failed/, kind);
    }
  });

  test('Response.submitForm() and clickLink() make the request a browser would, as k6 documents', async () => {
    seen.length = 0;
    const r = await bothKinds(
      'navigate',
      `import http from 'k6/http'; import { check } from 'k6';`,
      `const page = AWAIT http.get(__ENV.BASE + '/page/form');
       const posted = AWAIT page.submitForm({ formSelector: '#login', fields: { user: 'ann' }, params: { tags: { step: 'login' } } });
       const searched = AWAIT page.submitForm({ formSelector: '#search' });
       const next = AWAIT page.clickLink({ params: { tags: { step: 'link' } } });
       let refused = '';
       try { page.clickLink({ selector: 'a.nohref' }); } catch (e) { refused = String(e); }
       check(null, {
         posted: () => posted.status === 200,
         searched: () => searched.status === 200,
         next: () => next.url === __ENV.BASE + '/page/next?x=1',
         refused: () => refused.includes("no valid href attribute value found on element 'a.nohref'"),
       });`,
      { iterations: 1 },
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      const failed = k.samples.filter((s) => s.metric === 'checks' && s.value === 0).map((s) => s.tags.check);
      assert.deepEqual(failed, [], `${kind}: ${k.stderr}`);
      assert.equal(
        count(k.samples, 'http_reqs', (s) => s.tags.step === 'login' && s.tags.method === 'POST'),
        1,
        kind,
      );
      assert.equal(
        count(k.samples, 'http_reqs', (s) => s.tags.step === 'link'),
        1,
        kind,
      );
    }
    const posts = seen.filter((s) => s.method === 'POST');
    assert.equal(posts.length, 2);
    for (const p of posts) {
      assert.equal(p.url, '/login?from=form');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(p.body)), {
        user: 'ann',
        csrf: 'tok en',
        go: 'Sign in',
      });
    }
    // A GET form: the values replace the action's query (sorted, as Go's url.Values.Encode).
    assert.equal(seen.filter((s) => s.url === '/page/search?q=a+b').length, 2);
    assert.equal(seen.filter((s) => s.url === '/page/next?x=1').length, 2);
  });

  test('a named import a k6 module does not export is undefined, as in k6; the script runs', async () => {
    const r = await bothKinds(
      'missing-export',
      `import { exec, check as verify } from 'k6';
       import http, {
         get,
         nothingHere,
       } from 'k6/http';`,
      `const res = AWAIT get(__ENV.BASE + '/');
       verify(res, {
         'exec is undefined': () => exec === undefined && nothingHere === undefined,
         'the others work': (x) => x.status === 200 && typeof http.post === 'function',
       });
       if (__ITER === 1) throw new Error('line check');`,
    );
    for (const { kind } of KINDS) {
      const k = r[kind];
      assert.equal(k.exitCode, 0, `${kind}: ${k.stderr}`);
      assert.equal(
        count(k.samples, 'checks', (s) => s.value === 1),
        4,
        kind,
      );
      // Line numbers in errors stay those of the script (the imports span lines 1–5; the throw is
      // on line 12).
      assert.match(k.stderr, /line check.*missing-export-[a-z]+\.js:12:/, kind);
    }
  });
});
