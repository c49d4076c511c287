// GJSON paths, the selector syntax of k6's Response.json(selector): written from the syntax's
// public description (SYNTAX.md of the github.com/tidwall/gjson repository, MIT), where details
// are not described, as that repository's gjson.go behaves. This code works on the parsed value
// (JSON.parse) rather than on the JSON text; the value k6 hands the script is the same
// (grafana/k6, js/modules/k6/http/response.go: gjson's Result.Value(); a path that does not exist
// gives undefined).
//
// Supported: keys and indexes, `*`/`?` wildcards in keys, `\` escapes, `#` (length) and `#.path`
// (one value per element), queries `#(path op value)` (first match) and `#(…)#` (all matches)
// with ==, =, !=, <, <=, >, >=, % and !% (like), ~true/~false/~null/~* and nested queries, `|`
// vs `.`, the built-in modifiers (@reverse, @ugly, @pretty, @this, @valid, @flatten, @join,
// @keys, @values, @tostr, @fromstr, @group, @dig) with their arguments, multipaths `[a,b]` and
// `{a,"name":b}`, and literals (`!true`, `!"text"`, `!{…}`).
// Not supported: JSON Lines (`..`) — such a path gives undefined.

/** A path that leads nowhere (gjson's Result.Exists() is false). */
const MISSING: unique symbol = Symbol('missing');
type Value = unknown;

const isObject = (v: Value): v is Record<string, Value> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const isContainer = (v: Value): v is Record<string, Value> | Value[] => v !== null && typeof v === 'object';

/** `value`'s gjson path `path`, or undefined. */
export function gjsonGet(value: Value, path: string): Value {
  const r = get(value, path);
  return r === MISSING ? undefined : r;
}

/** Where the first `sep` outside quotes, brackets and escapes is (-1: none). */
function topLevel(path: string, from: number, seps: string): number {
  let depth = 0;
  for (let i = from; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') i++;
    else if (c === '"') {
      for (i++; i < path.length && path[i] !== '"'; i++) if (path[i] === '\\') i++;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && seps.includes(c)) return i;
  }
  return -1;
}

/** Splits `a.b|c` at its first top-level pipe: ['a.b', 'c'] (right undefined: no pipe). */
function splitPipe(path: string): [string, string | undefined] {
  const i = topLevel(path, 0, '|');
  return i < 0 ? [path, undefined] : [path.slice(0, i), path.slice(i + 1)];
}

/** The closing bracket matching the one at `open`, skipping quotes and escapes. */
function closing(path: string, open: number): number {
  let depth = 0;
  for (let i = open; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') i++;
    else if (c === '"') {
      for (i++; i < path.length && path[i] !== '"'; i++) if (path[i] === '\\') i++;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) return i;
    }
  }
  return -1;
}

/** Continues with `rest` (which starts with `.`, `|` or is empty) from `value`. */
function then(value: Value, rest: string): Value {
  if (value === MISSING || rest === '') return value;
  if (rest[0] === '.' || rest[0] === '|') return get(value, rest.slice(1));
  return MISSING;
}

function get(value: Value, path: string): Value {
  if (value === MISSING) return MISSING;
  if (path === '') return MISSING;
  if (path.startsWith('..')) return MISSING;
  if (path[0] === '@') {
    const m = modifier(value, path);
    if (m) return then(m.value, m.rest);
  }
  if (path[0] === '!') {
    const l = literal(path);
    if (l) return then(l.value, l.rest);
  }
  if (path[0] === '[' || path[0] === '{') {
    const end = closing(path, 0);
    if (end > 0) return then(multipath(value, path.slice(0, end + 1)), path.slice(end + 1));
  }
  // One component, then `.` or `|` and the rest.
  let end: number;
  const query = path[0] === '#' && (path[1] === '(' || path[1] === '[');
  if (query) {
    end = closing(path, 1);
    if (end < 0) return MISSING;
    end++;
    if (path[end] === '#') end++;
  } else {
    end = 0;
    while (end < path.length && path[end] !== '.' && path[end] !== '|') end += path[end] === '\\' ? 2 : 1;
    end = Math.min(end, path.length);
  }
  const component = path.slice(0, end);
  let sep = path[end] ?? '';
  const rest = path.slice(end + 1);
  // `.` before a modifier or a multipath works as `|`.
  if (sep === '.' && (rest[0] === '[' || rest[0] === '{' || (rest[0] === '@' && modifierName(rest) !== null)))
    sep = '|';

  if (Array.isArray(value)) {
    if (component === '#') {
      if (sep === '.') {
        const [left, right] = splitPipe(rest);
        const each = value.map((e) => get(e, left)).filter((r) => r !== MISSING);
        return right === undefined ? each : get(each, right);
      }
      return sep === '|' ? get(value.length, rest) : value.length;
    }
    if (query) return runQuery(value, component, sep, rest);
    if (!/^\d+$/.test(component)) return MISSING;
    const index = Number(component);
    if (index >= value.length) return MISSING;
    return sep ? get(value[index], rest) : value[index];
  }
  if (isObject(value)) {
    const key = keyMatcher(component);
    let found: Value = MISSING;
    if (typeof key === 'string') {
      if (Object.hasOwn(value, key)) found = value[key];
    } else {
      for (const k of Object.keys(value)) {
        if (key.test(k)) {
          found = value[k];
          break;
        }
      }
    }
    return sep && found !== MISSING ? get(found, rest) : found;
  }
  return MISSING;
}

