// What VU code's errors look like to the engine: the interruption of an iteration (thrown into
// its pending sleeps and requests), and any exception as the one line k6 logs. Every floor of the
// engine that runs VU code (the VU, its k6 modules, HTTP, the synchronous VUs' threads) uses them,
// so they sit below all of them and import nothing of the engine's.
import { findSourceMap } from 'node:module';

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
  const stack = err.stack;
  if (typeof stack === 'string' && scriptStacks.has(err)) {
    // Already the script's frames as k6 writes them (installScriptStacks).
    const name = err.name === 'Error' && thrownByEngine.has(err) ? 'GoError' : err.name;
    const lines = stack.split('\n').filter((l) => l.startsWith('\tat '));
    return `${name}: ${err.message}\n${lines.map((l) => `${l}\n`).join('')}`;
  }
  const frames = (stack?.split('\n').slice(1) ?? []).map((l) => l.trim()).filter((l) => l.startsWith('at '));
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
  if (!/^(file:\/\/)?\/|^https?:\/\//.test(where)) return false;
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

/** One frame of a stack, with its position after the source map of its file (if any). */
interface Frame {
  kind: 'script' | 'engine' | 'native' | 'other';
  /** The function's name as k6 names it ('' for an anonymous function). */
  fn: string;
  /** The position as k6 writes it (`file:///path/script.js:13:11`); '' for a native frame. */
  where: string;
  /** The frame as V8 writes it, with the source-mapped position. */
  v8: string;
}

/** The errors whose `stack` shows only the script's frames, in k6's format. */
const scriptStacks = new WeakSet<object>();
/** Errors thrown by the engine's own code (its innermost frame not native is the engine's). */
const thrownByEngine = new WeakSet<object>();

/**
 * Makes the `stack` of every error of this thread what k6 gives a script: only the script's own
 * frames (its modules and remote modules such as jslib's), never the engine's or Node's, each as
 * k6's JavaScript runtime writes one (grafana/sobek runtime.go StackFrame.Write; errors.go
 * formatStack): `Error: message`, then `\tat fn (file:///path/script.js:13:11)` or, for an
 * anonymous function, `\tat file:///path/script.js:13:11`, one line per frame, each ending in a
 * newline. A native function the script called, or that called the script back (Array.forEach),
 * is `\tat forEach (native)`. Positions go through the files' source maps (TypeScript scripts,
 * the synchronous VUs' bundle), as Node's own formatting does once source maps are on. Not kept:
 * the bytecode offset k6 adds after a position (`:13:11(3)`), which V8 does not have, and the
 * frames of k6's own functions (`group()` calling a callback), which k6 shows as native frames
 * named by their Go function (grafana/sobek runtime.go newWrappedFunc, vm.go captureStack). An error
 * with no frame of the script keeps V8's whole stack (the engine's own failures), source-mapped.
 *
 * V8 formats a stack only when `stack` is first read, so this costs nothing to errors never read.
 */
export function installScriptStacks(): void {
  Error.prepareStackTrace = (err: unknown, callSites: NodeJS.CallSite[]): string => {
    const head = headerOf(err);
    const frames = callSites.map(frameOf);
    const kept = scriptFrames(frames);
    if (kept.length === 0 || typeof err !== 'object' || err === null)
      return head + frames.map((f) => `\n    at ${f.v8}`).join('');
    scriptStacks.add(err);
    if (frames.find((f) => f.kind !== 'native')?.kind === 'engine') thrownByEngine.add(err);
    let out = `${head}\n`;
    for (const f of kept) {
      if (f.kind === 'native') out += f.fn ? `\tat ${f.fn} (native)\n` : '\tat native\n';
      else out += f.fn ? `\tat ${f.fn} (${f.where})\n` : `\tat ${f.where}\n`;
    }
    return out;
  };
}

/** The first line of a stack, as V8 writes it (Error.prototype.toString). */
function headerOf(err: unknown): string {
  try {
    return Error.prototype.toString.call(err);
  } catch {
    return '<error>';
  }
}

/**
 * The frames a script sees: its own, and the native ones it called (innermost) or that called it
 * back, between two of its frames; nothing the engine runs on the way, nothing below the
 * outermost script frame.
 */
function scriptFrames(frames: Frame[]): Frame[] {
  const kept: Frame[] = [];
  let inner: Frame['kind'] | null = null;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (f.kind === 'script') kept.push(f);
    else if (f.kind === 'native' && (inner === null || inner === 'script')) {
      const outer = frames.slice(i + 1).find((o) => o.kind !== 'native');
      if (outer?.kind === 'script') kept.push(f);
    }
    if (f.kind !== 'native') inner = f.kind;
  }
  return kept;
}

const VU_PARAMS = /[?&]__(?:run|vu)=[^&#]*/g;

function frameOf(cs: NodeJS.CallSite): Frame {
  const v8 = String(cs);
  const name = cs.getFunctionName() ?? '';
  let file = cs.getFileName() ?? '';
  if (file === '') return { kind: 'native', fn: name, where: '', v8 };
  if (file.startsWith('node:')) return { kind: 'other', fn: name, where: '', v8 };
  let line = cs.getLineNumber() ?? 0;
  let column = cs.getColumnNumber() ?? 0;
  let mapped = v8;
  try {
    // Node 20's findEntry() gives {} where the map has no entry.
    const entry = (
      line > 0 && column > 0 ? findSourceMap(file)?.findEntry(line - 1, column - 1) : undefined
    ) as { originalSource?: string; originalLine: number; originalColumn: number } | undefined;
    if (entry?.originalSource) {
      const raw = `${file}:${line}:${column}`;
      file = entry.originalSource;
      line = entry.originalLine + 1;
      column = entry.originalColumn + 1;
      mapped = v8.replace(raw, `${file}:${line}:${column}`);
    }
  } catch {
    // No usable source map: the generated position.
  }
  // The async VUs load every module with a ?__run=R&__vu=N query (a remote module's own query
  // stays); the synchronous VUs' bundle names a remote module `remote:<its URL>` (../sync/bundle.ts).
  let plain = file.replace(VU_PARAMS, '').replace(/^remote:(?=https?:\/\/)/, '');
  if (!plain.includes('?') && plain.includes('&')) plain = plain.replace('&', '?');
  const path = plain.replace(/^file:\/\//, '');
  const engine =
    path.startsWith(ENGINE_DIR) || path.includes('/connect-perf-sync-') || path.includes('/node_modules/');
  const script = !engine && /^(?:file:\/\/|\/|https?:\/\/)/.test(plain);
  const url = plain.startsWith('/') ? `file://${plain}` : plain;
  return {
    kind: engine ? 'engine' : script ? 'script' : 'other',
    fn: script ? k6FunctionName(name, url) : name,
    where: `${url}:${line}:${column}`,
    v8: mapped,
  };
}

/**
 * A function's name as k6 has it: esbuild names a module's anonymous default export
 * `<file>_default` (the synchronous VUs' bundle, a type-stripped TypeScript script), which k6
 * calls `default`.
 */
function k6FunctionName(name: string, url: string): string {
  if (!name.endsWith('_default')) return name;
  const ident = (s: string) => s.replace(/[^\w$]+/g, '_').replace(/_+/g, '_');
  const base = ident((url.split(/[?#]/)[0].split('/').pop() ?? '').replace(/\.[^.]*$/, ''));
  return ident(name) === `${base}_default` ? 'default' : name;
}
