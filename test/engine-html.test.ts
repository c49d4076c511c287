// test-tier: unit
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseHTML } from '../engine/api/html.ts';
import { count, run, runOnBothKinds, startServer, tempDir } from './engine-fixtures.ts';

/** An element's per-kind methods (an <a>'s host(), an <input>'s checked() …), which TypeScript does not see. */
const kind = (el: unknown) => el as Record<string, (...args: unknown[]) => unknown>;

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
    // As k6 (js/modules/k6/html/serialize.go): a checkbox counts only when its checked attribute
    // is "checked" (the bare one here is not), and Go's url.Values sorts the names.
    assert.equal(form.serialize(), 'note=hi+there&size=large&user=joe');
    assert.deepEqual(form.serializeObject(), {
      user: 'joe',
      size: 'large',
      note: 'hi there',
    });
    assert.equal(form.serializeArray().length, 3);
    const more =
      parseHTML(`<form><input type="checkbox" name="c" checked="checked"><input name="off" disabled="disabled">
<input name="on" disabled><select name="m" multiple><option selected>a b</option><option selected>c</option></select>
<input type="submit" name="go" value="x"><input name="z" value="1"><input name="z" value="2"></form>`).find(
        'form',
      );
    assert.deepEqual(more.serializeObject(), { c: 'on', on: '', m: ['a b', 'c'], z: '2' });
    assert.equal(more.serialize(), 'c=on&m=a+b&m=c&on=&z=2');
    assert.deepEqual(more.find('input').serializeArray().length, 4, 'not a form: the fields themselves');
    assert.equal(form.find('select').val(), 'large');
    assert.equal(form.find('input[name=user]').val(), 'joe');
    const el = kind(form.get(0));
    // As k6's FormElement.method(): only a lower-case "post" is post (the attribute is compared as written).
    assert.equal(el.method(), 'get');
    assert.equal(kind(parseHTML('<form method="post"></form>').find('form').get(0)).method(), 'post');
    assert.equal(el.action(), '/login');
    assert.equal(kind(form.find('input[name=remember]').get(0)).checked(), true);
    assert.equal(kind(form.find('input[name=spam]').get(0)).checked(), false);
  });

  test('val() answers by tag, as k6', () => {
    const d = parseHTML(`<input id="c" type="checkbox"><input id="t"><button id="b">B</button>
<textarea id="ta">a &amp; <b>b</b></textarea><select id="m" multiple><option selected>x</option>
<option value="y" selected>Y</option><option>z</option></select><select id="none"><option>p</option></select>
<div id="d" value="v"></div>`);
    assert.equal(d.find('#c').val(), 'on', 'a checkbox without a value');
    assert.equal(d.find('#t').val(), '');
    assert.equal(d.find('#b').val(), '', 'a button without a value attribute');
    assert.equal(
      d.find('#ta').val(),
      'a &amp; &lt;b&gt;b&lt;/b&gt;',
      "a textarea's inner HTML (its text, escaped)",
    );
    assert.deepEqual(d.find('#m').val(), ['x', 'y'], 'every selected option of a multiple select');
    assert.equal(d.find('#none').val(), '', 'no selected option');
    assert.equal(d.find('#d').val(), undefined, 'other tags have no value');
    assert.equal(d.find('#missing').val(), undefined);
  });

  test('data() names and converts the data- attributes as k6 does', () => {
    const h = parseHTML(
      '<p data-test-id="v" data-user-url-path="u" data-n="1.5" data-e="1e3" data-j=\'{"a":[1]}\' data-no="null" data-empty="" data-t="true" data-z="007"></p><i></i><b class="x"></b>',
    );
    const p = h.find('p');
    assert.deepEqual(p.data(), {
      testID: 'v',
      userURLPath: 'u',
      n: 1.5,
      e: '1e3',
      j: { a: [1] },
      no: undefined,
      empty: undefined,
      t: true,
      z: '007',
    });
    assert.equal(p.data('testID'), 'v');
    assert.equal(p.data('testId'), 'v');
    assert.equal(p.data('test-id'), 'v');
    assert.equal(p.data('userURLPath'), 'u');
    assert.equal(h.find('i').data(), undefined, 'no attribute at all');
    assert.deepEqual(h.find('b').data(), {}, 'attributes, none of them data-');
  });

  test('attr() with a default, each() returns the Selection', () => {
    const h = parseHTML('<p id="a">x</p><p>y</p>');
    assert.equal(h.find('p').attr('title', 'none'), 'none');
    assert.equal(h.find('p').attr('id', 'none'), 'a');
    assert.equal(h.find('p').attr('title'), undefined);
    assert.equal(
      h
        .find('p')
        .each(() => {})
        .size(),
      2,
    );
  });

  test("the ...Until methods take k6's filter argument and a Selection; find takes a Selection or an Element", () => {
    const dl = parseHTML(DL);
    assert.equal(dl.find('#term-1').nextUntil('#term-3').size(), 8);
    assert.equal(dl.find('#term-1').nextUntil('#term-3', 'dd').size(), 7);
    assert.equal(dl.find('#term-3').prevUntil('#term-1', 'dt').size(), 1);
    assert.equal(dl.find('#term-1').nextUntil(dl.find('#term-2')).size(), 4);
    assert.equal(dl.find('#term-1').nextUntil(null, 'dt').size(), 2);
    assert.equal(dl.find('#term-3').parentsUntil('html', 'dl').size(), 1);
    assert.equal(dl.find('#term-3').parentsUntil('dt', 'dd').size(), 0);
    const dlSel = dl.find('dl');
    assert.equal(dlSel.find(dl.find('#term-2')).size(), 1);
    assert.equal(dlSel.find(kind(dl.find('dd').get(0)) as never).text(), 'definition 1-a');
    assert.equal(dl.find('dl').has(dl.find('#term-2')).size(), 1);
    assert.throws(() => dl.find(5 as never), /^Error: invalid argument, cannot use a 'int64' as a selector$/);
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

// What k6's element kinds answer (grafana/k6 js/modules/k6/html/elements.go; the Element page of
// k6's docs lists them): each tag has its own methods, and only that tag has them.
describe('the kinds of Element', () => {
  const page = parseHTML(`<html><body>
<a id="a1" href="https://joe:secret@example.com:443/p/q?x=1#frag" rel="next prev">link</a>
<a id="a2" href="rel/page">relative</a>
<form id="f" action="/save" method="post" enctype="bogus">
  <label for="name">Name</label><input id="name" name="n" maxlength="x" tabindex="3">
  <select name="s" multiple><option>one</option><optgroup disabled><option selected value="2">two</option></optgroup></select>
  <button>Go <b>now</b></button><textarea name="t" rows="4"></textarea>
</form>
<table><caption>C</caption><tbody><tr><td>1</td><td colspan="2">2</td></tr><tr><th scope="bad">h</th></tr></tbody></table>
<img src="i.png" width="12" height="nope"><div id="d">plain</div><progress value="3" max="4"></progress>
</body></html>`);
  const get = (sel: string) => kind(page.find(sel).get(0));

  test('an anchor splits its href as Go parses it', () => {
    const a = get('#a1');
    assert.equal(a.host(), 'example.com', 'the default port is left out');
    assert.equal(a.hostname(), 'example.com');
    assert.equal(a.port(), '443');
    assert.equal(a.protocol(), 'https', 'without a colon, as k6');
    assert.equal(a.username(), 'joe');
    assert.equal(a.password(), 'secret');
    assert.equal(a.origin(), 'https://example.com:443');
    assert.equal(a.pathname(), '/p/q');
    assert.equal(a.search(), '?x=1');
    assert.equal(a.hash(), '#frag');
    assert.deepEqual(a.relList(), ['next', 'prev']);
    assert.equal(a.text(), 'link');
    // parseHTML() has no page URL: href() is the attribute as written, toString() too.
    assert.equal(get('#a2').href(), 'rel/page');
    assert.equal(String(get('#a2')), 'rel/page');
    assert.equal(get('#a2').pathname(), '/rel/page', 'resolved against an empty base, as Go');
    assert.equal(get('#a2').protocol(), ':');
  });

  test('forms and their fields', () => {
    const f = get('form');
    assert.equal(f.method(), 'post');
    assert.equal(
      f.enctype(),
      'application/x-www-form-urlencoded',
      'an unknown value is the first allowed one',
    );
    assert.equal(f.length(), 4);
    assert.equal((f.elements() as unknown[]).length, 4);
    const input = get('input');
    assert.equal(input.type(), 'text');
    assert.equal(input.maxLength(), -1, 'not a number: the default');
    assert.equal(input.tabIndex(), 3);
    assert.equal(kind(input.form()).id(), 'f');
    assert.deepEqual(
      (input.labels() as Array<{ textContent(): string }>).map((l) => l.textContent()),
      ['Name'],
    );
    assert.equal(input.formMethod(), 'post');
    const select = get('select');
    assert.equal(select.type(), 'select-multiple');
    assert.equal(select.size(), 4);
    assert.equal(select.length(), 2);
    assert.equal(select.selectedIndex(), 1);
    assert.equal(select.value(), '2');
    const two = kind((select.options() as unknown[])[1]);
    assert.equal(two.disabled(), true, 'its optgroup is disabled');
    assert.equal(two.index(), 1);
    assert.equal(two.label(), 'two');
    assert.equal(kind((select.options() as unknown[])[0]).value(), 'one', 'no value attribute: its HTML');
    assert.equal(get('button').value(), 'Go <b>now</b>');
    assert.equal(get('button').type(), 'submit');
    assert.equal(get('textarea').rows(), 4);
    assert.equal(get('textarea').type(), 'textarea');
    assert.equal(kind(get('label').control()).id(), 'name');
  });

  test('tables, images, progress; a plain element has none of those methods', () => {
    const table = get('table');
    assert.equal(kind(table.caption()).textContent(), 'C');
    assert.equal((table.rows() as unknown[]).length, 2);
    assert.equal(table.tHead(), undefined);
    const td = kind(page.find('td').get(1));
    assert.equal(td.colSpan(), 2);
    assert.equal(td.rowSpan(), 1);
    assert.equal(td.cellIndex(), 1);
    assert.equal(get('th').scope(), '');
    assert.equal(kind(page.find('tr').get(1)).rowIndex(), 1);
    assert.equal(get('img').width(), 12);
    assert.equal(get('img').height(), 0);
    assert.equal(get('img').src(), 'i.png');
    assert.equal(get('progress').value(), 0.75);
    assert.equal(get('progress').position(), 0.75);
    const div = get('#d');
    for (const name of ['href', 'host', 'value', 'name', 'type', 'form', 'method', 'text']) {
      assert.equal(div[name], undefined, `a <div> has no ${name}()`);
    }
  });

  test('the base Element: nodeName in lower case, toString, get() without an index', () => {
    assert.equal(get('#d').nodeName(), 'div');
    assert.equal(String(get('#d')), '[object html.Node]');
    assert.equal(String(kind(get('#d').firstChild())), '[object #text]');
    assert.equal(get('#d').isDefaultNamespace(), true);
    assert.equal(page.find('a').get().length, 2);
    assert.equal(kind(page.find('a').get(-1)).id(), 'a2');
    assert.equal(page.find('a').get(2), undefined);
    assert.equal(kind(get('#d').selection()).text(), 'plain');
    // k6's Element has no field a script sees, its Selection only url (JSON.stringify, console.log).
    assert.equal(JSON.stringify(get('#d')), '{}');
    assert.equal(JSON.stringify(page.find('p')), '{"url":""}');
    assert.deepEqual(Object.keys(get('#a1')), []);
  });
});

describe('Response.html() elements on both kinds of VU', () => {
  const files = tempDir();
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<a href="../next?x=1">n</a><a href="http://other.test">o</a><form action=""><input></form>');
    });
  });
  after(async () => {
    await server.close();
    files.cleanup();
  });

  test("URL attributes resolve against the response's URL, as Go's ResolveReference", async () => {
    const runs = await runOnBothKinds(
      files,
      'html-kinds',
      `import http from 'k6/http';
export const options = { iterations: 1 };
export default FN () {
  const res = AWAIT http.get('${server.url}/dir/page.html');
  const doc = res.html();
  const [a, b] = doc.find('a').get();
  console.log(JSON.stringify([doc.url, a.href(), String(a), a.nodeName(), b.href(), b.pathname(),
    doc.find('input').get(0).formAction(), doc.find('form').get(0).action()]));
}`,
      {},
    );
    for (const [k, r] of Object.entries(runs)) {
      assert.equal(r.exitCode, 0, `${k}: ${r.stderr}`);
      const page = `${server.url}/dir/page.html`;
      const line = r.stderr.split('\n').find((l) => l.includes('level=info'));
      assert.ok(line, `${k}: ${r.stderr}`);
      const logged = JSON.parse(JSON.parse(`"${/msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]}"`));
      assert.deepEqual(
        logged,
        [page, `${server.url}/next?x=1`, `${server.url}/next?x=1`, 'a', 'http://other.test', '', page, page],
        k,
      );
    }
  });
});

