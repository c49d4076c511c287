// Response.json(selector) takes GJSON paths, as k6 does: the examples of the syntax's public
// description (SYNTAX.md of github.com/tidwall/gjson) and the selectors community scripts use.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gjsonGet } from '../engine/http/gjson.ts';
import { jsonBody } from '../engine/http/json-body.ts';

const doc = {
  name: { first: 'Tom', last: 'Anderson' },
  age: 37,
  children: ['Sara', 'Alex', 'Jack'],
  'fav.movie': 'Deer Hunter',
  friends: [
    { first: 'Dale', last: 'Murphy', age: 44, nets: ['ig', 'fb', 'tw'] },
    { first: 'Roger', last: 'Craig', age: 68, nets: ['fb', 'tw'] },
    { first: 'Jane', last: 'Murphy', age: 47, nets: ['ig', 'tw'] },
  ],
};
const [dale, roger, jane] = doc.friends;

const vals = {
  vals: [
    { a: 1, b: 'data' },
    { a: 2, b: true },
    { a: 3, b: false },
    { a: 4, b: '0' },
    { a: 5, b: 0 },
    { a: 6, b: '1' },
    { a: 7, b: 1 },
    { a: 8, b: 'true' },
    { a: 9, b: false },
    { a: 10, b: null },
    { a: 11 },
  ],
};

const cases: Array<[string, unknown, unknown?]> = [
  // Basic
  ['name.last', 'Anderson'],
  ['name.first', 'Tom'],
  ['age', 37],
  ['children', ['Sara', 'Alex', 'Jack']],
  ['children.0', 'Sara'],
  ['children.1', 'Alex'],
  ['friends.1', roger],
  ['friends.1.first', 'Roger'],
  // Wildcards and escapes
  ['child*.2', 'Jack'],
  ['c?ildren.0', 'Sara'],
  ['fav\\.movie', 'Deer Hunter'],
  // Arrays
  ['friends.#', 3],
  ['friends.#.age', [44, 68, 47]],
  ['friends.#.nets.#', [3, 2, 2]],
  // Queries
  ['friends.#(last=="Murphy").first', 'Dale'],
  ['friends.#(last=="Murphy")#.first', ['Dale', 'Jane']],
  ['friends.#(age>45)#.last', ['Craig', 'Murphy']],
  ['friends.#(first%"D*").last', 'Murphy'],
  ['friends.#(first!%"D*").last', 'Craig'],
  ['children.#(!%"*a*")', 'Alex'],
  ['children.#(%"*a*")#', ['Sara', 'Jack']],
  ['friends.#(nets.#(=="fb"))#.first', ['Dale', 'Roger']],
  ['vals.#(b==~true)#.a', [2, 6, 7, 8], vals],
  ['vals.#(b==~false)#.a', [3, 4, 5, 9, 10, 11], vals],
  ['vals.#(b==~null)#.a', [10, 11], vals],
  ['vals.#(b==~*)#.a', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], vals],
  ['vals.#(b!=~*)#.a', [11], vals],
  // Dot vs pipe
  ['friends.0.first', 'Dale'],
  ['friends|0.first', 'Dale'],
  ['friends.0|first', 'Dale'],
  ['friends|0|first', 'Dale'],
  ['friends|#', 3],
  ['friends.#(last="Murphy")#', [dale, jane]],
  ['friends.#(last="Murphy")#.first', ['Dale', 'Jane']],
  ['friends.#(last="Murphy")#|first', undefined],
  ['friends.#(last="Murphy")#.0', []],
  ['friends.#(last="Murphy")#|0', dale],
  ['friends.#(last="Murphy")#.#', []],
  ['friends.#(last="Murphy")#|#', 2],
  // Modifiers
  ['children.@reverse', ['Jack', 'Alex', 'Sara']],
  ['children.@reverse.0', 'Jack'],
  ['children|@reverse|0', 'Jack'],
  ['@this.age', 37],
  ['name.@keys', ['first', 'last']],
  ['name.@values', ['Tom', 'Anderson']],
  ['friends.#.nets|@flatten', ['ig', 'fb', 'tw', 'fb', 'tw', 'ig', 'tw']],
  ['friends.@dig:first', ['Dale', 'Roger', 'Jane']],
  ['@pretty:{"sortKeys":true}|age', 37],
  ['name.@tostr', '{"first":"Tom","last":"Anderson"}'],
  // Multipaths and literals
  [
    '{name.first,age,"the_murphys":friends.#(last="Murphy")#.first}',
    { first: 'Tom', age: 37, the_murphys: ['Dale', 'Jane'] },
  ],
  ['[name.first,age,nothing]', ['Tom', 37]],
  [
    '{name.first,age,"company":!"Happysoft","employed":!true}',
    { first: 'Tom', age: 37, company: 'Happysoft', employed: true },
  ],
  // What does not exist is undefined
  ['nothing', undefined],
  ['name.first.x', undefined],
  ['children.7', undefined],
  ['friends.#(age>100).first', undefined],
  ['friends.#(age>100)#', []],
];