/** A pattern with `*`/`?` (and `\` escapes) as a RegExp; a plain key as its unescaped string. */
function keyMatcher(component: string): string | RegExp {
  let plain = '';
  let re = '';
  let wild = false;
  for (let i = 0; i < component.length; i++) {
    const c = component[i];
    if (c === '\\' && i + 1 < component.length) {
      const n = component[++i];
      plain += n;
      re += n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '*' || c === '?') {
      wild = true;
      re += c === '*' ? '[\\s\\S]*' : '[\\s\\S]';
    } else {
      plain += c;
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return wild ? new RegExp(`^${re}$`, 'u') : plain;
}

/** gjson's `%` operator: `*` any run of characters, `?` any one, `\` escapes. */
function like(text: string, pattern: string): boolean {
  const m = keyMatcher(pattern);
  return typeof m === 'string' ? text === m : m.test(text);
}

interface Query {
  path: string;
  op: string;
  value: string;
  all: boolean;
}

function parseQuery(component: string): Query | null {
  const all = component.endsWith('#') && component.length > 2 && component[component.length - 2] !== '\\';
  const inner = component.slice(2, all ? -2 : -1);
  let opAt = -1;
  let depth = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '\\') i++;
    else if (c === '"') {
      for (i++; i < inner.length && inner[i] !== '"'; i++) if (inner[i] === '\\') i++;
    } else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && '!=<>%'.includes(c)) {
      opAt = i;
      break;
    }
  }
  if (opAt < 0) return { path: inner.trim(), op: '', value: '', all };
  const path = inner.slice(0, opAt).trim();
  let tail = inner.slice(opAt).trim();
  let op: string;
  if (tail.length === 1) op = tail;
  else if (['!=', '!%', '<=', '>='].includes(tail.slice(0, 2))) op = tail.slice(0, 2);
  else if (tail.startsWith('==')) {
    tail = tail.slice(1);
    op = '=';
  } else op = tail[0];
  let value = tail.slice(op.length).trim();
  if (value.length >= 2 && value[0] === '"' && value[value.length - 1] === '"') {
    try {
      value = JSON.parse(value) as string;
    } catch {
      value = value.slice(1, -1);
    }
  }
  return { path, op, value, all };
}

/** strconv.ParseBool after lower-casing (gjson's trueish/falseish of strings). */
function parseBool(s: string): boolean | null {
  const v = s.toLowerCase();
  if (v === '1' || v === 't' || v === 'true') return true;
  if (v === '0' || v === 'f' || v === 'false') return false;
  return null;
}

