// test-tier: unit
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseHTML } from '../engine/api/html.ts';
import { count, run, startServer, tempDir } from './engine-fixtures.ts';

// The definition list of k6's Selection docs.
const DL = `
<dl>
  <dt id="term-1">term 1</dt>
  <dd>definition 1-a</dd>
  <dd>definition 1-b</dd>
  <dd>definition 1-c</dd>
  <dd>definition 1-d</dd>

  <dt id="term-2">term 2</dt>
  <dd>definition 2-a</dd>
  <dd>definition 2-b</dd>
  <dd>definition 2-c</dd>

  <dt id="term-3">term 3</dt>
  <dd>definition 3-a</dd>
  <dd>definition 3-b</dd>
</dl>`;

const FORM = `<form id="f" action="/login" method="POST">
  <input type="text" name="user" value="joe">
  <input type="checkbox" name="remember" value="yes" checked>
  <input type="checkbox" name="spam" value="yes">
  <select name="size"><option>small</option><option selected>large</option></select>
  <textarea name="note">hi there</textarea>
  <button type="submit">Go</button>
</form>`;

describe('k6/html Selection as k6 documents it', () => {
  const doc = parseHTML(DL);

  test('find, attr, text, size, eq, first, last, children', () => {
    const dt = doc.find('dt');
    assert.equal(dt.attr('id'), 'term-1');
    assert.equal(dt.attr('nope'), undefined);
    assert.equal(dt.size(), 3);
    assert.equal(dt.eq(1).text(), 'term 2');
    assert.equal(dt.first().text(), 'term 1');
    assert.equal(dt.last().text(), 'term 3');
    assert.equal(doc.find('dl').children().size(), 12);
    assert.equal(doc.find('dl').children('dt').size(), 3);
    assert.equal(dt.text(), 'term 1term 2term 3');
  });

  test('siblings, ancestors, filters', () => {
    const t2 = doc.find('dt#term-2');
    assert.equal(t2.nextAll().size(), 6);
    assert.equal(t2.nextUntil('dt').size(), 3);
    assert.equal(t2.next().text(), 'definition 2-a');
    assert.equal(t2.prev().text(), 'definition 1-d');
    assert.equal(t2.prevAll('dt').size(), 1);
    assert.equal(t2.prevUntil('dt').size(), 4);
    assert.equal(t2.parent().is('dl'), true);
    assert.equal(t2.closest('dl').size(), 1);
    assert.equal(
      doc
        .find('dd')
        .filter((i) => i % 2 === 0)
        .size(),
      5,
    );
    assert.equal(doc.find('dd').not(':first-child').size(), 9);
    assert.equal(doc.find('dl').has('dt#term-3').size(), 1);
    assert.equal(doc.find('dd').slice(1, 3).text(), 'definition 1-bdefinition 1-c');
    assert.equal(
      t2.is((_i, s) => s.attr('id') === 'term-2'),
      true,
    );
  });

  test("k6's other Selection methods: siblings, add, index, end, single (grafana/k6 js/modules/k6/html/html.go)", () => {
    const t2 = doc.find('dt#term-2');
    assert.equal(t2.siblings().size(), 11);
    assert.equal(t2.siblings('dt').size(), 2);
    assert.equal(doc.find('dt').add('dd').size(), 12);
    assert.equal(t2.add(doc.find('dt#term-3')).size(), 2);
    assert.equal(t2.index(), 5);
    assert.equal(doc.find('dt').index('dt'), 0);
    assert.equal(doc.find('dt').index(t2), 1);
    assert.equal(doc.find('dt').index(doc.find('dd')), -1);
    assert.equal(doc.find('dt').index(t2.get(0)), 1);
    assert.equal(doc.find('dl').find('dt').end().is('dl'), true);
    assert.equal(doc.single('dd').text(), 'definition 1-a');
  });

  test('nodeName is the lower-case tag name, as k6 gives it, also for an XML answer', () => {
    // An S3-style XML body, as jslib aws reads it: it switches on nodeName() === 'name'.
    const xml = parseHTML(
      '<?xml version="1.0"?><Result xmlns="urn:x"><Items><Item><Name>one</Name><CreatedAt>2020</CreatedAt></Item></Items></Result>',
    );
    const names: string[] = [];
    xml
      .find('Items')
      .children()
      .each((_i, el) => {
        names.push(el.nodeName());
        for (const child of el.children()) names.push(`${child.nodeName()}=${child.textContent()}`);
      });
    assert.deepEqual(names, ['item', 'name=one', 'createdat=2020']);
  });

  test('each gives Elements, map and toArray give Selections', () => {
    const ids: string[] = [];
    doc.find('dt').each((_i, el) => {
      ids.push(el.id());
      // k6 gives the parser's lower-case tag name (grafana/k6 js/modules/k6/html/element_test.go).
      assert.equal(el.nodeName(), 'dt');
      assert.equal(el.nodeType(), 1);
    });
    assert.deepEqual(ids, ['term-1', 'term-2', 'term-3']);
    assert.deepEqual(
      doc.find('dt').map((_i, s) => s.attr('id')),
      ['term-1', 'term-2', 'term-3'],
    );
    assert.deepEqual(
      doc
        .find('dt')
        .toArray()
        .map((s) => s.text()),
      ['term 1', 'term 2', 'term 3'],
    );
    const dl = doc.find('dl').get(0);
    assert.ok(dl);
    assert.equal(dl.childElementCount(), 12);
    assert.equal(dl.firstElementChild()?.textContent(), 'term 1');
    assert.equal(dl.lastElementChild()?.textContent(), 'definition 3-b');
    assert.equal(dl.querySelectorAll('dd').length, 9);
    assert.equal(dl.querySelector('#term-3')?.getAttribute('id'), 'term-3');
    assert.equal(dl.firstChild()?.nodeType(), 3);
    assert.match(dl.innerHTML() ?? '', /^\s*<dt id="term-1">term 1<\/dt>/);
  });

  test('forms: serialize, serializeArray, serializeObject, val, element values', () => {
    const form = parseHTML(FORM).find('form');
    assert.equal(form.serialize(), 'user=joe&remember=yes&size=large&note=hi+there');
    assert.deepEqual(form.serializeObject(), {
      user: 'joe',
      remember: 'yes',
      size: 'large',
      note: 'hi there',
    });
    assert.equal(form.serializeArray().length, 4);
    assert.equal(form.find('select').val(), 'large');
    assert.equal(form.find('input[name=user]').val(), 'joe');
    const el = form.get(0);
    assert.equal(el?.method(), 'post');
    assert.equal(el?.action(), '/login');
    assert.equal(form.find('input[name=remember]').get(0)?.checked(), true);
    assert.equal(form.find('input[name=spam]').get(0)?.checked(), false);
  });

  test('HTML is parsed as browsers do (implied html/head/body, unclosed tags)', () => {
    const d = parseHTML('<title>T</title><p>one<p>two');
    assert.equal(d.find('head title').text(), 'T');
    assert.equal(d.find('body p').size(), 2);
    assert.equal(d.find('missing').html(), undefined);
  });
});

describe('Response.html() and k6/html in a script', () => {
  const files = tempDir();
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<html lang="en"><head><title>Quick Pizza</title></head><body>${DL}</body></html>`);
    });
  });
  after(async () => {
    await server.close();
    files.cleanup();
  });

  test("the docs' examples: parseHTML(res.body) and res.html(selector)", async () => {
    const r = await run({
      script: files.write(
        'html.js',
        `import http from 'k6/http';
import { parseHTML } from 'k6/html';
import { check } from 'k6';
export default async function () {
  const res = await http.get('${server.url}/');
  const doc = parseHTML(res.body);
  const pageTitle = doc.find('head title').text();
  const langAttr = doc.find('html').attr('lang');
  check(res, {
    title: () => pageTitle === 'Quick Pizza',
    lang: () => langAttr === 'en',
    'html()': (r) => r.html().find('dt').size() === 3,
    'html(selector)': (r) => r.html('dd').last().text() === 'definition 3-b',
  });
}`,
      ),
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      count(r.samples, 'checks', (s) => s.value === 1),
      4,
      r.stderr,
    );
  });
});
