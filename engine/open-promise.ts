// A Promise and its resolving functions without a closure made for each: the executor is one
// shared function that leaves them in `opened`, to be read at once. For the hot path (a request,
// an iteration's wait), where an executor closure per Promise is a measurable share of the work.

/** The resolving functions of the Promise made last by openPromise(). */
export const opened = {
  resolve: (_value: unknown): void => {},
  reject: (_reason: unknown): void => {},
};

function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  opened.resolve = resolve;
  opened.reject = reject;
}

/**
 * A new pending Promise, its resolving functions in `opened` until the next call. `subclass`:
 * made by the Promise constructor itself with the subclass as new.target, so that it has the
 * subclass's prototype without running its constructor (V8's slow path, about a microsecond).
 */
export function openPromise<T>(subclass?: abstract new (...args: never[]) => Promise<T>): Promise<T> {
  if (subclass === undefined) return new Promise<unknown>(capture) as Promise<T>;
  return Reflect.construct(Promise, [capture], subclass) as Promise<T>;
}
