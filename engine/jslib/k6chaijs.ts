// k6chaijs (https://jslib.k6.io/k6chaijs/<version>/index.js) offline: the assertion library is the
// npm package chai itself, at the release each published version bundles (4.3.4.0 and 4.3.4.1:
// chai 4.3.4; 4.3.4.2: 4.3.6; 4.3.4.3: 4.3.7; 4.5.0.x: 4.5.0, as the build files of
// github.com/grafana/k6-jslib-k6chaijs name them at each release), and only the k6 glue is written here: from k6's
// documentation (javascript-api/jslib/k6chaijs) and, where it is silent, from what the published
// files (github.com/grafana/jslib.k6.io, lib/k6chaijs/<version>/index.js) do, since that is what
// k6 runs. ./registry.ts picks the names each version exports.
//
// What every version does: `describe(name, fn)` runs `fn` in a k6 group and returns whether it
// ended without throwing; an assertion error ends `fn` there, any other exception is logged and
// recorded as a failed check named `Exception raised "<error>"`, and the iteration goes on. Every
// assertion, passed or failed, is a k6 check named from chai's message. `fn` is called as it is:
// an async `fn` is not awaited (describe returns true and the group ends at its first await), as
// in every published version.
//
// Each version (and each VU, as each VU of k6 has its own copy of the module) gets a chai of its
// own, loaded when first used, so that `chai.config` and `chai.use()` stay where they were set.
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { group, check as k6check } from 'k6';
import exec from 'k6/execution';
import { vuConsole } from '../console.ts';
import { vuForModule } from '../registry.ts';
import { InterruptedError, NotOnThisEngineError, ResponseNotAwaitedError } from '../vu-errors.ts';

const require = createRequire(import.meta.url);

/** k6's check(), which takes a value (its truth) as well as a function, as the published files use it. */
const check = k6check as unknown as (
  value: null,
  sets: Record<string, unknown>,
  tags?: Record<string, string>,
) => boolean;

type Fn = (...args: unknown[]) => unknown;
type Flags = (obj: object, key: string, value?: unknown) => unknown;
interface ChaiUtil {
  flag: Flags;
  test(obj: object, args: ArrayLike<unknown>): unknown;
  getActual(obj: object, args: ArrayLike<unknown>): unknown;
  getOperator(obj: object, args: ArrayLike<unknown>): unknown;
  objDisplay(value: unknown): string;
  addMethod(ctx: object, name: string, method: Fn): void;
  overwriteMethod(ctx: object, name: string, method: (original: Fn) => Fn): void;
}
interface Chai {
  util: ChaiUtil;
  config: Record<string, unknown>;
  Assertion: { prototype: object };
  AssertionError: new (message: string, props?: unknown, ssf?: unknown) => Error;
  expect: Fn & { fail: Fn };
  assert: Fn;
  should: Fn;
  Should: Fn;
}

/**
 * The VU's console, where the published files write: on async VUs (one thread for all, whose
 * global console is not a VU's) the VU's log as its script's console writes it; a synchronous VU's
 * thread has the VU's console as its global one (and this module no VU in its URL).
 */
const console: Pick<Console, 'warn' | 'error'> = (() => {
  let vu: ReturnType<typeof vuForModule>;
  try {
    vu = vuForModule(import.meta.url);
  } catch {
    return globalThis.console;
  }
  return vuConsole((level, text) => {
    if (!vu.interrupted) vu.test.log(level, text);
  });
})();

/** The npm package (package.json alias) holding the chai release a published version bundles. */
const CHAI_PACKAGE: Readonly<Record<string, string>> = {
  '4.3.4.0': 'chai-4.3.4',
  '4.3.4.1': 'chai-4.3.4',
  '4.3.4.2': 'chai-4.3.6',
  '4.3.4.3': 'chai-4.3.7',
  '4.5.0.0': 'chai',
  '4.5.0.1': 'chai',
};

/**
 * A chai nobody else holds: its files are read again (chai keeps its config and plugins in module
 * state); the packages it uses (deep-eql, loupe, …) hold nothing chai changes and are shared.
 */
