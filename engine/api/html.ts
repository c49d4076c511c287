// k6's HTML API (`k6/html` parseHTML and Response.html()) on cheerio, with parse5 parsing HTML the
// way browsers (and Go's net/html, which k6 uses) do. Selection mirrors k6's jQuery-like methods;
// Element mirrors k6's DOM-like element (methods, not properties). cheerio is loaded on first use:
// it takes a few hundred milliseconds and most scripts never parse HTML.
import { createRequire } from 'node:module';
import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode, Element as DomElement } from 'domhandler';

type CheerioModule = typeof import('cheerio');
let cheerio: CheerioModule | null = null;
function lib(): CheerioModule {
  cheerio ??= createRequire(import.meta.url)('cheerio') as CheerioModule;
  return cheerio;
}

const XHTML = 'http://www.w3.org/1999/xhtml';

export function parseHTML(src: unknown): Selection {
  const $ = lib().load(String(src ?? ''));
  return new Selection($, $.root());
}

/** Response.html(): the body parsed as HTML; with a selector, the matches of find(selector). */
export function htmlOf(body: string | ArrayBuffer | null, selector?: string): Selection {
  // As k6's Response.html() (grafana/k6 js/modules/k6/http/response.go): a binary body is read as text.
  if (body === null) {
    throw new Error(
      "the body is null so we can't transform it to HTML - this likely was because of a request error getting the response",
    );
  }
  const doc = parseHTML(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  return selector === undefined ? doc : doc.find(selector);
}

type Tester = (index: number, selection: Selection) => unknown;
type Filter = string | Tester | Selection;

function isElement(node: AnyNode | null | undefined): node is DomElement {
  return !!node && (node.type === 'tag' || node.type === 'script' || node.type === 'style');
}

export class Selection {
  constructor(
    private readonly $: CheerioAPI,
    private readonly sel: Cheerio<AnyNode>,
  ) {}

  private wrap(sel: Cheerio<AnyNode>): Selection {
    return new Selection(this.$, sel);
  }

  /** A cheerio filter argument from a k6 one (selector, tester or Selection). */
  private predicate(f: Filter): string | ((i: number, el: AnyNode) => boolean) | Cheerio<AnyNode> {
    if (typeof f === 'string') return f;
    if (f instanceof Selection) return f.sel;
    if (typeof f === 'function') return (i, el) => Boolean(f(i, this.wrap(this.$(el))));
    throw new TypeError('expected a selector string, a function or a Selection.');
  }

  /** The matches of a selector (in the whole document) or a Selection's elements added, as k6's Add. */
  add(arg: string | Selection): Selection {
    return this.wrap(this.sel.add(arg instanceof Selection ? arg.sel : String(arg)) as Cheerio<AnyNode>);
  }
  attr(name: string): string | undefined {
    return this.sel.attr(name);
  }
  children(selector?: string): Selection {
    return this.wrap(selector ? this.sel.children(selector) : this.sel.children());
  }
  closest(selector: string): Selection {
    return this.wrap(this.sel.closest(selector));
  }
  contents(): Selection {
    return this.wrap(this.sel.contents());
  }
  data(key?: string): unknown {
    return key === undefined ? this.sel.data() : this.sel.data(key);
  }
  each(handler: (index: number, element: Element) => unknown): void {
    this.sel.each((i, node) => {
      handler(i, new Element(this.$, node));
    });
  }
  /** The selection before the last filtering or traversal call, as k6's End (goquery's). */
  end(): Selection {
    return this.wrap(this.sel.end() as Cheerio<AnyNode>);
  }
  eq(index: number): Selection {
    return this.wrap(this.sel.eq(index));
  }
  filter(f: Filter): Selection {
    return this.wrap(this.sel.filter(this.predicate(f) as string));
  }
  find(selector: string): Selection {
    return this.wrap(this.sel.find(selector));
  }
  first(): Selection {
    return this.wrap(this.sel.first());
  }
  get(index: number): Element | undefined {
    const node = this.sel.get(index);
    return node ? new Element(this.$, node) : undefined;
  }
  has(selector: string): Selection {
    return this.wrap(this.sel.has(selector) as Cheerio<AnyNode>);
  }
  html(): string | undefined {
    return this.sel.length === 0 ? undefined : (this.sel.html() ?? undefined);
  }
  /**
   * As k6's Index: without an argument the first element's position among its siblings; with a
   * selector its position among the selector's matches; with a Selection or an Element the
   * position of that one's (first) element in this selection; -1 when not found.
   */
  index(arg?: string | Selection | Element): number {
    if (arg === undefined) return this.sel.index();
    if (typeof arg === 'string') return this.sel.index(arg);
    if (arg instanceof Selection) return arg.sel.length === 0 ? -1 : this.sel.index(arg.sel);
    if (arg instanceof Element) return this.sel.index(arg.domNode());
    return -1;
  }
  is(f: Filter): boolean {
    return this.sel.is(this.predicate(f) as string);
  }
  last(): Selection {
    return this.wrap(this.sel.last());
  }
  map(mapper: (index: number, selection: Selection) => unknown): unknown[] {
    const out: unknown[] = [];
    this.sel.each((i, node) => {
      out.push(mapper(i, this.wrap(this.$(node))));
    });
    return out;
  }
  next(selector?: string): Selection {
    return this.wrap(this.sel.next(selector));
  }
  nextAll(selector?: string): Selection {
    return this.wrap(this.sel.nextAll(selector));
  }
  nextUntil(selector?: string): Selection {
    return this.wrap(this.sel.nextUntil(selector));
  }
  not(f: Filter): Selection {
    return this.wrap(this.sel.not(this.predicate(f) as string));
  }
  parent(selector?: string): Selection {
    return this.wrap(this.sel.parent(selector));
  }
  parents(selector?: string): Selection {
    return this.wrap(this.sel.parents(selector));
  }
  parentsUntil(selector?: string): Selection {
    return this.wrap(this.sel.parentsUntil(selector));
  }
  prev(selector?: string): Selection {
    return this.wrap(this.sel.prev(selector));
  }
  prevAll(selector?: string): Selection {
    return this.wrap(this.sel.prevAll(selector));
  }
  prevUntil(selector?: string): Selection {
    return this.wrap(this.sel.prevUntil(selector));
  }
  serialize(): string {
    return this.sel.serialize();
  }
  serializeArray(): Array<{ name: string; value: string }> {
    return this.sel.serializeArray();
  }
  serializeObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { name, value } of this.sel.serializeArray()) out[name] = value;
    return out;
  }
  /** The siblings of each element, filtered by the selector when one is given, as k6's Siblings. */
  siblings(selector?: string): Selection {
    return this.wrap(selector ? this.sel.siblings(selector) : this.sel.siblings());
  }
  /** The first element that matches the selector under this selection, as k6's Single. */
  single(selector: string): Selection {
    return this.wrap(this.sel.find(selector).first());
  }
  size(): number {
    return this.sel.length;
  }
  slice(start: number, end?: number): Selection {
    return this.wrap(this.sel.slice(start, end));
  }
  text(): string {
    return this.sel.text();
  }
  toArray(): Selection[] {
    return this.sel.toArray().map((node) => this.wrap(this.$(node)));
  }
  val(): string | undefined {
    const v = this.sel.val();
    return Array.isArray(v) ? v[0] : v;
  }
}