describe('k6/html Selection.map() as k6 runs it, on both kinds of VU', () => {
  const files = tempDir();
  after(() => files.cleanup());

  test("an element whose callback throws is left out and the others go on (grafana/k6 js/modules/k6/html/html.go Map); a callback that is not a function is k6's error", async () => {
    const runs = await runOnBothKinds(
      files,
      'html-map',
      `import { parseHTML } from 'k6/html';
export const options = { iterations: 1 };
export default FN () {
  const doc = parseHTML('<ul><li>a</li><li>b</li><li>c</li></ul>');
  const seen = [];
  function pick(i, s) {
    seen.push(i);
    if (s.text() === 'b') throw new Error('no b');
    return [s.text(), this === pick];
  }
  let refused = '';
  try { doc.find('li').map('not a function'); } catch (e) { refused = e.message; }
  console.log(JSON.stringify({ mapped: doc.find('li').map(pick), seen, refused }));
}`,
      {},
    );
    for (const [k, r] of Object.entries(runs)) {
      assert.equal(r.exitCode, 0, `${k}: ${r.stderr}`);
      const line = r.stderr.split('\n').find((l) => l.includes('level=info'));
      assert.ok(line, `${k}: ${r.stderr}`);
      const logged = JSON.parse(JSON.parse(`"${/msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]}"`));
      assert.deepEqual(
        logged,
        {
          mapped: [
            ['a', true],
            ['c', true],
          ],
          seen: [0, 1, 2],
          refused: 'the argument to map() must be a function',
        },
        k,
      );
      assert.equal(count(r.samples, 'iterations'), 1, k);
    }
  });
});