function freshChai(pkg: string): Chai {
  const root = dirname(require.resolve(pkg)) + sep;
  for (const key of Object.keys(require.cache)) if (key.startsWith(root)) delete require.cache[key];
  const chai = require(pkg) as Chai;
  for (const key of Object.keys(require.cache)) if (key.startsWith(root)) delete require.cache[key];
  // should() adds a getter to Object.prototype, which all the async VUs of a run share (one
  // thread): one VU's assertions would be recorded by another's chai.
  const refuse = () => {
    throw new NotOnThisEngineError(
      "k6chaijs chai.should() (it extends Object.prototype, which this engine's VUs share; expect() is the same library)",
    );
  };
  chai.should = refuse;
  chai.Should = refuse;
  return chai;
}

/** Errors that end an iteration in k6 whatever catches them (an interrupt, exec.test.abort()). */
const uncatchable = new WeakSet<object>();

function passesThrough(error: unknown): boolean {
  return (
    error instanceof NotOnThisEngineError ||
    error instanceof InterruptedError ||
    error instanceof ResponseNotAwaitedError ||
    (typeof error === 'object' && error !== null && uncatchable.has(error))
  );
}

/** exec.test.abort() as the published 4.5.0.1 calls it on a failed assertion with exitOnError. */
function abortTest(message: string): void {
  try {
    exec.test.abort(message);
  } catch (error) {
    if (typeof error === 'object' && error !== null) uncatchable.add(error);
    throw error;
  }
}

/** What aggregated check names show in place of the value and of the actual value. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text the published files write
const THIS_NAME = '${this}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text the published files write
const ACTUAL_NAME = '${actual}';

/**
 * k6's Response fields in k6's order (grafana/k6 lib/netext/httpext/response.go, Response), which
 * is what chai lists when a version shows a Response (`{ Object (remote_ip, remote_port, ...) }`);
 * the engine's two Response kinds hold them in other orders.
 */
const RESPONSE_FIELDS = [
  'remote_ip',
  'remote_port',
  'url',
  'status',
  'status_text',
  'proto',
  'headers',
  'cookies',
  'body',
  'timings',
  'tls_version',
  'tls_cipher_suite',
  'ocsp',
  'error',
  'error_code',
  'request',
];

/** A value as chai is to show it: an HTTP Response as k6's fields in k6's order, others as they are. */
function asK6(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const response = value as Record<string, unknown>;
  if (typeof response.json !== 'function' || !('status_text' in response) || !('remote_ip' in response))
    return value;
  if (typeof response.toJSON === 'function') return response.toJSON();
  const view: Record<string, unknown> = {};
  for (const key of RESPONSE_FIELDS) if (Object.hasOwn(response, key)) view[key] = response[key];
  return view;
}

const THIS = /#\{this\}/g;
const ACT = /#\{act\}/g;
const EXP = /#\{exp\}/g;

/** 4.3.4.0 and 4.3.4.1 truncate with the threshold as it is (none when it is not a number). */
const cut = (text: string, max: unknown): string =>
  text.length > (max as number) ? `${text.substring(0, max as number)}...` : text;
/** 4.3.4.2 on: an absent text is '' and an absent threshold 250. */
const cutOr250 = (text: string | undefined = '', max: unknown = 250): string => cut(text, max);

/** The k6 glue of one published version, around one chai. */
interface Glue {
  /** Sets the version's config defaults and replaces chai's assert and adds its matchers. */
  install(chai: Chai): void;
  /** The check value of an exception describe() caught: 4.3.4.0/1 give `false`, later `() => false`. */
  exceptionValue: unknown;
}

/**
 * What 4.3.4.0 and 4.3.4.1 read of an assertion as chai's own assert() does: whether it passed,
 * whether chai would show a diff, the object, the actual and the expected value.
 */
function assertion(chai: Chai, ctx: object, args: unknown[]) {
  const { util, config } = chai;
  const expected = args[3];
  const showDiff =
    args[5] !== false && !(expected === undefined && args[4] === undefined) && config.showDiff === true;
  return {
    ok: util.test(ctx, args),
    showDiff,
    object: util.flag(ctx, 'object'),
    actual: util.getActual(ctx, args),
    expected,
  };
}

/** 4.3.4.0 and 4.3.4.1: validJsonBody parses the whole body (Response.json()): one that is not JSON fails. */
function addWholeBodyJson(chai: Chai): void {
  chai.util.addMethod(chai.Assertion.prototype, 'validJsonBody', function (this: { assert: Fn }) {
    this.assert(
      parses(chai.util.flag(this, 'object'), []),
      'has valid json body',
      'does not have a valid json body',
      null,
      null,
    );
  });
}

