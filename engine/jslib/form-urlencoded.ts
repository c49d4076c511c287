// form-urlencoded (https://jslib.k6.io/form-urlencoded/3.0.0/index.js) offline: an object as an
// application/x-www-form-urlencoded string, nested objects and arrays in bracket notation. Written
// from what the published file (github.com/grafana/jslib.k6.io, lib/form-urlencoded/3.0.0, a build
// of the npm package form-urlencoded) gives, not from its code:
// - names and values are percent-encoded as encodeURIComponent does, with a space as `+` and
//   `! ' ( ) ~ *` encoded too; brackets in names are encoded (`a%5B0%5D=1`);
// - `null` is `name=null` (left out with `ignorenull`), and undefined, functions, symbols and
//   bigints are left out; an empty array is `name%5B%5D` alone, an empty object nothing;
// - options: `sorted` (keys sorted at every level), `skipIndex` (`a[]` instead of `a[0]`),
//   `ignorenull`;
// - a falsy `data` is returned as it is; a string is encoded by its character indexes.

interface Options {
  sorted?: unknown;
  skipIndex?: unknown;
  ignorenull?: unknown;
}

const EXTRA = /[!'()~*]/g;

function encode(value: unknown): string {
  return encodeURIComponent(String(value))
    .replace(/%20/g, '+')
    .replace(EXTRA, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

export default function formUrlencoded(data: unknown, opts: Options = {}): unknown {
  const sorted = Boolean(opts.sorted);
  const skipIndex = Boolean(opts.skipIndex);
  const ignorenull = Boolean(opts.ignorenull);
  const keys = (object: object) => (sorted ? Object.keys(object).sort() : Object.keys(object));
  const joined = (parts: Array<string | null>) => parts.filter((p) => p).join('&');

  function pair(name: string, value: unknown): string | null {
    if (value === null) return ignorenull ? null : `${encode(name)}=null`;
    const type = typeof value;
    if (type === 'string' || type === 'number' || type === 'boolean')
      return `${encode(name)}=${encode(value)}`;
    if (Array.isArray(value)) {
      if (value.length === 0) return encode(`${name}[]`);
      // map() skips the holes of a sparse array, and joined() drops them.
      return joined(value.map((item, index) => pair(skipIndex ? `${name}[]` : `${name}[${index}]`, item)));
    }
    if (type === 'object')
      return joined(keys(value as object).map((k) => pair(`${name}[${k}]`, (value as never)[k])));
    return null;
  }

  if (!data) return data;
  return joined(keys(data as object).map((k) => pair(k, (data as never)[k])));
}
