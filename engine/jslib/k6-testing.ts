// k6-testing (https://jslib.k6.io/k6-testing/<version>/index.js, 0.1.0 to 0.6.1) offline: the
// Playwright-like `expect()` assertions, for plain values. Written from k6's documentation of the
// library (javascript-api/jslib/testing) and from what the published files compute
// (github.com/grafana/jslib.k6.io, lib/k6-testing/<version>/index.js and its source map), not from
// their code. Those files are what k6 runs, so their behaviour is kept where it is surprising:
// - a failed assertion calls `exec.test.abort(message)` (the test stops, k6 exits 108); a soft one
//   (`expect.soft`, or `soft: true`) throws an AssertionFailedError (the iteration fails, the test
//   goes on) or, from 0.5.0 with `softMode: 'fail'` (0.6.1's default), calls
//   `exec.test.fail(message)` (the iteration goes on; k6 exits 110 at the end);
// - `toEqual` compares own enumerable keys only: NaN never equals NaN, two Dates, Maps or Sets are
//   always equal, `[1]` equals `{ 0: 1 }`;
// - `toBeCloseTo` passes when the difference is below 10^-precision times the larger magnitude
//   (not Jest's absolute tolerance): `expect(0).toBeCloseTo(0)` fails;
// - `toBeNaN` is the global isNaN (`'abc'` is NaN); a value JSON.stringify cannot write (a BigInt,
//   a cycle) throws its TypeError from any matcher, passing or not, since the message is always
//   prepared;
// - from 0.2.0 the K6_TESTING_* environment variables override what `configure()` sets, and
//   `configure()` starts again from the defaults (0.1.0 builds on the instance it is called on);
// - 0.1.0 and 0.2.0 name a place inside the library file itself as the assertion's location; later
//   versions name the outermost frame of the script's stack (the VU function), not the line of the
//   `expect` call when it sits in a helper function.
// The failure message has the published layout and labels (pretty or logfmt-like inline display,
// optional ANSI colours); its wording is the engine's. A Locator's or Page's matchers (k6/browser)
// are refused when called: the engine has no browser.
import exec from 'k6/execution';
import { vuForModule } from '../registry.ts';
import { NotOnThisEngineError } from '../vu-errors.ts';

// ---------------------------------------------------------------------------------------------
// Colours (the published `colorize` export)

const ANSI: Readonly<Record<string, string>> = {
  reset: '\x1b[0m',
  black: '\x1b[30m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
  white: '\x1b[37m',
  brightBlack: '\x1b[90m',
  brightRed: '\x1b[91m',
  brightGreen: '\x1b[92m',
  brightYellow: '\x1b[93m',
  brightBlue: '\x1b[94m',
  brightMagenta: '\x1b[95m',
  brightCyan: '\x1b[96m',
  brightWhite: '\x1b[97m',
  darkGrey: '\x1b[90m',
};

/** `text` between the colour's escape and a reset; an unknown colour name writes "undefined" first, as published. */
export function colorize(text: string | undefined, color: string): string {
  return `${Object.hasOwn(ANSI, color) ? ANSI[color] : undefined}${text}${ANSI.reset}`;
}

// ---------------------------------------------------------------------------------------------
// Configuration

type SoftMode = 'throw' | 'fail';
type Display = 'pretty' | 'inline';
type AssertFn = (condition: boolean, message: string, soft?: boolean, softMode?: SoftMode) => void;

interface Config {
  timeout: number;
  interval: number;
  soft: boolean;
  softMode?: SoftMode;
  colorize: boolean;
  display: Display;
  assertFn?: AssertFn;
}