function matches(q: Query, found: Value): boolean {
  let target = q.value;
  let v = found;
  if (target.startsWith('~')) {
    const kind = target.slice(1);
    let ish: boolean | null = null;
    if (kind === '*') ish = v !== MISSING;
    // A path that does not exist counts as null (and as false), as gjson's zero Result.
    else if (kind === 'null') ish = v === null || v === MISSING;
    else if (kind === 'true')
      ish =
        v === true || (typeof v === 'string' && parseBool(v) === true) || (typeof v === 'number' && v !== 0);
    else if (kind === 'false')
      ish =
        v === null ||
        v === MISSING ||
        v === false ||
        (typeof v === 'string' && parseBool(v) === false) ||
        (typeof v === 'number' && v === 0);
    if (ish === null) {
      target = '';
      v = MISSING;
    } else {
      target = 'true';
      v = ish;
    }
  }
  if (v === MISSING) return false;
  if (q.op === '') return true;
  if (typeof v === 'string') {
    switch (q.op) {
      case '=':
        return v === target;
      case '!=':
        return v !== target;
      case '<':
        return v < target;
      case '<=':
        return v <= target;
      case '>':
        return v > target;
      case '>=':
        return v >= target;
      case '%':
        return like(v, target);
      case '!%':
        return !like(v, target);
    }
    return false;
  }
  if (typeof v === 'number') {
    // Go's strconv.ParseFloat: anything it cannot parse is 0.
    const parsed = target.trim() === '' ? 0 : Number(target);
    const n = Number.isNaN(parsed) ? 0 : parsed;
    switch (q.op) {
      case '=':
        return v === n;
      case '!=':
        return v !== n;
      case '<':
        return v < n;
      case '<=':
        return v <= n;
      case '>':
        return v > n;
      case '>=':
        return v >= n;
    }
    return false;
  }
  if (v === true) {
    if (q.op === '=') return target === 'true';
    if (q.op === '!=') return target !== 'true';
    if (q.op === '>') return target === 'false';
    return q.op === '>=';
  }
  if (v === false) {
    if (q.op === '=') return target === 'false';
    if (q.op === '!=') return target !== 'false';
    if (q.op === '<') return target === 'true';
    return q.op === '<=';
  }
  return false;
}

function runQuery(array: Value[], component: string, sep: string, rest: string): Value {
  const q = parseQuery(component);
  if (!q) return MISSING;
  const hit = (e: Value): boolean => {
    if (isContainer(e)) return matches(q, q.path === '' ? e : get(e, q.path));
    return q.path === '' && matches(q, e);
  };
  if (!q.all) {
    const first = array.find(hit);
    if (first === undefined) return MISSING;
    return sep ? get(first, rest) : first;
  }
  const all = array.filter(hit);
  if (sep === '.') {
    const [left, right] = splitPipe(rest);
    const each = all.map((e) => get(e, left)).filter((r) => r !== MISSING);
    return right === undefined ? each : get(each, right);
  }
  return sep === '|' ? get(all, rest) : all;
}

/** `{a,"name":b}` or `[a,b]`: a new object or array of the paths that exist. */
function multipath(value: Value, text: string): Value {
  const inner = text.slice(1, -1);
  const parts: string[] = [];
  let start = 0;
  for (let i = topLevel(inner, 0, ','); i >= 0; i = topLevel(inner, start, ',')) {
    parts.push(inner.slice(start, i));
    start = i + 1;
  }
  parts.push(inner.slice(start));
  const asObject = text[0] === '{';
  const out: Value[] = [];
  const obj: Record<string, Value> = {};
  for (const part of parts) {
    if (part.trim() === '') continue;
    let name: string | null = null;
    let sub = part;
    const colon = topLevel(part, 0, ':');
    if (colon >= 0 && !part.slice(0, colon).includes('@')) {
      name = part.slice(0, colon);
      sub = part.slice(colon + 1);
      if (name.startsWith('"')) {
        try {
          name = JSON.parse(name) as string;
        } catch {
          /* the raw name, as gjson */
        }
      }
    }
    const r = get(value, sub);
    if (r === MISSING) continue;
    if (asObject) obj[name ?? lastName(sub)] = r;
    else out.push(r);
  }
  return asObject ? obj : out;
}

/** The key a multipath member gets without a name: its last component, or `_`. */
function lastName(path: string): string {
  let i = path.length - 1;
  for (; i >= 0; i--) if ((path[i] === '.' || path[i] === '|') && path[i - 1] !== '\\') break;
  const last = path.slice(i + 1);
  const simple = [...last].every((c) => c >= ' ' && !'[]{}()#|!'.includes(c));
  return simple ? last : '_';
}