/** 4.3.4.0: the check is named by the whole message, values and chai's message flag included. */
const glue4340: Glue = {
  exceptionValue: false,
  install(chai) {
    const { util, config } = chai;
    const flag = util.flag;
    config.truncateValueThreshold = 100;
    config.truncateMsgThreshold = 300;
    util.overwriteMethod(
      chai.Assertion.prototype,
      'assert',
      () =>
        function (this: object, ...args: unknown[]) {
          const { ok, showDiff, object, actual, expected } = assertion(chai, this, args);
          let text = (flag(this, 'negate') ? args[2] : args[1]) as unknown;
          const message = flag(this, 'message');
          const anonymize = flag(this, 'anonymizeMsgFunction') as Fn | undefined;
          if (anonymize) text = anonymize(text);
          if (typeof text === 'function') text = text();
          text = ((text || '') as string)
            .replace(THIS, () => cut(util.objDisplay(asK6(object)), config.truncateValueThreshold))
            .replace(ACT, () => cut(util.objDisplay(asK6(actual)), config.truncateValueThreshold))
            .replace(EXP, () => cut(util.objDisplay(asK6(expected)), config.truncateValueThreshold));
          const name = cut(message ? `${message}: ${text}` : (text as string), config.truncateMsgThreshold);
          const props: Record<string, unknown> = { actual: util.getActual(this, args), expected, showDiff };
          const operator = util.getOperator(this, args);
          if (operator) props.operator = operator;
          if (!ok) {
            check(null, { [name]: false });
            throw new chai.AssertionError(
              name,
              props,
              config.includeStack ? (this as { assert: unknown }).assert : flag(this, 'ssfi'),
            );
          }
          check(null, { [name]: true });
        },
    );
    addAnonymize(chai, (fn) => fn || anonymizeThis);
    addWholeBodyJson(chai);
  },
};

/**
 * 4.3.4.1: aggregated check names (`${this}` or chai's message flag in place of the value), the
 * values as the check's tags `this`, `actual` and `expected`, config.logFailures; the assertion
 * error's properties are given to chai as a JSON string, as the published file does.
 */
const glue4341: Glue = {
  exceptionValue: false,
  install(chai) {
    const { util, config } = chai;
    const flag = util.flag;
    config.truncateVariableThreshold = 100;
    config.truncateMsgThreshold = 300;
    config.aggregateChecks = true;
    config.logFailures = false;
    config.includeStack = false;
    util.overwriteMethod(
      chai.Assertion.prototype,
      'assert',
      () =>
        function (this: object, ...args: unknown[]) {
          const { ok, showDiff, object, actual, expected } = assertion(chai, this, args);
          // A function message fails here, as in the published file ('but ' is dropped first).
          const text = (flag(this, 'negate') ? args[2] : args[1]) as string;
          const message = flag(this, 'message') as string | undefined;
          let msg: unknown = text.replace('but ', '');
          const anonymize = flag(this, 'anonymizeMsgFunction') as Fn | undefined;
          if (anonymize) msg = anonymize(msg);
          const thisShown = cut(util.objDisplay(asK6(object)), config.truncateVariableThreshold);
          const actualShown = cut(util.objDisplay(asK6(actual)), config.truncateVariableThreshold);
          const expectedShown = cut(util.objDisplay(asK6(expected)), config.truncateVariableThreshold);
          if (typeof msg === 'function') msg = msg();
          const template = ((msg || '') as string).replace(EXP, () => expectedShown);
          const aggregated = template
            .replace(THIS, () => message || THIS_NAME)
            .replace(ACT, () => ACTUAL_NAME);
          let full = template.replace(THIS, () => thisShown).replace(ACT, () => actualShown);
          if (message && !config.aggregateChecks) full = `${message}: ${full}`;
          const name = cut(config.aggregateChecks ? aggregated : full, config.truncateMsgThreshold);
          full = cut(full, config.truncateMsgThreshold);
          const props: Record<string, unknown> = { actual: util.getActual(this, args), expected, showDiff };
          check(null, { [name]: ok }, { this: thisShown, actual: actualShown, expected: expectedShown });
          if (!ok) {
            const operator = util.getOperator(this, args);
            if (operator) props.operator = operator;
            if (config.logFailures) console.warn(full);
            throw new chai.AssertionError(
              full,
              JSON.stringify(props),
              config.includeStack ? (this as { assert: unknown }).assert : flag(this, 'ssfi'),
            );
          }
        },
    );
    addAnonymize(chai, (fn) => fn || anonymizeThis);
    addWholeBodyJson(chai);
  },
};

