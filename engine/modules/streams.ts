// `import { ReadableStream } from 'k6/experimental/streams'`: the WHATWG Streams API, which k6
// implements after the standard and Node provides in full as globals.
export const {
  ReadableStream,
  ReadableStreamDefaultReader,
  ReadableStreamDefaultController,
  WritableStream,
  WritableStreamDefaultWriter,
  CountQueuingStrategy,
  ByteLengthQueuingStrategy,
} = globalThis;

const NAMES =
  'ReadableStream ReadableStreamDefaultReader ReadableStreamDefaultController WritableStream WritableStreamDefaultWriter CountQueuingStrategy ByteLengthQueuingStrategy';

export default Object.fromEntries(
  NAMES.split(' ').map((name) => [name, (globalThis as unknown as Record<string, unknown>)[name]]),
);
