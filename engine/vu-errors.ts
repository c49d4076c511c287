// What VU code's errors look like to the engine: the interruption of an iteration (thrown into
// its pending sleeps and requests), and any exception as the one line k6 logs. Every floor of the
// engine that runs VU code (the VU, its k6 modules, HTTP, the synchronous VUs' threads) uses them,
// so they sit below all of them and import nothing.

/** Where the engine's own code is (engine/ or dist/engine/): frames there are not the script's. */
const ENGINE_DIR = new URL('.', import.meta.url).pathname;

/** Thrown into an iteration's pending sleeps and requests when the iteration is interrupted. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor() {
    super('the iteration was interrupted (gracefulStop or the test stopping)');
  }
}

/**
 * A k6 feature this engine does not have, met by VU code mid-iteration: the iteration fails with
 * this sentence and is not counted (k6 would have run it), unlike the script's own exceptions.
 */
export class NotOnThisEngineError extends Error {
  constructor(what: string) {
    super(`${what}${NOT_ON_THIS_ENGINE}; run this script with the k6 binary (--engine k6).`);
  }
}

const NOT_ON_THIS_ENGINE = ' is not supported by the node engine';

/**
 * A property of a request's Response read from the Promise an async VU's http.get() & co. return
 * (k6's synchronous style in an async function, e.g. an unawaited http.get() whose answer an
 * awaited callback reads): the script cannot run as k6 runs it, so the test stops as for any
 * blocking call made without await (exit 107), rather than go on with failed iterations and exit 0.
 */
export class ResponseNotAwaitedError extends TypeError {}

/** An error as k6's JavaScript runtime throws a Go function's error: a GoError with Go's message. */
export function goError(message: string): Error {
  const err = new Error(message);
  err.name = 'GoError';
  return err;
}

/**
 * A typed error as k6's Go modules hand it to scripts (webcrypto, experimental/fs): `name` is its
 * kind, String(error) is "Kind: message", and `name` then `message` are own enumerable properties,
 * as on k6's Go error object, so JSON.stringify(e) shows both.
 */
export class KindError extends Error {
  constructor(name: string, message: string) {
    super(message);
    delete (this as { message?: string }).message;
    Object.defineProperty(this, 'name', {
      value: name,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    Object.defineProperty(this, 'message', {
      value: message,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

/** The exception is the engine's refusal (a synchronous VU's thread sends it back as its message). */
export function isRefusal(err: unknown): boolean {
  return (
    err instanceof NotOnThisEngineError || (err instanceof Error && err.message.includes(NOT_ON_THIS_ENGINE))
  );
}

/** An exception as one readable line plus its script location. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    // The first of the script's own frames (not the engine's, its VU threads' bundle, an npm
    // package's or Node's), whichever kind of VU ran it.
    const where = err.stack
      ?.split('\n')
      .slice(1)
      .map((l) => l.trim())
      .find(isScriptFrame);
    const message = `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
    return where ? `${message} ${scriptFrame(where)}` : message;
  }
  return typeof err === 'string' ? err : JSON.stringify(err);
}

/**
 * An iteration's exception as k6 logs it: what its JavaScript runtime prints for an exception
 * (grafana/sobek Exception.String, which k6's log line carries whole): the value as
 * `String(value)` gives it (`TypeError: x`, `Error: x`), then one `\tat <frame>` line per frame of
 * the script, each line ending in a newline. The engine's own frames are left out, and so is the
 * bytecode offset k6 adds to a position (`:3:18(4)`), which V8 does not have.
 */
export function stackTraceOf(err: unknown): string {
  if (!(err instanceof Error)) return `${typeof err === 'string' ? err : JSON.stringify(err)}\n`;
  const frames = (err.stack?.split('\n').slice(1) ?? [])
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at '));
  // The script's frames, and the native ones between them (a callback run by Array.forEach):
  // nothing from below the outermost script frame (the engine calling the script) nor the
  // engine's own frames above the innermost one (fail() throwing).
  let last = -1;
  for (let i = 0; i < frames.length; i++) if (isScriptFrame(frames[i])) last = i;
  // A plain Error thrown by the engine's own code is what k6's Go modules throw: a GoError.
  const fromEngine = err.name === 'Error' && frames.length > 0 && isEngineFrame(frames[0]);
  let out = `${fromEngine ? 'GoError' : err.name}: ${err.message}\n`;
  for (let i = 0; i <= last; i++) {
    const frame = frames[i];
    if (isScriptFrame(frame)) out += `\t${scriptFrame(frame)}\n`;
    else if (frame.endsWith('(<anonymous>)') && out.includes('\tat '))
      out += `\tat ${frame.slice(3, -' (<anonymous>)'.length).replace(/^.*\./, '')} (native)\n`;
  }
  return out;
}

/** A V8 stack frame in the engine's own code (its sources, its build, or the VU threads' bundle). */
function isEngineFrame(frame: string): boolean {
  // The async VUs load the script and the engine's k6 modules with a ?__run= query.
  const plain = frame.replace(/\?__run=[^:)]*/, '');
  return plain.includes(ENGINE_DIR) || plain.includes('/connect-perf-sync-');
}

/** A V8 stack frame in the script's own code (not the engine's, Node's or a native function). */
function isScriptFrame(frame: string): boolean {
  if (frame.includes('__run=')) return !isEngineFrame(frame);
  const where = /\(([^()]*)\)$/.exec(frame)?.[1] ?? frame.slice(3);
  if (!/^(file:\/\/)?\//.test(where)) return false;
  return (
    !where.includes(ENGINE_DIR) && !where.includes('/connect-perf-sync-') && !where.includes('/node_modules/')
  );
}

/**
 * A stack frame named as k6 names it (`at default (file:///path/script.js:5:21)`, or just the
 * position for an anonymous function): without V8's `Module.`, `Object.` (a function called as a
 * method: setup() on async VUs) and `async ` prefixes, with the
 * `default` that the synchronous VUs' bundle renamed to `<file>_default` (esbuild's name for an
 * anonymous default export), and the script as a file: URL without the async VUs' `?__run=` query.
 */
function scriptFrame(v8Frame: string): string {
  const frame = v8Frame.replace(/\?__run=[^:)]*/, '');
  const m = /^at (?:async )?(?:(.+?) \((.+)\)|(.+))$/.exec(frame);
  if (!m) return frame;
  const fn = (m[1] ?? '').replace(/^(?:Module|Object)\./, '');
  const where = m[2] ?? m[3];
  const position = /^\//.test(where) ? `file://${where}` : where;
  const path = position.replace(/(:\d+)+$/, '');
  // esbuild makes the name from the file's: a run of characters an identifier cannot hold, or of
  // underscores, becomes one underscore (my--test_x.js: my_test_x_default).
  const ident = (s: string) => s.replace(/[^\w$]+/g, '_').replace(/_+/g, '_');
  const base = ident((path.split('/').pop() ?? '').replace(/\.[^.]*$/, ''));
  const name = ident(fn) === `${base}_default` ? 'default' : fn;
  return name === '' || name === '<anonymous>' ? `at ${position}` : `at ${name} (${position})`;
}