/**
 * 4.3.4.2 on (the TypeScript rewrite): names truncated at the variable threshold (100), values
 * tagged on the check in 4.3.4.2 only, config.exitOnError from 4.5.0.1. validJsonBody asks
 * Response.json() for a path, which gives undefined rather than throwing for a body that is not
 * JSON (grafana/k6 js/modules/k6/http/response.go): so it fails only for a null body, and a
 * negated or message-flagged validJsonBody is not (the published files go through chai.assert()).
 */
function glueTs(options: { tags: boolean; exitOnError: boolean }): Glue {
  return {
    exceptionValue: () => false,
    install(chai) {
      const { util, config } = chai;
      const flag = util.flag;
      const shown = (value: unknown) =>
        cutOr250(util.objDisplay(asK6(value)), config.truncateVariableThreshold);
      config.truncateVariableThreshold = 100;
      config.truncateMsgThreshold = 300;
      config.aggregateChecks = true;
      config.logFailures = false;
      if (options.exitOnError) config.exitOnError = false;
      const template = (ctx: object, args: unknown[]): string => {
        const expected = args[3];
        let text = (flag(ctx, 'negate') ? args[2] : args[1]) as unknown;
        text = (text as string).replace('but ', '');
        const anonymize = flag(ctx, 'anonymizeMsgFunction') as Fn | undefined;
        if (anonymize) text = anonymize(text);
        if (typeof text === 'function') text = text();
        return ((text || '') as string).replace(EXP, () => shown(expected));
      };
      const expectation = (ctx: object, text: string, args: unknown[]): string => {
        const message = flag(ctx, 'message');
        let out = text
          .replace(THIS, () => shown(flag(ctx, 'object')))
          .replace(ACT, () => shown(util.getActual(ctx, args)));
        if (message && !config.aggregateChecks) out = `${message}: ${out}`;
        return out;
      };
      const testName = (ctx: object, text: string): string =>
        cutOr250(
          text
            .replace(THIS, () => (flag(ctx, 'message') as string) || THIS_NAME)
            .replace(ACT, () => ACTUAL_NAME),
          config.truncateVariableThreshold,
        );
      util.overwriteMethod(
        chai.Assertion.prototype,
        'assert',
        () =>
          function (this: object, ...given: unknown[]) {
            const [expression, passText, failText, expected, actualGiven] = given;
            const showDiff = !expected && !actualGiven;
            const args = [expression, passText, failText, expected, actualGiven, showDiff];
            const ok = util.test(this, args);
            const object = flag(this, 'object');
            const actual = util.getActual(this, args);
            const text = template(this, args);
            const full = expectation(this, text, args);
            const name = config.aggregateChecks ? testName(this, text) : full;
            if (options.tags) {
              check(
                null,
                { [name]: () => ok },
                { this: shown(object), actual: shown(actual), expected: shown(expected) },
              );
            } else check(null, { [name]: () => ok });
            if (!ok) {
              const reported = cutOr250(full, config.truncateVariableThreshold);
              const error = { actual, expected, showDiff, operator: util.getOperator(this, args) };
              if (config.logFailures) console.warn(reported);
              if (options.exitOnError && config.exitOnError) abortTest(reported);
              throw new chai.AssertionError(
                reported,
                error,
                config.includeStack ? chai.assert : flag(this, 'ssfi'),
              );
            }
          },
      );
      addAnonymize(chai, (fn) => (fn === undefined ? anonymizeThis : fn));
      util.addMethod(chai.Assertion.prototype, 'validJsonBody', function (this: object) {
        chai.assert(
          parses(flag(this, 'object'), ['__unlikelyidefintifier1']),
          'has valid json body',
          'does not have a valid json body',
          null,
          null,
        );
      });
    },
  };
}

const anonymizeThis = (text: unknown = '') => (text as string).replace(THIS, () => '<anonymized>');