/** What a published version does differently. */
interface Version {
  /** 0.2.0: K6_TESTING_* variables, `expect.config`, configure() from the defaults. */
  env: boolean;
  /** 0.3.0: custom messages, `.not`, toContain, toContainEqual, toHaveProperty, outermost frame. */
  v030: boolean;
  /** 0.4.0: toHaveText and toContainText on Locators. */
  v040?: boolean;
  /** 0.5.0: softMode and K6_TESTING_SOFT_MODE; toHaveAttribute on Locators. */
  softMode: boolean;
  /** 0.6.0: Pages are browser values too; string values shown without quotes; toBe shows the custom message. */
  v060: boolean;
  /** The default softMode (0.6.1: 'fail'). */
  defaultSoftMode?: SoftMode;
  /** 0.1.0 and 0.2.0: the location they name, inside the library file (see locationOf). */
  libraryLocation?: string;
}

/** The VU's environment as the library reads it once, when it is loaded (init context). */
function initEnv(): Record<string, string | undefined> {
  // Async VUs load this module with their own ?__vu= query; a synchronous VU's thread has __ENV as
  // a global.
  if (new URL(import.meta.url).searchParams.has('__vu')) return vuForModule(import.meta.url).test.env;
  return ((globalThis as { __ENV?: Record<string, string> }).__ENV ?? {}) as Record<
    string,
    string | undefined
  >;
}

const ENV = initEnv();

function envBoolean(key: string): boolean {
  return String(ENV[key]).toLowerCase() !== 'false';
}

function envEnum<T extends string>(key: string, allowed: readonly T[]): T {
  const value = String(ENV[key]).toLowerCase();
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`Invalid value for ${key}. Must be one of: ${allowed.join(', ')}`);
  return value as T;
}

function envNumber(key: string): number {
  const text = ENV[key];
  if (!text) throw new Error(`Environment variable ${key} is not set`);
  const n = Number(text);
  if (!Number.isFinite(n))
    throw new Error(`Environment variable ${key} must be a valid number, got: ${text}`);
  if (n < 0) throw new Error(`Environment variable ${key} must be a non-negative number, got: ${text}`);
  return n;
}

/**
 * The K6_TESTING_* overrides. The published versions from 0.2.0 read them when the module loads, so
 * a bad value fails the script's init. This module serves every version at once and reads them all
 * when it loads: 0.1.0 (no variables) and 0.2.0 to 0.4.0 (no K6_TESTING_SOFT_MODE) refuse a bad
 * value that they would not have read, rather than run in another way than asked.
 */
function envOverrides(): Partial<Config> {
  const out: Partial<Config> = {};
  const has = (key: string) => ENV[key] !== undefined;
  if (has('K6_TESTING_COLORIZE')) out.colorize = envBoolean('K6_TESTING_COLORIZE');
  if (has('K6_TESTING_DISPLAY')) out.display = envEnum<Display>('K6_TESTING_DISPLAY', ['inline', 'pretty']);
  if (has('K6_TESTING_TIMEOUT')) out.timeout = envNumber('K6_TESTING_TIMEOUT');
  if (has('K6_TESTING_INTERVAL')) out.interval = envNumber('K6_TESTING_INTERVAL');
  if (has('K6_TESTING_SOFT_MODE'))
    out.softMode = envEnum<SoftMode>('K6_TESTING_SOFT_MODE', ['throw', 'fail']);
  return out;
}

function readOverrides(): Partial<Config> {
  try {
    return envOverrides();
  } catch (err) {
    if (err instanceof Error) {
      const softMode = err.message.includes('K6_TESTING_SOFT_MODE');
      err.message +=
        ` (k6-testing ${softMode ? 'before 0.5.0 does not read K6_TESTING_SOFT_MODE' : '0.1.0 reads no K6_TESTING_* variable'}, ` +
        "but the node engine's offline stand-in reads it for every version: fix or unset it)";
    }
    throw err;
  }
}

const ENV_OVERRIDES = readOverrides();

function defaults(version: Version): Config {
  return {
    timeout: 5000,
    interval: 100,
    soft: false,
    ...(version.softMode ? { softMode: version.defaultSoftMode ?? 'throw' } : {}),
    colorize: true,
    display: 'pretty',
    assertFn: assert,
  };
}

