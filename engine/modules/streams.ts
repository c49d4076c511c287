// `import { ReadableStream } from 'k6/experimental/streams'`: the WHATWG Streams API, which k6
// implements in part (grafana/k6 internal/js/modules/k6/experimental/streams). The streams are
// Node's own, narrowed to what k6 has, so that a script that fails on k6 fails here too:
// ReadableStream has cancel(), getReader() and `locked`, tee(), byte streams and BYOB readers
// throw k6's NotSupportedError, and pipeTo(), pipeThrough(), values() and `for await` do not
// exist (as in k6). The errors k6 raises itself carry k6's messages (a controller that can no
// longer close or enqueue, a released reader, a locked stream). The module exports what k6's
// does, plus ReadableStreamDefaultController, which k6's documentation names.
import type {
  ReadableStreamDefaultController as Controller,
  ReadableStreamDefaultReader as DefaultReader,
  UnderlyingSource,
} from 'node:stream/web';
import { goError } from '../vu-errors.ts';

const Node = {
  ReadableStream: globalThis.ReadableStream,
  ReadableStreamDefaultReader: globalThis.ReadableStreamDefaultReader,
  ReadableStreamDefaultController: globalThis.ReadableStreamDefaultController,
};

/** Node's error for a stream, reader or controller in the wrong state. */
const isInvalidState = (err: unknown): boolean =>
  err instanceof TypeError && (err as NodeJS.ErrnoException).code === 'ERR_INVALID_STATE';

/** k6's stream errors that are not JavaScript errors: a GoError "Kind:message" (k6's streamError). */
const streamError = (kind: 'NotSupportedError' | 'AssertionError', message: string) =>
  goError(`${kind}:${message}`);

type Source = UnderlyingSource<unknown> & { type?: unknown };

/** Node's ReadableStream as this file uses it (its getReader() overloads narrowed to the default reader). */
interface NodeStream {
  readonly locked: boolean;
  getReader(): DefaultReader<unknown>;
  cancel(reason?: unknown): Promise<void>;
}

/** The controller a source's callbacks get: Node's, with k6's sentence when it can no longer act. */
function k6Controller(controller: Controller): Controller {
  const wrapped = Object.create(Node.ReadableStreamDefaultController.prototype) as Controller;
  const guard =
    <A extends unknown[]>(method: (...args: A) => void) =>
    (...args: A) => {
      try {
        method.apply(controller, args);
      } catch (err) {
        if (isInvalidState(err)) throw new TypeError('cannot close or enqueue');
        throw err;
      }
    };
  Object.defineProperties(wrapped, {
    desiredSize: { get: () => controller.desiredSize },
    enqueue: { value: guard(controller.enqueue) },
    close: { value: guard(controller.close) },
    error: { value: (e?: unknown) => controller.error(e) },
  });
  return wrapped;
}

/** A source whose start/pull get k6Controller(controller); its cancel is called as it is. */
function k6Source(source: Source): Source {
  let wrapped: Controller | null = null;
  const forCallback = (controller: Controller) => {
    wrapped ??= k6Controller(controller);
    return wrapped;
  };
  const out: Source = {};
  if (source.start !== undefined) {
    const start = source.start;
    out.start = typeof start === 'function' ? (c: Controller) => start.call(source, forCallback(c)) : start;
  }
  if (source.pull !== undefined) {
    const pull = source.pull;
    out.pull = typeof pull === 'function' ? (c: Controller) => pull.call(source, forCallback(c)) : pull;
  }
  if (source.cancel !== undefined) {
    const cancel = source.cancel;
    out.cancel = typeof cancel === 'function' ? (reason: unknown) => cancel.call(source, reason) : cancel;
  }
  return out;
}

/**
 * A reader with k6's sentences: a read or cancel after releaseLock() fails with "stream is
 * undefined", a read pending when the lock is released with "reader released".
 */
function k6Reader<R extends DefaultReader<unknown>>(reader: R): R {
  const { read, cancel, releaseLock } = reader;
  let released = false;
  const detached = () => Promise.reject(new TypeError('stream is undefined'));
  Object.defineProperties(reader, {
    read: {
      value: () =>
        released
          ? detached()
          : read.call(reader).catch((err: unknown) => {
              throw isInvalidState(err) ? new TypeError('reader released') : err;
            }),
    },
    cancel: { value: (reason?: unknown) => (released ? detached() : cancel.call(reader, reason)) },
    releaseLock: {
      value: () => {
        releaseLock.call(reader);
        released = true;
      },
    },
  });
  return reader;
}

const NodeReadableStream = Node.ReadableStream as unknown as new (
  source?: Source,
  strategy?: QueuingStrategy<unknown>,
) => NodeStream;

export class ReadableStream extends NodeReadableStream {
  constructor(source?: Source, strategy?: QueuingStrategy<unknown>) {
    if (
      source !== undefined &&
      (source === null || (typeof source !== 'object' && typeof source !== 'function'))
    )
      throw new TypeError('underlyingSource must be an object');
    const type = source?.type;
    if (type !== undefined && String(type) !== 'bytes') throw new TypeError('invalid underlying source type');
    if (type !== undefined) throw streamError('NotSupportedError', "'bytes' stream is not supported yet");
    super(source === undefined ? source : k6Source(source), strategy);
  }

  override getReader(options?: { mode?: unknown }): DefaultReader<unknown> {
    const mode = options === undefined || options === null ? undefined : options.mode;
    if (mode !== undefined) {
      if (String(mode) !== 'byob') throw new TypeError("options.mode is not 'byob'");
      throw streamError('NotSupportedError', "'byob' mode is not supported yet");
    }
    if (this.locked) throw new TypeError('stream is locked');
    return k6Reader(super.getReader());
  }

  override cancel(reason?: unknown): Promise<void> {
    if (this.locked) return Promise.reject(new TypeError('cannot cancel a locked stream'));
    return super.cancel(reason);
  }

  tee(): never {
    throw streamError('NotSupportedError', "'tee()' is not supported yet");
  }
}

// What k6's ReadableStream does not have: reading one of these gives undefined, as on k6.
for (const name of ['pipeTo', 'pipeThrough', 'values', Symbol.asyncIterator])
  Object.defineProperty(ReadableStream.prototype, name, { value: undefined });

const NodeDefaultReader = Node.ReadableStreamDefaultReader as unknown as new (
  stream: ReadableStream,
) => DefaultReader<unknown>;

/** `new ReadableStreamDefaultReader(stream)`, as k6 checks its argument. */
export class ReadableStreamDefaultReader extends NodeDefaultReader {
  constructor(...args: [ReadableStream]) {
    const [stream] = args;
    if (args.length !== 1) throw new TypeError('ReadableStreamDefaultReader takes a single argument');
    if (!(stream instanceof Node.ReadableStream))
      throw new TypeError('ReadableStreamDefaultReader argument must be a ReadableStream');
    if (stream.locked) throw new TypeError('stream is locked');
    super(stream);
    k6Reader(this);
  }
}

export const {
  ReadableStreamDefaultController,
  WritableStream,
  WritableStreamDefaultWriter,
  CountQueuingStrategy,
} = globalThis;

export default {
  ReadableStream,
  ReadableStreamDefaultReader,
  ReadableStreamDefaultController,
  WritableStream,
  WritableStreamDefaultWriter,
  CountQueuingStrategy,
};