function addAnonymize(chai: Chai, pick: (fn: unknown) => unknown): void {
  chai.util.addMethod(chai.Assertion.prototype, 'anonymize', function (this: object, fn?: unknown) {
    chai.util.flag(this, 'anonymizeMsgFunction', pick(fn));
  });
}

/** Whether `response.json(...args)` returns rather than throws (not being a Response throws too). */
function parses(response: unknown, args: unknown[]): boolean {
  try {
    (response as { json: Fn }).json(...args);
    return true;
  } catch {
    return false;
  }
}

const GLUE: Readonly<Record<string, Glue>> = {
  '4.3.4.0': glue4340,
  '4.3.4.1': glue4341,
  '4.3.4.2': glueTs({ tags: true, exitOnError: false }),
  '4.3.4.3': glueTs({ tags: false, exitOnError: false }),
  '4.5.0.0': glueTs({ tags: false, exitOnError: false }),
  '4.5.0.1': glueTs({ tags: false, exitOnError: true }),
};

interface Version {
  describe(name: unknown, fn: unknown): boolean;
  expect: Fn & { fail: Fn };
  chai: Chai;
}

/**
 * One published version's exports. Its chai is loaded on first use (about 5 ms): `chai` is a view
 * of it and `expect` calls its expect, so that a VU pays only for the versions its script uses.
 */
function version(v: string): Version {
  const glue = GLUE[v];
  let made: Chai | null = null;
  const real = (): Chai => {
    if (!made) {
      made = freshChai(CHAI_PACKAGE[v]);
      glue.install(made);
    }
    return made;
  };
  const describe = (name: unknown, fn: unknown): boolean => {
    let success = true;
    group(name as string, () => {
      try {
        (fn as Fn)();
        success = true;
      } catch (error) {
        if (passesThrough(error)) throw error;
        // Reading `.name` of a thrown null or undefined throws, as in the published files.
        if ((error as { name: unknown }).name !== 'AssertionError') {
          console.error(`Exception raised in test "${name}". Failing the test and continuing. \n${error}`);
          check(null, { [`Exception raised "${error}"`]: glue.exceptionValue });
        }
        success = false;
      }
    });
    return success;
  };
  const expect = Object.assign((value: unknown, message?: unknown) => real().expect(value, message), {
    fail: (...args: unknown[]) => real().expect.fail(...args),
  });
  const chai = new Proxy({} as Chai, {
    get: (_t, key) => Reflect.get(real(), key),
    set: (_t, key, value) => Reflect.set(real(), key, value),
    has: (_t, key) => Reflect.has(real(), key),
    deleteProperty: (_t, key) => Reflect.deleteProperty(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_t, key) => {
      const found = Reflect.getOwnPropertyDescriptor(real(), key);
      return found ? { ...found, configurable: true } : undefined;
    },
  });
  return { describe, expect, chai };
}

const v4340 = version('4.3.4.0');
const v4341 = version('4.3.4.1');
const v4342 = version('4.3.4.2');
const v4343 = version('4.3.4.3');
const v4500 = version('4.5.0.0');
const v4501 = version('4.5.0.1');

export const describe4340 = v4340.describe;
export const expect4340 = v4340.expect;
export const chai4340 = v4340.chai;
export const describe4341 = v4341.describe;
export const expect4341 = v4341.expect;
export const chai4341 = v4341.chai;
/**
 * What a default import of 4.3.4.0 or 4.3.4.1 gives in k6: the CommonJS module's whole exports
 * object, as it has no `default` (grafana/k6 js/modules/cjsmodule.go, GetBindingValue).
 */
export const module4340 = { describe: describe4340, expect: expect4340, chai: chai4340 };
export const module4341 = { describe: describe4341, expect: expect4341, chai: chai4341 };
export const describe4342 = v4342.describe;
export const expect4342 = v4342.expect;
export const chai4342 = v4342.chai;
export const describe4343 = v4343.describe;
export const expect4343 = v4343.expect;
export const chai4343 = v4343.chai;
export const describe4500 = v4500.describe;
export const expect4500 = v4500.expect;
export const chai4500 = v4500.chai;
export const describe4501 = v4501.describe;
export const expect4501 = v4501.expect;
export const chai4501 = v4501.chai;