export class Attribute {
  constructor(
    readonly name: string,
    readonly value: string,
    readonly ownerElement: Element,
  ) {}
  localName(): string {
    return this.name.includes(':') ? this.name.slice(this.name.indexOf(':') + 1) : this.name;
  }
  namespaceURI(): string {
    return '';
  }
  prefix(): string {
    return this.name.includes(':') ? this.name.slice(0, this.name.indexOf(':')) : '';
  }
}

/** k6's Element: DOM properties as methods, plus the common per-tag ones (href, value, name…). */
export class Element {
  constructor(
    private readonly $: CheerioAPI,
    private readonly node: AnyNode,
  ) {}

  /** The DOM node (Selection.index(element)). */
  domNode(): AnyNode {
    return this.node;
  }

  private el(node: AnyNode | null | undefined): Element | undefined {
    return node ? new Element(this.$, node) : undefined;
  }
  private kids(): AnyNode[] {
    return 'children' in this.node ? (this.node.children as AnyNode[]) : [];
  }
  private attribs(): Record<string, string> {
    return isElement(this.node) ? this.node.attribs : {};
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
    return this.kids().map((n) => new Element(this.$, n));
  }
  children(): Element[] {
    return this.kids()
      .filter(isElement)
      .map((n) => new Element(this.$, n));
  }
  classList(): string[] {
    return (this.attribs().class ?? '').split(/\s+/).filter(Boolean);
  }
  className(): string | undefined {
    return this.attribs().class;
  }
  contains(other: Element): boolean {
    return lib().contains(this.node as DomElement, other.node);
  }
  firstChild(): Element | undefined {
    return this.el(this.kids()[0]);
  }
  firstElementChild(): Element | undefined {
    return this.el(this.kids().find(isElement));
  }
  getAttribute(name: string): string | undefined {
    return this.attribs()[name.toLowerCase()];
  }
  getAttributeNode(name: string): Attribute | undefined {
    const value = this.getAttribute(name);
    return value === undefined ? undefined : new Attribute(name.toLowerCase(), value, this);
  }
  getElementsByClassName(name: string): Element[] {
    return this.querySelectorAll(
      name
        .split(/\s+/)
        .filter(Boolean)
        .map((c) => `.${c}`)
        .join(''),
    );
  }
  getElementsByTagName(name: string): Element[] {
    return this.querySelectorAll(name);
  }
  hasAttribute(name: string): boolean {
    return name.toLowerCase() in this.attribs();
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
    return this.$(this.node).html() ?? undefined;
  }
  isDefaultNamespace(namespace: string): boolean {
    return namespace === XHTML;
  }
  isEqualNode(other: Element): boolean {
    return this.toString() === other.toString();
  }
  isSameNode(other: Element): boolean {
    return this.node === other.node;
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
    return this.$(this.node).is(selector);
  }
  namespaceURI(): string {
    return XHTML;
  }
  nextElementSibling(): Element | undefined {
    let n = this.node.next;
    while (n && !isElement(n)) n = n.next;
    return this.el(n);
  }
  nextSibling(): Element | undefined {
    return this.el(this.node.next);
  }
  /**
   * goquery's NodeName, which k6 returns (grafana/k6 js/modules/k6/html/element.go): the tag name
   * as the HTML parser wrote it, lower case ("h1"), not the DOM's upper case. jslib aws parses
   * its XML answers by these names.
   */
  nodeName(): string {
    const n = this.node;
    if (isElement(n)) return n.name;
    if (n.type === 'text') return '#text';
    if (n.type === 'comment') return '#comment';
    if (n.type === 'root') return '#document';
    return n.type === 'directive' ? 'html' : n.type;
  }
  nodeType(): number | undefined {
    const n = this.node;
    if (isElement(n)) return 1;
    return { text: 3, comment: 8, root: 9, directive: 10 }[n.type as string];
  }
  nodeValue(): string | undefined {
    const n = this.node;
    return n.type === 'text' || n.type === 'comment' ? n.data : undefined;
  }
  ownerDocument(): Element | undefined {
    let n: AnyNode = this.node;
    while (n.parent) n = n.parent;
    return n === this.node ? undefined : this.el(n);
  }
  parentElement(): Element | undefined {
    const p = this.node.parent;
    return isElement(p) ? this.el(p) : undefined;
  }
  parentNode(): Element | undefined {
    return this.el(this.node.parent);
  }
  previousElementSibling(): Element | undefined {
    let n = this.node.prev;
    while (n && !isElement(n)) n = n.prev;
    return this.el(n);
  }
  previousSibling(): Element | undefined {
    return this.el(this.node.prev);
  }
  querySelector(selector: string): Element | undefined {
    return this.el(this.$(this.node).find(selector).get(0));
  }
  querySelectorAll(selector: string): Element[] {
    return this.$(this.node)
      .find(selector)
      .toArray()
      .map((n) => new Element(this.$, n));
  }
  textContent(): string {
    return this.$(this.node).text();
  }
  toString(): string {
    return this.$.html(this.node as DomElement);
  }

  // Per-tag methods k6 offers on the element kinds scripts use most.
  href(): string {
    return this.attribs().href ?? '';
  }
  src(): string {
    return this.attribs().src ?? '';
  }
  text(): string {
    return this.textContent();
  }
  name(): string {
    return this.attribs().name ?? '';
  }
  type(): string {
    return (this.attribs().type ?? (this.nodeName() === 'input' ? 'text' : '')).toLowerCase();
  }
  value(): string | undefined {
    const n = this.node;
    if (!isElement(n)) return undefined;
    if (n.name === 'textarea') return this.textContent();
    if (n.name === 'option') return n.attribs.value ?? this.textContent();
    if (n.name === 'select') {
      const v = this.$(n).val();
      return Array.isArray(v) ? v[0] : v;
    }
    return n.attribs.value ?? '';
  }
  checked(): boolean {
    return 'checked' in this.attribs();
  }
  selected(): boolean {
    return 'selected' in this.attribs();
  }
  disabled(): boolean {
    return 'disabled' in this.attribs();
  }
  action(): string {
    return this.attribs().action ?? '';
  }
  method(): string {
    const m = (this.attribs().method ?? 'get').toLowerCase();
    return m === 'post' ? 'post' : 'get';
  }
}
