// k6's HTML API (`k6/html` parseHTML and Response.html()) on cheerio, with parse5 parsing HTML the
// way browsers (and Go's net/html, which k6 uses) do. Selection mirrors k6's jQuery-like methods;
// Element mirrors k6's DOM-like element (methods, not properties). cheerio is loaded on first use:
// it takes a few hundred milliseconds and most scripts never parse HTML.
import { createRequire } from 'node:module';
import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode, Element as DomElement } from 'domhandler';
import { InterruptedError, isRefusal, ResponseNotAwaitedError } from '../vu-errors.ts';
import {
  emptyURL,
  type GoURL,
  goURLString,
  parseGoURL,
  resolveGoURL,
  splitHostPort,
  unescapeGo,
} from './go-url.ts';

type CheerioModule = typeof import('cheerio');
let cheerio: CheerioModule | null = null;
function lib(): CheerioModule {
  cheerio ??= createRequire(import.meta.url)('cheerio') as CheerioModule;
  return cheerio;
}

const XHTML = 'http://www.w3.org/1999/xhtml';

export function parseHTML(src: unknown): Selection {
  const $ = lib().load(String(src ?? ''));
  return new Selection($, $.root(), '');
}

/**
 * Response.html(): the body parsed as HTML; with a selector, the matches of find(selector). The
 * Selection keeps the response's URL, against which its elements' URL attributes resolve.
 */