describe('engine: GJSON paths in Response.json(selector)', () => {
  for (const [path, want, on] of cases) {
    test(`${path} → ${JSON.stringify(want)}`, () => {
      assert.deepEqual(gjsonGet(on ?? doc, path), want);
    });
  }

  test('@flatten, @join and @group', () => {
    assert.deepEqual(gjsonGet([1, [2, [3, 4]], [5]], '@flatten'), [1, 2, [3, 4], 5]);
    assert.deepEqual(gjsonGet([1, [2, [3, 4]], [5]], '@flatten:{"deep":true}'), [1, 2, 3, 4, 5]);
    assert.deepEqual(gjsonGet([{ a: 1 }, { a: 2, b: 3 }], '@join'), { a: 2, b: 3 });
    assert.deepEqual(gjsonGet([{ a: 1 }, { a: 2, b: 3 }], '@join:{"preserve":true}'), { a: 1, b: 3 });
    assert.deepEqual(gjsonGet({ id: [1, 2], name: ['a', 'b'] }, '@group'), [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    assert.deepEqual(gjsonGet({ s: '{"id":5}' }, 's.@fromstr.id'), 5);
  });

  test('the selectors of community scripts: a top-level array, nested queries on numbers', () => {
    const posts = [
      { userId: 1, id: 1 },
      { userId: 2, id: 2 },
    ];
    assert.deepEqual(gjsonGet(posts, '#.userId'), [1, 2]);
    assert.equal(gjsonGet(posts, '#'), 2);
    const shop = {
      categories: [{ id: 3 }, { id: 9 }],
      cartItems: [
        { product: { id: 4 }, quantity: 1 },
        { product: { id: 7 }, quantity: 5 },
      ],
    };
    assert.deepEqual(gjsonGet(shop, 'categories.#.id'), [3, 9]);
    assert.equal(gjsonGet(shop, 'cartItems.#(product.id==7).quantity'), 5);
    assert.equal(
      gjsonGet(shop, 'cartItems.#(product.id=="7").quantity'),
      5,
      'a quoted number is compared as a number with a number',
    );
  });

  test('jsonBody: with a selector, invalid JSON is undefined; without one it throws', () => {
    assert.equal(jsonBody('not json', 'http://x/', 'a'), undefined);
    assert.throws(
      () => jsonBody('not json', 'http://x/'),
      /^Error: cannot parse json due to an error at line 1, character \d+ , error: /,
    );
  });

  test("jsonBody: k6's sentences for an HTML page, an empty body, a null body; a binary body is parsed", () => {
    assert.throws(
      () => jsonBody('\n  <html>', 'http://x/'),
      /^Error: cannot parse json due to an error at line 2, character 3 , error: invalid character '<' looking for beginning of value$/,
    );
    assert.throws(
      () => jsonBody('', 'http://x/'),
      /^Error: cannot parse json due to an error at line 1, character 0 , error: unexpected end of JSON input$/,
    );
    assert.throws(
      () => jsonBody('\u0000', 'http://x/'),
      /error: invalid character '\\x00' looking for beginning of value$/,
    );
    assert.throws(
      () => jsonBody(null, 'http://x/'),
      /^Error: the body is null so we can't transform it to JSON/,
    );
    assert.deepEqual(jsonBody(new TextEncoder().encode('{"a":[1]}').buffer as ArrayBuffer, 'http://x/'), {
      a: [1],
    });
    assert.deepEqual(jsonBody('[{"id":1},{"id":2}]', 'http://x/', '#.id'), [1, 2]);
  });
});
