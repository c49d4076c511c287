// What VU code's errors look like to the engine: the interruption of an iteration (thrown into
// its pending sleeps and requests), and any exception as the one line k6 logs. Every floor of the
// engine that runs VU code (the VU, its k6 modules, HTTP, the synchronous VUs' threads) uses them,
// so they sit below all of them and import nothing.

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

/** The exception is the engine's refusal (a synchronous VU's thread sends it back as its message). */
export function isRefusal(err: unknown): boolean {
  return (
    err instanceof NotOnThisEngineError || (err instanceof Error && err.message.includes(NOT_ON_THIS_ENGINE))
  );
}

/** An exception as one readable line plus its script location. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const where = err.stack
      ?.split('\n')
      .slice(1)
      .find((l) => l.includes('__run=') || !l.includes('/engine/'));
    const message = `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
    return where ? `${message} ${scriptFrame(where.trim().replace(/\?__run=[^:)]*/, ''))}` : message;
  }
  return typeof err === 'string' ? err : JSON.stringify(err);
}

/**
 * A stack frame named as k6 names it (`at default (file:///path/script.js:5:21)`): without V8's
 * `Module.` prefix for a module's exported function, with the `default` that the synchronous VUs'
 * bundle renamed to `<file>_default` (esbuild's name for an anonymous default export), and the
 * script as a file: URL.
 */
function scriptFrame(frame: string): string {
  const m = /^at (?:Module\.)?([\w$]+) \((\/[^():]+)(:\d+:\d+)\)$/.exec(frame);
  if (!m) return frame;
  const [, fn, path, pos] = m;
  const base = (path.split('/').pop() ?? '').replace(/\.[^.]*$/, '').replace(/[^\w$]/g, '_');
  const name = fn === `${base}_default` ? 'default' : fn;
  return `at ${name} (file://${path}${pos})`;
}