/** `!true`, `!"text"`, `!{…}`, `!42` … */
function literal(path: string): { value: Value; rest: string } | null {
  const body = path.slice(1);
  const c = body[0];
  if (c === '{' || c === '[') {
    const end = closing(body, 0);
    if (end < 0) return null;
    try {
      return { value: JSON.parse(body.slice(0, end + 1)), rest: body.slice(end + 1) };
    } catch {
      return null;
    }
  }
  if (c === '"') {
    let i = 1;
    for (; i < body.length && body[i] !== '"'; i++) if (body[i] === '\\') i++;
    try {
      return { value: JSON.parse(body.slice(0, i + 1)), rest: body.slice(i + 1) };
    } catch {
      return null;
    }
  }
  const m = /^[-+]?[0-9][0-9.eE+-]*/.exec(body);
  if (m) return { value: Number(m[0]), rest: body.slice(m[0].length) };
  const word = /^[^.|]*/.exec(body)?.[0] ?? '';
  const rest = body.slice(word.length);
  switch (word.toLowerCase()) {
    case 'true':
      return { value: true, rest };
    case 'false':
      return { value: false, rest };
    case 'null':
      return { value: null, rest };
    case 'nan':
      return { value: Number.NaN, rest };
    case 'inf':
      return { value: Number.POSITIVE_INFINITY, rest };
  }
  return null;
}

type Modifier = (value: Value, arg: Value) => Value;

const truthy = (arg: Value, key: string): boolean => isObject(arg) && arg[key] === true;

function flatten(value: Value[], deep: boolean): Value[] {
  return value.flatMap((v) => (Array.isArray(v) ? (deep ? flatten(v, true) : v) : [v]));
}

function dig(value: Value, path: string, out: Value[]): Value[] {
  const r = get(value, path);
  if (r !== MISSING) out.push(r);
  if (isContainer(value)) for (const v of Object.values(value)) dig(v, path, out);
  return out;
}

const MODIFIERS: Record<string, Modifier> = {
  this: (v) => v,
  pretty: (v) => v,
  ugly: (v) => v,
  valid: (v) => v,
  reverse: (v) => {
    if (Array.isArray(v)) return [...v].reverse();
    if (isObject(v)) return Object.fromEntries(Object.entries(v).reverse());
    return v;
  },
  flatten: (v, arg) => (Array.isArray(v) ? flatten(v, truthy(arg, 'deep')) : v),
  join: (v, arg) => {
    if (!Array.isArray(v)) return v;
    const out: Record<string, Value> = {};
    const preserve = truthy(arg, 'preserve');
    for (const o of v) {
      if (!isObject(o)) continue;
      for (const [k, x] of Object.entries(o)) if (!preserve || !Object.hasOwn(out, k)) out[k] = x;
    }
    return out;
  },
  keys: (v) => (isObject(v) ? Object.keys(v) : Array.isArray(v) ? v.map(() => null) : []),
  values: (v) => (isObject(v) ? Object.values(v) : Array.isArray(v) ? v : []),
  tostr: (v) => JSON.stringify(v),
  fromstr: (v) => {
    if (typeof v !== 'string') return MISSING;
    try {
      return JSON.parse(v);
    } catch {
      return MISSING;
    }
  },
  group: (v) => {
    if (!isObject(v)) return MISSING;
    const rows: Record<string, Value>[] = [];
    for (const [k, list] of Object.entries(v)) {
      if (!Array.isArray(list)) continue;
      list.forEach((x, i) => {
        rows[i] ??= {};
        rows[i][k] = x;
      });
    }
    return rows;
  },
  dig: (v, arg) => (typeof arg === 'string' && arg !== '' ? dig(v, arg, []) : []),
};

/** The modifier's name when `path` (starting with `@`) names a built-in one. */
function modifierName(path: string): string | null {
  const name = /^@([^.|:]*)/.exec(path)?.[1] ?? '';
  return Object.hasOwn(MODIFIERS, name) ? name : null;
}

function modifier(value: Value, path: string): { value: Value; rest: string } | null {
  const name = modifierName(path);
  if (name === null) return null;
  let rest = path.slice(1 + name.length);
  let arg: Value;
  if (rest[0] === ':') {
    rest = rest.slice(1);
    const c = rest[0];
    let parsed = false;
    if (c === '{' || c === '[' || c === '"') {
      const end = c === '"' ? topLevel(rest, 0, '.|') : closing(rest, 0) + 1;
      const text = end < 0 ? rest : rest.slice(0, end);
      try {
        arg = JSON.parse(text);
        rest = rest.slice(text.length);
        parsed = true;
      } catch {
        /* a plain argument */
      }
    }
    if (!parsed) {
      const end = topLevel(rest, 0, '|');
      arg = end < 0 ? rest : rest.slice(0, end);
      rest = end < 0 ? '' : rest.slice(end);
    }
  }
  if (value === MISSING) return { value: MISSING, rest };
  return { value: MODIFIERS[name](value, arg), rest };
}
