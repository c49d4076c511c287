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

export default {
  ReadableStream,
  ReadableStreamDefaultReader,
  ReadableStreamDefaultController,
  WritableStream,
  WritableStreamDefaultWriter,
  CountQueuingStrategy,
  ByteLengthQueuingStrategy,
};
