// What http.get() & co. return on this engine: a Promise of the Response. Using it as if it were
// the Response (k6's synchronous style) fails with a message that says how to fix the script.
import { ResponseNotAwaitedError } from '../vu-errors.ts';

const PROPERTIES = [
  'status',
  'status_text',
  'body',
  'json',
  'headers',
  'timings',
  'error',
  'error_code',
  'url',
  'cookies',
  'html',
  'request',
  'proto',
  'remote_ip',
  'remote_port',
  'tls_version',
];

/**
 * Made by the Promise constructor with this class as new.target (../open-promise.ts), never by its
 * own constructor, which would take V8's slow path for a Promise subclass.
 */
export class PendingResponse<T> extends Promise<T> {
  static override get [Symbol.species]() {
    return Promise;
  }
}

// `await` adopts a promise as it is only when its constructor is Promise itself; anything else is
// wrapped in a new promise that takes two more microtask turns to settle.
Object.defineProperty(PendingResponse.prototype, 'constructor', {
  value: Promise,
  writable: true,
  configurable: true,
});

for (const name of PROPERTIES) {
  Object.defineProperty(PendingResponse.prototype, name, {
    get() {
      throw new ResponseNotAwaitedError(
        `response.${name} was read from a request that has not finished: on the node engine http requests ` +
          'return a Promise. Write `const res = await http.get(...)` (or `await http.asyncRequest(...)`) ' +
          'inside an async function.',
      );
    },
  });
}