export function htmlOf(body: string | ArrayBuffer | null, selector?: string, pageURL = ''): Selection {
  // As k6's Response.html() (grafana/k6 js/modules/k6/http/response.go): a binary body is read as text.
  if (body === null) {
    throw new Error(
      "the body is null so we can't transform it to HTML - this likely was because of a request error getting the response",
    );
  }
  const $ = lib().load(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  const doc = new Selection($, $.root(), pageURL);
  return selector === undefined ? doc : doc.find(selector);
}

type Tester = (index: number, selection: Selection) => unknown;
type Filter = string | Tester | Selection;

function isElement(node: AnyNode | null | undefined): node is DomElement {
  return !!node && (node.type === 'tag' || node.type === 'script' || node.type === 'style');
}

export class Selection {
  // Private (#) so that a script sees only k6's fields: console.log() and JSON.stringify() of a
  // Selection give its url, as k6's.
  readonly #$: CheerioAPI;
  readonly #sel: Cheerio<AnyNode>;
  /** The response's URL for Response.html(), '' for parseHTML() (k6's Selection `url` field). */
  readonly url: string;
  constructor($: CheerioAPI, sel: Cheerio<AnyNode>, url: string) {
    this.#$ = $;
    this.#sel = sel;
    this.url = url;
  }

  private wrap(sel: Cheerio<AnyNode>): Selection {
    return new Selection(this.#$, sel, this.url);
  }

  /** A cheerio filter argument from a k6 one (selector, tester or Selection). */
  private predicate(f: Filter): string | ((i: number, el: AnyNode) => boolean) | Cheerio<AnyNode> {
    if (typeof f === 'string') return f;
    if (f instanceof Selection) return f.#sel;
    if (typeof f === 'function') return (i, el) => Boolean(f(i, this.wrap(this.#$(el))));
    throw new TypeError('expected a selector string, a function or a Selection.');
  }

  /**
   * k6's selector arguments of add/find/closest/has/not: a selector string, a Selection or an
   * Element; anything else fails with k6's sentence.
   */
  private target(arg: unknown): string | Cheerio<AnyNode> | AnyNode {
    if (typeof arg === 'string') return arg;
    if (arg instanceof Selection) return arg.#sel;
    if (arg instanceof Element) return arg.domNode();
    throw new Error(`invalid argument, cannot use a '${goTypeName(arg)}' as a selector`);
  }
  /**
   * nextUntil/prevUntil/parentsUntil as k6's: up to a selector string or a Selection (none: to
   * the end), keeping only the matches of the optional filter selector.
   */
  private until(
    kind: 'nextUntil' | 'prevUntil' | 'parentsUntil',
    selector: unknown,
    filter: unknown,
    filtered: boolean,
  ): Selection {
    let stop: string | Cheerio<AnyNode> | undefined;
    if (selector instanceof Selection) stop = selector.#sel;
    else if (typeof selector === 'string' && selector !== '') stop = selector;
    const f = filtered ? String(filter) : undefined;
    return this.wrap(this.#sel[kind](stop as string | undefined, f));
  }

  /** The matches of a selector (in the whole document) or a Selection's elements added, as k6's Add. */
  add(arg: string | Selection | Element): Selection {
    return this.wrap(this.#sel.add(this.target(arg) as string) as Cheerio<AnyNode>);
  }
  /** The first element's attribute; `fallback` (as k6's second argument) when it has none. */
  attr(name: string): string | undefined;
  attr(name: string, fallback: unknown): unknown;
  attr(name: string, ...fallback: unknown[]): unknown {
    const v = this.#sel.attr(name);
    return v === undefined && fallback.length > 0 ? fallback[0] : v;
  }
  children(selector?: string): Selection {
    return this.wrap(selector ? this.#sel.children(selector) : this.#sel.children());
  }
  closest(selector: string | Selection | Element): Selection {
    return this.wrap(this.#sel.closest(this.target(selector) as string));
  }
  contents(): Selection {
    return this.wrap(this.#sel.contents());
  }
  /**
   * As k6's Data: the first element's data- attributes, named and converted as k6 does
   * (data-test-id is testID: k6 camel-cases with Go's common initialisms), or the one of `key`;
   * undefined when the element has no attribute at all.
   */
  data(key?: string): unknown {
    const node = this.#sel.get(0);
    if (!node || !isElement(node) || Object.keys(node.attribs).length === 0) return undefined;
    if (key !== undefined) {
      const v = node.attribs[`data-${propertyToAttr(String(key))}`];
      return v === undefined ? undefined : dataValue(v);
    }
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(node.attribs)) {
      if (name.startsWith('data-') && name.length > 5) out[attrToProperty(name.slice(5))] = dataValue(v);
    }
    return out;
  }
  /** Calls `handler(index, element)` for each element; returns this Selection, as k6's Each. */
  each(handler: (index: number, element: Element) => unknown): Selection {
    if (typeof handler !== 'function') throw new TypeError('the argument to each() must be a function');
    this.#sel.each((i, node) => {
      handler(i, elementOf(this.#$, node, this.url));
    });
    return this;
  }
  /** The selection before the last filtering or traversal call, as k6's End (goquery's). */
  end(): Selection {
    return this.wrap(this.#sel.end() as Cheerio<AnyNode>);
  }
  eq(index: number): Selection {
    return this.wrap(this.#sel.eq(index));
  }
  filter(f: Filter): Selection {
    return this.wrap(this.#sel.filter(this.predicate(f) as string));
  }
  find(selector: string | Selection | Element): Selection {
    return this.wrap(this.#sel.find(this.target(selector) as string));
  }
  first(): Selection {
    return this.wrap(this.#sel.first());
  }
  /** As k6: the element at the index (negative from the end), or every element without one. */
  get(): Element[];
  get(index: number): Element | undefined;
  get(index?: number): Element | Element[] | undefined {
    if (index === undefined) return this.#sel.toArray().map((n) => elementOf(this.#$, n, this.url));
    const i = Math.trunc(Number(index));
    if (!(i < this.#sel.length && i > -this.#sel.length)) return undefined;
    const node = this.#sel.get(i);
    return node ? elementOf(this.#$, node, this.url) : undefined;
  }
  has(selector: string | Selection | Element): Selection {
    const t = this.target(selector);
    if (typeof t === 'string') return this.wrap(this.#sel.has(t) as Cheerio<AnyNode>);
    const nodes = 'toArray' in t ? t.toArray() : [t];
    return this.wrap(this.#sel.filter((_i, el) => nodes.some((n) => lib().contains(el as DomElement, n))));
  }
  html(): string | undefined {
    return this.#sel.length === 0 ? undefined : (this.#sel.html() ?? undefined);
  }
  /**
   * As k6's Index: without an argument the first element's position among its siblings; with a
   * selector its position among the selector's matches; with a Selection or an Element the
   * position of that one's (first) element in this selection; -1 when not found.
   */
  index(arg?: string | Selection | Element): number {
    if (arg === undefined) return this.#sel.index();
    if (typeof arg === 'string') return this.#sel.index(arg);
    if (arg instanceof Selection) return arg.#sel.length === 0 ? -1 : this.#sel.index(arg.#sel);
    if (arg instanceof Element) return this.#sel.index(arg.domNode());
    return -1;
  }
  is(f: Filter): boolean {
    return this.#sel.is(this.predicate(f) as string);
  }
  last(): Selection {
    return this.wrap(this.#sel.last());
  }
  /**
   * As k6's Map (grafana/k6 js/modules/k6/html/html.go): the callback is called with the function
   * itself as `this`; an element whose callback throws is left out of the result and the others
   * go on (k6 keeps a value only when the call returned without an error). The engine's own
   * interruptions and refusals still end the iteration: k6 would not have gone on differently.
   */
  map(mapper: (index: number, selection: Selection) => unknown): unknown[] {
    if (typeof mapper !== 'function') throw new Error('the argument to map() must be a function');
    const out: unknown[] = [];
    this.#sel.each((i, node) => {
      try {
        out.push(mapper.call(mapper, i, this.wrap(this.#$(node))));
      } catch (err) {
        if (err instanceof InterruptedError || err instanceof ResponseNotAwaitedError || isRefusal(err))
          throw err;
      }
    });
    return out;
  }
  next(selector?: string): Selection {
    return this.wrap(this.#sel.next(selector));
  }
  nextAll(selector?: string): Selection {
    return this.wrap(this.#sel.nextAll(selector));
  }
  nextUntil(selector?: string | Selection | null, ...filter: string[]): Selection {
    return this.until('nextUntil', selector, filter[0], filter.length > 0);
  }
  not(f: Filter | Element): Selection {
    if (f instanceof Element) return this.wrap(this.#sel.not(f.domNode() as DomElement));
    if (typeof f !== 'function' && typeof f !== 'string' && !(f instanceof Selection)) this.target(f);
    return this.wrap(this.#sel.not(this.predicate(f) as string));
  }
  parent(selector?: string): Selection {
    return this.wrap(this.#sel.parent(selector));
  }
  parents(selector?: string): Selection {
    return this.wrap(this.#sel.parents(selector));
  }
  parentsUntil(selector?: string | Selection | null, ...filter: string[]): Selection {
    return this.until('parentsUntil', selector, filter[0], filter.length > 0);
  }
  prev(selector?: string): Selection {
    return this.wrap(this.#sel.prev(selector));
  }
  prevAll(selector?: string): Selection {
    return this.wrap(this.#sel.prevAll(selector));
  }
  prevUntil(selector?: string | Selection | null, ...filter: string[]): Selection {
    return this.until('prevUntil', selector, filter[0], filter.length > 0);
  }
  /**
   * As k6's Serialize: the values of serializeArray() form-encoded as Go's url.Values.Encode()
   * does (names sorted, a later field of the same name replacing an earlier one, every selected
   * value of a multiple select).
   */
  serialize(): string {
    const values = new Map<string, string[]>();
    for (const { name, value } of this.serializeArray()) {
      if (typeof value === 'string') values.set(name, [value]);
      else if (Array.isArray(value)) values.set(name, value);
    }
    const names = [...values.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return names
      .flatMap((n) => (values.get(n) ?? []).map((v) => `${queryEscape(n)}=${queryEscape(v)}`))
      .join('&');
  }
  /**
   * As k6's SerializeArray: the named input, select, textarea and keygen fields of a form (or of
   * this selection), with k6's rules: a field is left out when its disabled attribute is
   * "disabled", when it is a submit, button, reset, image or file input, and a checkbox or radio
   * unless its checked attribute is "checked" (a bare `checked` is not); values are val()'s.
   */
  serializeArray(): Array<{ name: string; value: string | string[] | undefined }> {
    const submittable = 'input,select,textarea,keygen';
    const fields = this.#sel.is('form') ? this.#sel.find(submittable) : this.#sel.filter(submittable);
    const out: Array<{ name: string; value: string | string[] | undefined }> = [];
    for (const node of fields.toArray()) {
      if (!isElement(node)) continue;
      const { name = '', type = '', disabled = '', checked = '' } = node.attribs;
      if (name === '' || disabled === 'disabled') continue;
      if (['submit', 'button', 'reset', 'image', 'file'].includes(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && checked !== 'checked') continue;
      out.push({ name, value: this.wrap(this.#$(node)).val() });
    }
    return out;
  }
  /** As k6's SerializeObject: serializeArray() by name, a later field replacing an earlier one. */
  serializeObject(): Record<string, string | string[] | undefined> {
    const out: Record<string, string | string[] | undefined> = {};
    for (const { name, value } of this.serializeArray()) out[name] = value;
    return out;
  }
  /** The siblings of each element, filtered by the selector when one is given, as k6's Siblings. */
  siblings(selector?: string): Selection {
    return this.wrap(selector ? this.#sel.siblings(selector) : this.#sel.siblings());
  }
  /** The first element that matches the selector under this selection, as k6's Single. */
  single(selector: string): Selection {
    return this.wrap(this.#sel.find(selector).first());
  }
  size(): number {
    return this.#sel.length;
  }
  slice(start: number, end?: number): Selection {
    return this.wrap(this.#sel.slice(start, end));
  }
  text(): string {
    return this.#sel.text();
  }
  toArray(): Selection[] {
    return this.#sel.toArray().map((node) => this.wrap(this.#$(node)));
  }
  /**
   * As k6's Val, by the first element's tag: an input's value ("on" for a checkbox or radio
   * without one), a button's value, a textarea's inner HTML, an option's value or HTML, a
   * select's selected option (every selected one, as an array, for a multiple select);
   * undefined for any other tag.
   */
  val(): string | string[] | undefined {
    const first = this.#sel.get(0);
    if (!first || !isElement(first)) return undefined;
    const valueOrHTML = (n: AnyNode | undefined) =>
      n === undefined ? '' : ((isElement(n) ? n.attribs.value : undefined) ?? this.#$(n).html() ?? '');
    switch (first.name) {
      case 'input': {
        const v = first.attribs.value;
        if (v !== undefined) return v;
        const type = first.attribs.type;
        return type === 'radio' || type === 'checkbox' ? 'on' : '';
      }
      case 'button':
        return first.attribs.value ?? '';
      case 'textarea':
        return this.#$(first).html() ?? '';
      case 'option':
        return valueOrHTML(first);
      case 'select': {
        const selected = this.#$(first).find('option[selected]').toArray();
        if ('multiple' in first.attribs) return selected.map(valueOrHTML);
        return valueOrHTML(selected[0]);
      }
      default:
        return undefined;
    }
  }
}

/** Go's url.QueryEscape: everything but letters, digits and -_.~ percent-encoded, a space as '+'. */
function queryEscape(v: string): string {
  return encodeURIComponent(v)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** The Go type name k6's error sentence gives for a value a script passed (fmt's %T of its export). */
function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'function') return 'func(sobek.FunctionCall) sobek.Value';
  return 'map[string]interface {}';
}

/** Go's common initialisms (golint's list), which k6's data() keys use: data-user-id is userID. */
const INITIALISMS = new Set(
  'ACL API ASCII CPU CSS DNS EOF ETA GPU GUID HTML HTTP HTTPS ID IP JSON LHS OS QPS RAM RHS RPC SLA SMTP SQL SSH TCP TLS TTL UDP UI UID UUID URI URL UTF8 VM XML XMPP XSRF XSS OAuth'.split(
    ' ',
  ),
);

/** "test-id" → "testID": the part after the first dash camel-cased, initialisms in capitals. */
function attrToProperty(name: string): string {
  const dash = name.indexOf('-');
  if (dash < 0) return name;
  const words = name
    .slice(dash + 1)
    .replaceAll('-', '_')
    .split('_');
  const camel = words
    .map((w) => {
      if (w === 'oauth') return 'OAuth';
      if (INITIALISMS.has(w.toUpperCase())) return w.toUpperCase();
      return w === '' ? '' : w[0].toUpperCase() + w.slice(1);
    })
    .join('');
  return name.slice(0, dash) + camel;
}

const isUpper = (c: string) => c !== c.toLowerCase() && c === c.toUpperCase();

/** "testID" or "testId" → "test-id": k6's key for data(key), split before capitals and initialisms. */
function propertyToAttr(name: string): string {
  const words: string[] = [];
  let last = 0;
  for (let i = 1; i < name.length; i++) {
    if (!isUpper(name[i])) continue;
    let initialism = '';
    for (let n = 1; n <= 5; n++) {
      if (name.length - last >= n && INITIALISMS.has(name.slice(last, last + n)))
        initialism = name.slice(last, last + n);
    }
    if (initialism !== '') {
      words.push(initialism);
      i += initialism.length - 1;
      last = i;
      continue;
    }
    words.push(name.slice(last, i));
    last = i;
  }
  if (name.slice(last) !== '') words.push(name.slice(last));
  return words.map((w) => w.toLowerCase()).join('-');
}

/** Go's FormatFloat(f, 'f', -1): the shortest digits, never an exponent. */
function plainNumber(n: number): string {
  if (Object.is(n, -0)) return '-0';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const digits = m[2] + (m[3] ?? '');
  const exp = Number(m[4]);
  if (exp >= 0) return m[1] + digits.padEnd(exp + 1, '0');
  return `${m[1]}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** A data- attribute's value as k6 converts it: JSON, booleans, numbers that read back the same. */
function dataValue(v: string): unknown {
  if (v === '') return undefined;
  if (v[0] === '{' || v[0] === '[') {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === 'null' || v === 'undefined') return undefined;
  if (v === 'NaN') return Number.NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n) && plainNumber(n) === v) return n;
  }
  return v;
}

/** k6's Attribute: its fields are named as k6's Go struct maps them (owner_element, name, value). */
export class Attribute {
  constructor(
    readonly name: string,
    readonly value: string,
    readonly owner_element: Element,
    ns = '',
  ) {
    this.#ns = ns;
  }
  readonly #ns: string;
  localName(): string {
    return this.name;
  }
  namespaceURI(): string {
    return namespaceURI(this.#ns);
  }
  prefix(): string {
    return this.#ns;
  }
}

/** The namespace URI k6 reports for a parser namespace ("svg", "math", otherwise XHTML). */
function namespaceURI(ns: string): string {
  if (ns === 'svg') return 'http://www.w3.org/2000/svg';
  if (ns === 'math') return 'http://www.w3.org/1998/Math/MathML';
  return XHTML;
}

/** The parts of an Element the kinds' methods below read (set in Element's static block). */
let parts: (e: Element) => { $: CheerioAPI; node: AnyNode; pageURL: string };

/** Go's strconv.Atoi on an attribute: an optional sign and decimal digits, else the default. */
function atoi(v: string | undefined, fallback: number): number {
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return fallback;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : fallback;
}

/**
 * k6's Element: DOM properties as methods. Selection.get(), each() and every method that returns
 * an element give the kind of element its tag makes it in k6 (grafana/k6
 * js/modules/k6/html/elements.go): an `<a>` also has host(), an `<input>` form(), a `<select>`
 * options() …, and only those kinds have them (elementOf below).
 */
export class Element {
  // Private (#): k6's Element has no field a script sees (console.log() gives {}).
  readonly #$: CheerioAPI;
  readonly #node: AnyNode;
  /** The page's URL (Response.html()), against which URL attributes resolve; '' for parseHTML(). */
  readonly #pageURL: string;
  constructor($: CheerioAPI, node: AnyNode, pageURL = '') {
    this.#$ = $;
    this.#node = node;
    this.#pageURL = pageURL;
  }

  /** The DOM node (Selection.index(element)). */
  domNode(): AnyNode {
    return this.#node;
  }

  static {
    parts = (e) => ({ $: e.#$, node: e.#node, pageURL: e.#pageURL });
  }

  private el(node: AnyNode | null | undefined): Element | undefined {
    return node ? elementOf(this.#$, node, this.#pageURL) : undefined;
  }
  private els(nodes: AnyNode[]): Element[] {
    return nodes.map((n) => elementOf(this.#$, n, this.#pageURL));
  }
  private cheer(): Cheerio<AnyNode> {
    return this.#$(this.#node);
  }
  private kids(): AnyNode[] {
    return 'children' in this.#node ? (this.#node.children as AnyNode[]) : [];
  }
  private attribs(): Record<string, string> {
    return isElement(this.#node) ? this.#node.attribs : {};
  }

  attributes(): Record<string, Attribute> {
    const out: Record<string, Attribute> = {};
    for (const [name, value] of Object.entries(this.attribs())) out[name] = new Attribute(name, value, this);
    return out;
  }
  childElementCount(): number {
    return this.kids().filter(isElement).length;
  }
  childNodes(): Element[] {
    return this.els(this.kids());
  }
  children(): Element[] {
    return this.els(this.kids().filter(isElement));
  }
  classList(): string[] {
    return (this.attribs().class ?? '').split(/\s+/).filter(Boolean);
  }
  className(): string | undefined {
    return this.attribs().class;
  }
  contains(other: Element): boolean {
    return other instanceof Element && lib().contains(this.#node as DomElement, other.#node);
  }
  firstChild(): Element | undefined {
    return this.el(this.kids()[0]);
  }
  firstElementChild(): Element | undefined {
    return this.el(this.kids().find(isElement));
  }
  getAttribute(name: string): string | undefined {
    return this.attribs()[name];
  }
  getAttributeNode(name: string): Attribute | undefined {
    const value = this.getAttribute(name);
    return value === undefined ? undefined : new Attribute(name, value, this);
  }
  getElementsByClassName(name: string): Element[] {
    return this.querySelectorAll(`.${name}`);
  }
  getElementsByTagName(name: string): Element[] {
    return this.querySelectorAll(name);
  }
  hasAttribute(name: string): boolean {
    return name in this.attribs();
  }
  hasAttributes(): boolean {
    return Object.keys(this.attribs()).length > 0;
  }
  hasChildNodes(): boolean {
    return this.kids().length > 0;
  }
  id(): string {
    return this.attribs().id ?? '';
  }
  innerHTML(): string | undefined {
    return this.cheer().html() ?? undefined;
  }
  /** As k6: true for an element of the HTML namespace (it takes no argument). */
  isDefaultNamespace(): boolean {
    const ns = isElement(this.#node) ? this.#node.namespace : undefined;
    return ns === undefined || ns === XHTML;
  }
  /** As k6: the two elements' inner HTML are the same. */
  isEqualNode(other: Element): boolean {
    return (
      other instanceof Element &&
      (this.cheer().html() ?? '') === (parts(other).$(parts(other).node).html() ?? '')
    );
  }
  isSameNode(other: Element): boolean {
    return other instanceof Element && this.#node === other.#node;
  }
  lang(): string | undefined {
    return this.attribs().lang;
  }
  lastChild(): Element | undefined {
    return this.el(this.kids().at(-1));
  }
  lastElementChild(): Element | undefined {
    return this.el(this.kids().filter(isElement).at(-1));
  }
  matches(selector: string): boolean {
    return this.cheer().is(selector);
  }
  namespaceURI(): string {
    const ns = isElement(this.#node) ? this.#node.namespace : undefined;
    if (ns === 'http://www.w3.org/2000/svg') return namespaceURI('svg');
    if (ns === 'http://www.w3.org/1998/Math/MathML') return namespaceURI('math');
    return XHTML;
  }
  nextElementSibling(): Element | undefined {
    let n = this.#node.next;
    while (n && !isElement(n)) n = n.next;
    return this.el(n);
  }
  nextSibling(): Element | undefined {
    return this.el(this.#node.next);
  }
  /** As k6 (goquery's NodeName): the tag name in lower case, or #text, #comment, #document. */
  nodeName(): string {
    const n = this.#node;
    if (isElement(n)) return n.name;
    if (n.type === 'text') return '#text';
    if (n.type === 'comment') return '#comment';
    if (n.type === 'root') return '#document';
    return n.type === 'directive' ? 'html' : '';
  }
  nodeType(): number | undefined {
    const n = this.#node;
    if (isElement(n)) return 1;
    return { text: 3, comment: 8, root: 9, directive: 10 }[n.type as string];
  }
  nodeValue(): string | undefined {
    const n = this.#node;
    return n.type === 'text' || n.type === 'comment' ? n.data : undefined;
  }
  ownerDocument(): Element | undefined {
    let n: AnyNode = this.#node;
    while (n.parent) n = n.parent;
    return n.type === 'root' ? this.el(n) : undefined;
  }
  parentElement(): Element | undefined {
    const p = this.#node.parent;
    return isElement(p) ? this.el(p) : undefined;
  }
  parentNode(): Element | undefined {
    return this.el(this.#node.parent);
  }
  previousElementSibling(): Element | undefined {
    let n = this.#node.prev;
    while (n && !isElement(n)) n = n.prev;
    return this.el(n);
  }
  previousSibling(): Element | undefined {
    return this.el(this.#node.prev);
  }
  querySelector(selector: string): Element | undefined {
    return this.el(this.cheer().find(selector).get(0));
  }
  querySelectorAll(selector: string): Element[] {
    return this.els(this.cheer().find(selector).toArray());
  }
  /** The Selection of this one element (k6's Element.selection()). */
  selection(): Selection {
    return new Selection(this.#$, this.cheer(), this.#pageURL);
  }
  textContent(): string {
    return this.cheer().text();
  }
  /** As k6: "[object html.Node]" for an element, "[object #text]" and so on for other nodes. */
  toString(): string {
    return isElement(this.#node) ? '[object html.Node]' : `[object ${this.nodeName()}]`;
  }
}

const REFERRER = [
  '',
  'no-referrer',
  'no-referrer-when-downgrade',
  'origin',
  'origin-when-cross-origin',
  'unsafe-url',
];
const PRELOAD = ['auto', 'metadata', 'none'];
const BUTTON_TYPE = ['submit', 'button', 'menu', 'reset'];
const ENCTYPE = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const AUTOCOMPLETE = ['on', 'off'];
const INPUT_TYPE = [
  'text',
  'button',
  'checkbox',
  'color',
  'date',
  'datetime-local',
  'email',
  'file',
  'hidden',
  'image',
  'month',
  'number',
  'password',
  'radio',
  'range',
  'reset',
  'search',
  'submit',
  'tel',
  'time',
  'url',
  'week',
];
const KEY_TYPE = ['RSA', 'DSA', 'EC'];
const LI_TYPE = ['', '1', 'a', 'A', 'i', 'I', 'disc', 'square', 'circle'];
const HTTP_EQUIV = ['content-type', 'default-style', 'refresh'];
const OL_TYPE = ['1', 'a', 'A', 'i', 'I'];
const SCOPE = ['', 'row', 'col', 'colgroup', 'rowgroup'];
const AUTOCAPITALIZE = ['sentences', 'none', 'off', 'characters', 'words'];
const WRAP = ['soft', 'hard', 'off'];
const TRACK_KIND = ['subtitle', 'captions', 'descriptions', 'chapters', 'metadata'];
const CROSS_ORIGIN = ['anonymous', 'use-credentials'];
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ftp: '21' };

/** Methods of one kind of element, called on that element. */
type Methods = Record<string, (this: Element) => unknown>;

function attrOf(e: Element, name: string): string | undefined {
  const { node } = parts(e);
  return isElement(node) ? node.attribs[name] : undefined;
}
function strOf(e: Element, name: string): string {
  return attrOf(e, name) ?? '';
}
function hasAttr(e: Element, name: string): boolean {
  return attrOf(e, name) !== undefined;
}
function cheerOf(e: Element): Cheerio<AnyNode> {
  const { $, node } = parts(e);
  return $(node);
}
function rootOf(e: Element): Cheerio<AnyNode> {
  return parts(e).$.root();
}
function one(e: Element, node: AnyNode | undefined): Element | undefined {
  const { $, pageURL } = parts(e);
  return node ? elementOf($, node, pageURL) : undefined;
}
function list(e: Element, nodes: Cheerio<AnyNode>): Element[] {
  const { $, pageURL } = parts(e);
  return nodes.toArray().map((n) => elementOf($, n, pageURL));
}
function find(e: Element, selector: string): Cheerio<AnyNode> {
  return cheerOf(e).find(selector);
}
/** The position of the element among `all` (goquery's IndexOfSelection), -1 when absent. */
function indexIn(e: Element, all: Cheerio<AnyNode>): number {
  return all.toArray().indexOf(parts(e).node);
}
/** The attribute resolved against the page's URL, as Go's url.ResolveReference does. */
function attrURL(e: Element, name: string): GoURL | undefined {
  const v = attrOf(e, name);
  if (v === undefined) return undefined;
  const base = parseGoURL(parts(e).pageURL);
  const ref = parseGoURL(v);
  return base && ref ? resolveGoURL(base, ref) : undefined;
}
/** k6's URL attributes: as written for parseHTML(), else resolved against the page's URL. */
function urlOf(e: Element, name: string, fallback = ''): string {
  if (parts(e).pageURL === '') return strOf(e, name);
  const u = attrURL(e, name);
  return u ? goURLString(u) : fallback;
}
function hrefOf(e: Element): GoURL {
  return attrURL(e, 'href') ?? emptyURL();
}
function ownerForm(e: Element): Cheerio<AnyNode> | undefined {
  const closest = cheerOf(e).closest('form');
  if (closest.length > 0) return closest;
  const id = strOf(e, 'form');
  if (id === '') return undefined;
  const found = rootOf(e).find(`#${id}`);
  return found.length > 0 ? found : undefined;
}
/** The attribute of the element (form…) or, failing that, of its form (k6's form-field methods). */
function formAttr(e: Element, name: string): string | undefined {
  const own = attrOf(e, `form${name}`);
  if (own !== undefined) return own;
  return ownerForm(e)?.attr(name);
}
function valueOrHTML(e: Element, node: AnyNode = parts(e).node): string {
  const v = isElement(node) ? node.attribs.value : undefined;
  return v ?? parts(e).$(node).html() ?? '';
}

const str = (attr: string) =>
  function (this: Element) {
    return strOf(this, attr);
  };
const bool = (attr: string) =>
  function (this: Element) {
    return hasAttr(this, attr);
  };
const int = (attr: string, fallback: number) =>
  function (this: Element) {
    return atoi(attrOf(this, attr), fallback);
  };
const url = (attr: string) =>
  function (this: Element) {
    return urlOf(this, attr);
  };
/** k6's enumerations: the value when it is one of `allowed`, else the first of them. */
const oneOf = (attr: string, allowed: readonly string[]) =>
  function (this: Element) {
    const v = strOf(this, attr);
    return allowed.includes(v) ? v : allowed[0];
  };
/** k6's nullable enumerations: the value when allowed, else undefined. */
const nullable = (attr: string, allowed: readonly string[]) =>
  function (this: Element) {
    const v = attrOf(this, attr);
    return v !== undefined && allowed.includes(v) ? v : undefined;
  };
const constant = (value: string) => () => value;
function text(this: Element) {
  return this.textContent();
}
function form(this: Element) {
  return one(this, ownerForm(this)?.get(0));
}
function labels(this: Element) {
  const wrapping = cheerOf(this).closest('label').toArray();
  const id = strOf(this, 'id');
  const byId = id === '' ? [] : rootOf(this).find(`label[for="${id}"]`).toArray();
  const { $, pageURL } = parts(this);
  return [...wrapping, ...byId.filter((n) => !wrapping.includes(n))].map((n) => elementOf($, n, pageURL));
}
function relList(this: Element) {
  const rel = strOf(this, 'rel');
  return rel === '' ? [] : rel.split(' ');
}

const HREF: Methods = {
  download: str('download'),
  referrerPolicy: oneOf('referrerpolicy', REFERRER),
  rel: str('rel'),
  href: url('href'),
  target: str('target'),
  type: str('type'),
  accessKey: str('accesskey'),
  hrefLang: str('hreflang'),
  toString: url('href'),
  hash() {
    const f = hrefOf(this).fragment;
    return f === '' ? '' : `#${unescapeGo(f)}`;
  },
  host() {
    const u = hrefOf(this);
    if (u.host === '') return '';
    const hp = splitHostPort(u.host);
    if (!hp) return u.host;
    return DEFAULT_PORTS[u.scheme] === hp.port ? hp.host : u.host;
  },
  hostname() {
    const h = hrefOf(this).host;
    if (h === '') return '';
    return splitHostPort(h)?.host ?? h;
  },
  port() {
    const h = hrefOf(this).host;
    return h === '' ? '' : (splitHostPort(h)?.port ?? '');
  },
  username() {
    const user = hrefOf(this).user;
    return user === undefined ? '' : unescapeGo(user.split(':')[0]);
  },
  password() {
    const user = hrefOf(this).user;
    if (user === undefined || !user.includes(':')) return '';
    return unescapeGo(user.slice(user.indexOf(':') + 1));
  },
  origin() {
    const u = hrefOf(this);
    if (u.scheme === '') return '';
    if (u.scheme === 'file') return urlOf(this, 'href');
    return `${u.scheme}://${u.host}`;
  },
  pathname() {
    return unescapeGo(hrefOf(this).path);
  },
  protocol() {
    return hrefOf(this).scheme || ':';
  },
  relList,
  search() {
    const q = hrefOf(this).rawQuery;
    return q === '' ? '' : `?${q}`;
  },
  text,
};

const MEDIA: Methods = {
  autoplay: bool('autoplay'),
  controls: bool('controls'),
  loop: bool('loop'),
  muted: bool('muted'),
  preload: oneOf('preload', PRELOAD),
  src: url('src'),
  crossOrigin: nullable('crossorigin', CROSS_ORIGIN),
  currentSrc: str('src'),
  defaultMuted: bool('muted'),
  mediaGroup: str('mediagroup'),
  textTracks() {
    return list(this, find(this, 'track'));
  },
};

const FORM_FIELD: Methods = {
  form,
  formAction() {
    const action = formAttr(this, 'action');
    if (parts(this).pageURL === '') return action ?? '';
    if (action === undefined || action === '') return parts(this).pageURL;
    const base = parseGoURL(parts(this).pageURL);
    const ref = parseGoURL(action);
    return base && ref ? goURLString(resolveGoURL(base, ref)) : action;
  },
  formEnctype() {
    const e = formAttr(this, 'enctype');
    return e === 'multipart/form-data' || e === 'text/plain' ? e : 'application/x-www-form-urlencoded';
  },
  formMethod() {
    return (formAttr(this, 'method') ?? '').toLowerCase() === 'post' ? 'post' : 'get';
  },
  formNoValidate() {
    return formAttr(this, 'novalidate') !== undefined;
  },
  formTarget() {
    return formAttr(this, 'target') ?? '';
  },
  labels,
  name: str('name'),
};

const TABLE_SECTION: Methods = {
  rows() {
    return list(this, find(this, 'tr'));
  },
};

const TABLE_CELL: Methods = {
  colSpan: int('colspan', 1),
  rowSpan: int('rowspan', 1),
  headers: str('headers'),
  cellIndex() {
    const row = cheerOf(this).parents('tr');
    return row.length === 0 ? -1 : indexIn(this, row.first().find('th,td'));
  },
};

const MOD: Methods = { cite: str('cite'), datetime: str('datetime') };

/** Each tag k6 gives its own kind of element, with the methods of that kind. */
const KINDS: Record<string, Methods[]> = {
  a: [HREF],
  area: [HREF],
  audio: [MEDIA],
  video: [MEDIA],
  base: [{ href: url('href'), target: str('target') }],
  button: [
    FORM_FIELD,
    {
      accessKey: str('accesskey'),
      autofocus: bool('autofocus'),
      disabled: bool('disabled'),
      tabIndex: int('tabindex', 0),
      type: oneOf('type', BUTTON_TYPE),
      value() {
        return valueOrHTML(this);
      },
    },
  ],
  canvas: [{ width: int('width', 150), height: int('height', 150) }],
  data: [{ value: str('value') }],
  datalist: [
    {
      options() {
        return list(this, find(this, 'option'));
      },
    },
  ],
  del: [MOD],
  ins: [MOD],
  embed: [{ height: str('height'), width: str('width'), src: str('src'), type: str('type') }],
  fieldset: [
    {
      disabled: bool('disabled'),
      name: str('name'),
      form,
      type: constant('fieldset'),
      elements() {
        return list(this, find(this, 'input,select,button,textarea'));
      },
      validity: () => undefined,
    },
  ],
  form: [
    {
      action: url('action'),
      name: str('name'),
      target: str('target'),
      enctype: oneOf('enctype', ENCTYPE),
      encoding: oneOf('enctype', ENCTYPE),
      acceptCharset: str('accept-charset'),
      autocomplete: oneOf('autocomplete', AUTOCOMPLETE),
      noValidate: bool('novalidate'),
      elements() {
        return list(this, find(this, 'input,select,button,textarea,fieldset'));
      },
      length() {
        return find(this, 'input,select,button,textarea,fieldset').length;
      },
      method() {
        return strOf(this, 'method') === 'post' ? 'post' : 'get';
      },
    },
  ],
  iframe: [
    {
      allowfullscreen: bool('allowfullscreen'),
      referrerPolicy: oneOf('referrerpolicy', REFERRER),
      height: str('height'),
      width: str('width'),
      name: str('name'),
      src: url('src'),
    },
  ],
  img: [
    {
      currentSrc: url('src'),
      sizes: str('sizes'),
      srcset: str('srcset'),
      alt: str('alt'),
      crossOrigin: nullable('crossorigin', CROSS_ORIGIN),
      height: int('height', 0),
      width: int('width', 0),
      isMap: bool('ismap'),
      name: str('name'),
      src: url('src'),
      useMap: str('usemap'),
      referrerPolicy: oneOf('referrerpolicy', REFERRER),
    },
  ],
  input: [
    FORM_FIELD,
    {
      name: str('name'),
      tabIndex: int('tabindex', 0),
      type: oneOf('type', INPUT_TYPE),
      disabled: bool('disabled'),
      autofocus: bool('autofocus'),
      required: bool('required'),
      value: str('value'),
      checked: bool('checked'),
      defaultChecked: bool('checked'),
      alt: str('alt'),
      src: url('src'),
      height: str('height'),
      width: str('width'),
      accept: str('accept'),
      autocomplete: oneOf('autocomplete', AUTOCOMPLETE),
      maxLength: int('maxlength', -1),
      size: int('size', 0),
      pattern: str('pattern'),
      placeholder: str('placeholder'),
      readonly: bool('readonly'),
      min: str('min'),
      max: str('max'),
      defaultValue: str('value'),
      dirName: str('dirname'),
      accessKey: str('accesskey'),
      multiple: bool('multiple'),
      step: str('step'),
      list() {
        const id = strOf(this, 'list');
        if (id === '' || ['hidden', 'checkbox', 'radio', 'file', 'button'].includes(strOf(this, 'type')))
          return undefined;
        return one(this, rootOf(this).find(`datalist[id="${id}"]`).get(0));
      },
    },
  ],
  keygen: [
    {
      autofocus: bool('autofocus'),
      challenge: str('challenge'),
      disabled: bool('disabled'),
      keytype: oneOf('keytype', KEY_TYPE),
      name: str('name'),
      type: constant('keygen'),
      form,
      labels,
    },
  ],
  label: [
    {
      htmlFor: str('for'),
      control() {
        const id = attrOf(this, 'for');
        if (id === undefined) return undefined;
        return one(this, rootOf(this).find(`#${id}`).get(0));
      },
      form,
    },
  ],
  legend: [{ accessKey: str('accesskey'), form }],
  li: [{ value: int('value', 0), type: oneOf('type', LI_TYPE) }],
  link: [
    {
      crossOrigin: nullable('crossorigin', CROSS_ORIGIN),
      referrerPolicy: oneOf('referrerpolicy', REFERRER),
      href: url('href'),
      hreflang: str('hreflang'),
      media: str('media'),
      rel: str('rel'),
      target: str('target'),
      type: str('type'),
      relList,
    },
  ],
  map: [
    {
      name: str('name'),
      areas() {
        return list(this, find(this, 'area'));
      },
      images() {
        // As k6: by the map's id (k6 looks up "id" for the name too).
        const id = attrOf(this, 'id');
        if (id === undefined) return [];
        return list(this, rootOf(this).find(`img[usemap="#${id}"],object[usemap="#${id}"]`));
      },
    },
  ],
  meta: [{ content: str('content'), name: str('name'), httpEquiv: oneOf('http-equiv', HTTP_EQUIV) }],
  meter: [
    {
      min: int('min', 0),
      max: int('max', 0),
      high: int('high', 0),
      low: int('low', 0),
      optimum: int('optimum', 0),
      labels,
    },
  ],
  object: [
    {
      data: url('data'),
      height: str('height'),
      name: str('name'),
      type: str('type'),
      tabIndex: int('tabindex', 0),
      typeMustMatch: bool('typemustmatch'),
      useMap: str('usemap'),
      width: str('width'),
      form,
    },
  ],
  ol: [{ reversed: bool('reversed'), start: int('start', 0), type: oneOf('type', OL_TYPE) }],
  optgroup: [{ disabled: bool('disabled'), label: str('label') }],
  option: [
    {
      defaultSelected: bool('selected'),
      selected: bool('selected'),
      disabled() {
        if (hasAttr(this, 'disabled')) return true;
        const group = cheerOf(this).parents('optgroup');
        return group.length > 0 && group.attr('disabled') !== undefined;
      },
      form() {
        const parentForm = cheerOf(this).parents('form');
        if (parentForm.length > 0) return one(this, parentForm.get(0));
        const id = cheerOf(this).parents('select').attr('form');
        if (id === undefined) return undefined;
        return one(this, rootOf(this).find(`form#${id}`).get(0));
      },
      index() {
        const holder = cheerOf(this).parents('select,datalist');
        return holder.length === 0 ? 0 : indexIn(this, holder.find('option'));
      },
      label() {
        return attrOf(this, 'label') ?? this.textContent();
      },
      text,
      value() {
        return valueOrHTML(this);
      },
    },
  ],
  output: [
    {
      htmlFor: str('for'),
      name: str('name'),
      type: constant('output'),
      form,
      labels,
      value: text,
      defaultValue: text,
    },
  ],
  param: [{ name: str('name'), value: str('value') }],
  pre: [{ name: str('name'), value: str('value') }],
  progress: [
    {
      max() {
        return progressMax(this);
      },
      value() {
        return progress(this, 0);
      },
      position() {
        return progress(this, -1);
      },
      labels,
    },
  ],
  quote: [{ cite: str('cite') }],
  script: [
    {
      crossOrigin: str('crossorigin'),
      type: str('type'),
      src: url('src'),
      charset: str('charset'),
      async: bool('async'),
      defer: bool('defer'),
      noModule: bool('nomodule'),
      text,
    },
  ],
  select: [
    {
      autofocus: bool('autofocus'),
      disabled: bool('disabled'),
      multiple: bool('multiple'),
      name: str('name'),
      required: bool('required'),
      tabIndex: int('tabindex', 0),
      form,
      labels,
      length() {
        return find(this, 'option').length;
      },
      options() {
        return list(this, find(this, 'option'));
      },
      selectedIndex() {
        const selected = find(this, 'option[selected]');
        if (selected.length === 0) return -1;
        return find(this, 'option')
          .toArray()
          .indexOf(selected.get(0) as AnyNode);
      },
      selectedOptions() {
        return list(this, find(this, 'option[selected]'));
      },
      size() {
        return hasAttr(this, 'multiple') ? 4 : 1;
      },
      type() {
        return hasAttr(this, 'multiple') ? 'select-multiple' : 'select';
      },
      value() {
        const selected = find(this, 'option[selected]');
        return selected.length === 0 ? '' : valueOrHTML(this, selected.get(0));
      },
    },
  ],
  source: [
    {
      keySystem: str('keysystem'),
      media: str('media'),
      sizes: str('sizes'),
      src: url('src'),
      srcset: str('srcset'),
      type: str('type'),
    },
  ],
  style: [
    {
      media: str('media'),
      type() {
        return strOf(this, 'type') || 'text/css';
      },
    },
  ],
  table: [
    {
      sortable: bool('sortable'),
      caption() {
        return one(this, cheerOf(this).children('caption').get(0));
      },
      tHead() {
        return one(this, cheerOf(this).children('thead').get(0));
      },
      tFoot() {
        return one(this, cheerOf(this).children('tfoot').get(0));
      },
      rows() {
        return list(this, find(this, 'tr'));
      },
      tBodies() {
        return list(this, find(this, 'tbody'));
      },
    },
  ],
  thead: [TABLE_SECTION],
  tfoot: [TABLE_SECTION],
  tbody: [TABLE_SECTION],
  tr: [
    {
      cells() {
        return list(this, find(this, 'th,td'));
      },
      rowIndex() {
        const table = cheerOf(this).parents('table');
        return table.length === 0 ? -1 : indexIn(this, table.first().find('tr'));
      },
      sectionRowIndex() {
        const section = cheerOf(this).parents('thead,tbody,tfoot');
        return section.length === 0 ? -1 : indexIn(this, section.first().find('tr'));
      },
    },
  ],
  col: [
    {
      span() {
        return Math.max(1, atoi(attrOf(this, 'span'), 1));
      },
    },
  ],
  td: [TABLE_CELL],
  th: [TABLE_CELL, { abbr: str('abbr'), scope: oneOf('scope', SCOPE), sorted: bool('sorted') }],
  textarea: [
    {
      type: constant('textarea'),
      value: str('value'),
      defaultValue: str('value'),
      placeholder: str('placeholder'),
      rows: int('rows', 0),
      cols: int('cols', 0),
      maxLength: int('maxlength', 0),
      tabIndex: int('tabindex', 0),
      accessKey: str('accesskey'),
      readOnly: bool('readonly'),
      required: bool('required'),
      autocomplete: oneOf('autocomplete', AUTOCOMPLETE),
      autocapitalize: oneOf('autocapitalize', AUTOCAPITALIZE),
      wrap: oneOf('wrap', WRAP),
      form,
      length() {
        return strOf(this, 'value').length;
      },
      labels,
    },
  ],
  time: [{ datetime: str('datetime') }],
  title: [{ text }],
  track: [
    {
      kind: oneOf('kind', TRACK_KIND),
      src: url('src'),
      srclang: str('srclang'),
      label: str('label'),
      default: bool('default'),
    },
  ],
  ul: [{ type: str('type') }],
};

function progressMax(el: Element): number {
  const v = attrOf(el, 'max');
  if (v === undefined) return 1;
  const n = Number.parseFloat(v);
  return Number.isNaN(n) || n < 0 || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim()) ? 1 : n;
}
function progress(el: Element, fallback: number): number {
  const v = attrOf(el, 'value');
  if (v === undefined) return fallback;
  const n = Number.parseFloat(v);
  if (Number.isNaN(n) || n < 0 || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim())) return fallback;
  return n / progressMax(el);
}

/** One class per tag of KINDS, its methods on the prototype (not enumerable, as class methods). */
const KIND_CLASSES = new Map<string, typeof Element>();
for (const [tag, tables] of Object.entries(KINDS)) {
  const kind = class extends Element {};
  for (const table of tables) {
    for (const [name, fn] of Object.entries(table)) {
      Object.defineProperty(kind.prototype, name, { value: fn, writable: true, configurable: true });
    }
  }
  KIND_CLASSES.set(tag, kind);
}

/** The Element k6 gives for a node: its tag's kind of element, or a plain Element. */
export function elementOf($: CheerioAPI, node: AnyNode, pageURL: string): Element {
  const Kind = isElement(node) ? KIND_CLASSES.get(node.name) : undefined;
  return Kind ? new Kind($, node, pageURL) : new Element($, node, pageURL);
}