function loadConfig(version: Version, explicit: Partial<Config>): Config {
  if (!version.env) return { ...defaults(version), ...explicit };
  const env = { ...ENV_OVERRIDES };
  if (!version.softMode) delete env.softMode;
  return { ...defaults(version), ...explicit, ...env };
}

// ---------------------------------------------------------------------------------------------
// Failing

/** A soft assertion's failure in 'throw' mode: the iteration fails, the test goes on. */
class AssertionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionFailedError';
  }
}

/** The published default assert: abort the test, or for a soft assertion fail the iteration or mark the test failed. */
function assert(condition: boolean, message: string, soft?: boolean, softMode: SoftMode = 'throw'): void {
  if (condition) return;
  if (!soft) exec.test.abort(message);
  else if (softMode === 'fail') exec.test.fail(message);
  else throw new AssertionFailedError(message);
}

// ---------------------------------------------------------------------------------------------
// Where the assertion is

interface Location {
  at: string;
  fileName: string;
  line: string;
}

/**
 * The outermost frame of the script's stack (the engine's stacks hold the script's frames only, as
 * k6 writes them: `\tat default (file:///path/script.js:13:11)`), as the published files from 0.3.0
 * take the last frame of the stack.
 */
function locationOf(version: Version): Location {
  if (version.libraryLocation) {
    const where = version.libraryLocation;
    return { at: where, fileName: 'index.js', line: where.split(':').at(-2) ?? '' };
  }
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Number.POSITIVE_INFINITY;
  let stack: string;
  try {
    stack = new Error().stack ?? '';
  } finally {
    Error.stackTraceLimit = limit;
  }
  const frames = stack
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at '));
  const last = frames.at(-1);
  const m = last ? /^at (?:.*?\()?(.+?):(\d+):(\d+)\)?$/.exec(last) : null;
  if (!m) throw new Error('k6 failed to capture execution context');
  const path = m[1].replace(/^file:\/\//, '');
  return { at: `${path}:${m[2]}:${m[3]}`, fileName: path.split('/').pop() ?? '', line: m[2] };
}

// ---------------------------------------------------------------------------------------------
// The message

interface Line {
  label: string;
  value: string;
  section: number;
}

type Paint = (text: unknown, color: string) => string;

/**
 * Pretty: a blank line, every `label: value` right-aligned on its colon, a blank line between
 * sections, a blank line after. Inline: `label=value` pairs (label lower case, spaces as
 * underscores, a value with a space in double quotes) on one line.
 */
function layout(lines: Line[], display: Display): string {
  if (display === 'inline') {
    return lines
      .map(({ label, value }) => {
        const v = typeof value === 'string' && value.includes(' ') ? `"${value}"` : value;
        return `${label.toLowerCase().replace(/\s+/g, '_')}=${v}`;
      })
      .join(' ');
  }
  if (display !== 'pretty') throw new Error(`Unknown display format: ${String(display)}`);
  const width = Math.max(...lines.map((l) => l.label.length + 1));
  const body = lines
    .map((l, i) => {
      const text = `${' '.repeat(width - l.label.length - 1)}${l.label}: ${l.value}`;
      return i + 1 < lines.length && lines[i + 1].section !== l.section ? `${text}\n` : text;
    })
    .join('\n');
  return `\n\n${body}\n\n`;
}

/** What one matcher's failure shows. */
interface Failure {
  matcher: string;
  /** The matcher's argument names in the Error line: `(expected)`, `()`… */
  args: string[];
  expected: string;
  received: string;
  /** The matcher's own lines (Expected/Received by default). */
  lines?: (paint: Paint) => Array<[string, string]>;
  /** Whether this matcher's Error line shows the custom message (toBe only from 0.6.0). */
  showsMessage: boolean;
}

function render(f: Failure, where: Location, message: string | undefined, cfg: RenderCfg): string {
  const paint: Paint = (text, color) => (cfg.colorize ? colorize(text as string, color) : (text as string));
  const argText =
    f.args.length === 0
      ? paint('()', 'darkGrey')
      : paint('(', 'darkGrey') +
        f.args
          .map(
            (a, i) =>
              paint(a, a.startsWith('expected') ? 'green' : 'white') +
              (i + 1 < f.args.length ? paint(', ', 'darkGrey') : ''),
          )
          .join('') +
        paint(')', 'darkGrey');
  const errorLine =
    f.showsMessage && typeof message === 'string'
      ? paint(message, 'white')
      : `${paint('expect(', 'darkGrey')}${paint('received', 'red')}${paint(').', 'darkGrey')}${paint(f.matcher, 'white')}${argText}`;
  const own = f.lines
    ? f.lines(paint)
    : [
        ['Expected', paint(f.expected, 'green')],
        ['Received', paint(f.received, 'red')],
      ];
  const lines: Line[] = [
    { label: 'Error', value: errorLine, section: 1 },
    { label: 'At', value: paint(where.at || 'unknown location', 'darkGrey'), section: 1 },
    ...own.map(([label, value]) => ({ label, value, section: 2 })),
    { label: 'Filename', value: paint(where.fileName, 'darkGrey'), section: 3 },
    { label: 'Line', value: paint(where.line, 'darkGrey'), section: 3 },
  ];
  return layout(lines, cfg.display);
}

/** The colour and display every expectation renders with: the last one created sets them for all, as published. */
interface RenderCfg {
  colorize: boolean;
  display: Display;
}
let renderCfg: RenderCfg = { colorize: true, display: 'pretty' };

// ---------------------------------------------------------------------------------------------
// Equality and property paths

/** The published deep equality: ===, else both non-null objects with the same own keys, recursively. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!kb.includes(k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** The value at `a.b[0].c`; throws where the path does not lead anywhere. */
function valueAtPath(obj: unknown, path: string): unknown {
  if (path === '') throw new Error('empty path');
  const parts: string[] = [];
  let part = '';
  let bracket = false;
  for (const ch of path) {
    if (ch === '.' && !bracket) {
      if (part) parts.push(part);
      part = '';
    } else if (ch === '[') {
      if (part) parts.push(part);
      part = '';
      bracket = true;
    } else if (ch === ']') {
      if (!bracket) throw new Error('unbalanced ]');
      // An empty `[]` is the segment '' (index 0 below), as published.
      parts.push(part);
      part = '';
      bracket = false;
    } else part += ch;
  }
  if (part) parts.push(part);
  let cur: unknown = obj;
  for (const p of parts) {
    if (cur === null || cur === undefined) throw new Error('no such property');
    if (!Number.isNaN(Number(p))) {
      if (!Array.isArray(cur)) throw new Error('index of a non-array');
      const i = Number(p);
      // Only the upper bound is checked: a negative index reads undefined, as published.
      if (i >= cur.length) throw new Error('index out of bounds');
      cur = (cur as unknown[])[i];
    } else {
      if (typeof cur !== 'object') throw new Error('property of a non-object');
      if (!Object.hasOwn(cur as object, p)) throw new Error('no such property');
      cur = (cur as Record<string, unknown>)[p];
    }
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------
// Expectations

const LOCATOR_METHODS = [
  'clear',
  'isEnabled',
  'isHidden',
  'getAttribute',
  'selectOption',
  'press',
  'type',
  'dispatchEvent',
  'dblclick',
  'setChecked',
  'isDisabled',
  'focus',
  'innerText',
  'inputValue',
  'check',
  'isEditable',
  'fill',
  'textContent',
  'hover',
  'waitFor',
  'click',
  'uncheck',
  'isChecked',
  'isVisible',
  'innerHTML',
  'tap',
];
const PAGE_METHODS = ['title', 'goto', 'url', 'close', 'mainFrame', 'waitForLoadState'];

/** What the published version takes `value` for: a k6/browser Page (from 0.6.0), a Locator, or a plain value. */
function browserKind(value: unknown, version: Version): 'page' | 'locator' | null {
  if (!value || typeof value !== 'object') return null;
  const hasAll = (names: string[]) => names.every((n) => n in value);
  if (version.v060 && hasAll(PAGE_METHODS)) return 'page';
  return hasAll(LOCATOR_METHODS) ? 'locator' : null;
}

/** The retrying (browser) matchers a version has for a Page or a Locator. */
function browserMatchers(kind: 'page' | 'locator', version: Version): string[] {
  if (kind === 'page') return ['toHaveTitle'];
  const names = [
    'toBeChecked',
    'toBeDisabled',
    'toBeEditable',
    'toBeEnabled',
    'toBeHidden',
    'toBeVisible',
    'toHaveValue',
  ];
  if (version.v040) names.push('toHaveText', 'toContainText');
  if (version.softMode) names.push('toHaveAttribute');
  if (version.v060) names.push('toBeEmpty');
  return names;
}

/**
 * What expect() gives for a Locator or Page: the version's browser matchers, each refused when
 * called (the engine has no browser); a plain-value matcher is missing there, as published
 * (calling it is a TypeError).
 */
function browserExpectation(kind: 'page' | 'locator', version: Version): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of browserMatchers(kind, version)) {
    out[name] = () => {
      throw new NotOnThisEngineError(
        `k6-testing's ${name}() on a k6/browser ${kind === 'page' ? 'Page' : 'Locator'} (the engine has no browser)`,
      );
    };
  }
  if (version.v030)
    Object.defineProperty(out, 'not', { enumerable: true, get: () => browserExpectation(kind, version) });
  return out;
}

/** The published text of a value in the message: strings as they are (from 0.6.0), else JSON. */
function shown(value: unknown, version: Version, isExpected: boolean): string {
  if (typeof value === 'string' && (isExpected || version.v060)) return value;
  return JSON.stringify(value);
}

function createExpectation(
  received: unknown,
  config: Config,
  version: Version,
  message: string | undefined,
  negated: boolean,
): Record<string, unknown> {
  const usedAssert: AssertFn = config.assertFn ?? assert;
  renderCfg = { ...renderCfg, colorize: config.colorize, display: config.display };

  const check = (
    f: Omit<Failure, 'expected' | 'received' | 'showsMessage'>,
    expected: unknown,
    rec: unknown,
    pass: () => boolean,
  ) => {
    // The message's values are prepared before the check, passing or not (JSON.stringify may throw).
    const failure: Failure = {
      ...f,
      expected: shown(expected, version, true),
      received: shown(rec, version, false),
      showsMessage: version.v030 && (f.matcher !== 'toBe' || version.v060),
    };
    // The message is laid out on every call, passing or not, as published: an `assertFn` gets it
    // either way, and an unknown display fails every assertion made with it.
    const text = render(failure, locationOf(version), version.v030 ? message : undefined, renderCfg);
    const ok = pass();
    const result = version.v030 && negated ? !ok : ok;
    if (version.softMode) usedAssert(result, text, config.soft, config.softMode);
    else usedAssert(result, text, config.soft);
  };

  const pair = (label: string, value: string, color: string, paint: Paint): [string, string] => [
    label,
    paint(value, color),
  ];
  const compare =
    (matcher: string, sign: string, test: (r: number, e: number) => boolean) => (expected: number) =>
      check(
        {
          matcher,
          args: ['expected'],
          lines: (paint) => {
            const f = shown(expected, version, true);
            return [
              ['Expected', `${sign} ${paint(f, 'green')}`],
              pair('Received', shown(received, version, false), 'red', paint),
            ];
          },
        },
        expected,
        received,
        () => test(received as number, expected),
      );
  const receivedOnly = (matcher: string, expected: string, pass: () => boolean) => () =>
    check(
      {
        matcher,
        args: [],
        lines: (paint) => [pair('Received', shown(JSON.stringify(received), version, false), 'red', paint)],
      },
      expected,
      JSON.stringify(received),
      pass,
    );

  const e: Record<string, unknown> = {
    toBe: (expected: unknown) =>
      check({ matcher: 'toBe', args: ['expected'] }, expected, received, () => Object.is(received, expected)),
    toBeCloseTo: (expected: number, precision = 2) => {
      const tolerance = 10 ** -precision * Math.max(Math.abs(received as number), Math.abs(expected));
      const diff = Math.abs((received as number) - expected);
      check(
        {
          matcher: 'toBeCloseTo',
          args: ['expected', 'precision'],
          lines: (paint) => [
            ['Expected precision', paint(String(precision), 'green')],
            ['Expected difference', `< ${paint(String(tolerance), 'green')}`],
            ['Received difference', paint(String(diff), 'red')],
          ],
        },
        expected,
        received,
        () => diff < tolerance,
      );
    },
    toBeDefined: receivedOnly('toBeDefined', 'defined', () => received !== undefined),
    toBeFalsy: receivedOnly('toBeFalsy', 'falsy', () => !received),
    toBeGreaterThan: compare('toBeGreaterThan', '>', (r, x) => r > x),
    toBeGreaterThanOrEqual: compare('toBeGreaterThanOrEqual', '>=', (r, x) => r >= x),
    toBeLessThan: compare('toBeLessThan', '<', (r, x) => r < x),
    toBeLessThanOrEqual: compare('toBeLessThanOrEqual', '<=', (r, x) => r <= x),
    toBeInstanceOf: (expected: new (...a: unknown[]) => unknown) => {
      // Both names are read first: a null or undefined on either side is a TypeError, as published.
      const expectedName = expected.name;
      const receivedName = (received as { constructor: { name: string } }).constructor.name;
      check(
        {
          matcher: 'toBeInstanceOf',
          args: ['expected'],
          lines: (paint) => [
            pair('Expected constructor', shown(expectedName, version, true), 'green', paint),
            pair('Received constructor', shown(receivedName, version, false), 'red', paint),
          ],
        },
        expectedName,
        receivedName,
        () => received instanceof expected,
      );
    },
    toBeNaN: receivedOnly('toBeNaN', 'NaN', () => Number.isNaN(Number(received))),
    toBeNull: receivedOnly('toBeNull', 'null', () => received === null),
    toBeTruthy: receivedOnly('toBeTruthy', 'truthy', () => !!received),
    toBeUndefined: receivedOnly('toBeUndefined', 'undefined', () => received === undefined),
    toEqual: (expected: unknown) =>
      check(
        { matcher: 'toEqual', args: ['expected'] },
        JSON.stringify(expected),
        JSON.stringify(received),
        () => deepEqual(received, expected),
      ),
    toHaveLength: (expected: number) => {
      const expectedText = expected.toString();
      const receivedText = (received as { length: number }).length.toString();
      check(
        {
          matcher: 'toHaveLength',
          args: ['expected'],
          lines: (paint) => [
            pair('Expected length', expectedText, 'green', paint),
            pair('Received length', shown(receivedText, version, false), 'red', paint),
            // The published renderer has this line but never fills it.
            ['Received array', paint(undefined, 'red')],
          ],
        },
        expectedText,
        receivedText,
        () => (received as { length: number }).length === expected,
      );
    },
  };

  if (version.v030) {
    Object.defineProperty(e, 'not', {
      enumerable: true,
      get: () => createExpectation(received, config, version, message, !negated),
    });
    const collection =
      (
        matcher: string,
        label: string,
        types: string[],
        test: (items: unknown[], expected: unknown) => boolean,
      ) =>
      (expected: unknown) => {
        const kind =
          typeof received === 'string'
            ? 'string'
            : Array.isArray(received)
              ? 'array'
              : received instanceof Set
                ? 'set'
                : '';
        if (!types.includes(kind))
          throw new Error(
            matcher === 'toContain'
              ? 'toContain is only supported for strings, arrays, and sets'
              : 'toContainEqual is only supported for arrays and sets',
          );
        check(
          {
            matcher,
            args: ['expected'],
            lines: (paint) => [
              pair(
                negated ? `Expected not ${label}` : `Expected ${label}`,
                shown(expected, version, true),
                'green',
                paint,
              ),
              pair(`Received ${kind}`, shown(received, version, false), 'red', paint),
            ],
          },
          expected,
          received,
          () =>
            typeof received === 'string'
              ? received.includes(expected as string)
              : test(Array.isArray(received) ? received : Array.from(received as Set<unknown>), expected),
        );
      };
    // includes() is SameValueZero, as published (NaN is found, 0 matches -0).
    e.toContain = collection('toContain', 'to contain', ['string', 'array', 'set'], (items, x) =>
      items.includes(x),
    );
    e.toContainEqual = collection('toContainEqual', 'to contain equal', ['array', 'set'], (items, x) =>
      items.some((item) => deepEqual(item, x)),
    );
    e.toHaveProperty = (keyPath: string, expected?: unknown) => {
      if (typeof received !== 'object' || received === null)
        throw new Error('toHaveProperty is only supported for objects');
      const withValue = expected !== undefined;
      check(
        {
          matcher: 'toHaveProperty',
          args: ['keyPath', 'expected?'],
          lines: (paint) => [
            ['Property path', paint(keyPath, 'white')],
            withValue
              ? pair(
                  negated ? 'Expected property not to equal' : 'Expected property to equal',
                  shown(expected, version, true),
                  'green',
                  paint,
                )
              : [negated ? 'Expected property not to exist' : 'Expected property to exist', ''],
            pair('Received object', shown(received, version, false), 'red', paint),
          ],
        },
        withValue ? expected : keyPath,
        received,
        () => {
          try {
            const value = valueAtPath(received, keyPath);
            return withValue ? deepEqual(value, expected) : true;
          } catch {
            return false;
          }
        },
      );
    };
  }
  return e;
}

type Expect = ((value: unknown, message?: string) => Record<string, unknown>) & {
  soft(value: unknown, message?: string): Record<string, unknown>;
  configure(config: Partial<Config>): Expect;
  readonly config?: Config;
};

function makeExpect(version: Version, explicit: Partial<Config>): Expect {
  const config = loadConfig(version, explicit);
  const create = (value: unknown, message: string | undefined, cfg: Config) => {
    const kind = browserKind(value, version);
    if (kind) return browserExpectation(kind, version);
    return createExpectation(value, cfg, version, version.v030 ? message : undefined, false);
  };
  const fn = ((value: unknown, message?: string) => create(value, message, config)) as Expect;
  fn.soft = (value: unknown, message?: string) => create(value, message, { ...config, soft: true });
  fn.configure = (next: Partial<Config>) => makeExpect(version, version.env ? next : { ...config, ...next });
  if (version.env) Object.defineProperty(fn, 'config', { enumerable: true, get: () => ({ ...config }) });
  return fn;
}

const V010: Version = {
  env: false,
  v030: false,
  softMode: false,
  v060: false,
  // The frame after the one that reads the stack: the library's own matcher helper, at this
  // position of the published file (lib/k6-testing/0.1.0/index.js and 0.2.0/index.js).
  libraryLocation: 'https://jslib.k6.io/k6-testing/0.1.0/index.js:8:2203',
};

export const expect010 = makeExpect(V010, {});
export const expect020 = makeExpect(
  { ...V010, env: true, libraryLocation: 'https://jslib.k6.io/k6-testing/0.2.0/index.js:8:2203' },
  {},
);
const V030: Version = { env: true, v030: true, softMode: false, v060: false };
export const expect030 = makeExpect(V030, {});
const V040: Version = { ...V030, v040: true };
export const expect040 = makeExpect(V040, {});
export const expect050 = makeExpect({ ...V040, softMode: true }, {});
export const expect060 = makeExpect({ ...V040, softMode: true, v060: true }, {});
export const expect061 = makeExpect({ ...V040, softMode: true, v060: true, defaultSoftMode: 'fail' }, {});
