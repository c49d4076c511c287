// formdata (https://jslib.k6.io/formdata/<version>/index.js) offline: a multipart/form-data body
// builder. Written from k6's documentation of the library (javascript-api/jslib/formdata) and
// from what the published files (github.com/grafana/jslib.k6.io, lib/formdata/0.0.1 and 0.0.2)
// give, not from their code. Those files are what k6 runs, so their quirks are kept:
// - text (field names, file names, string data, the boundary) becomes one byte per UTF-16 code
//   unit, the code unit's low byte: 'é' is sent as 0xE9, '€' as 0xAC, never as UTF-8;
// - a file name's double quotes become %22 and nothing else is escaped, a field name not at all;
// - every part has a Content-Type, application/octet-stream when none is given;
// - 0.0.1 takes only file objects: a string appended there is an empty octet-stream part;
// - an array as `data` is sent one element per byte, each as a Uint8Array stores it.
// ./registry.ts picks the constructor each version exports.

const BOUNDARY_PREFIX = '------RWWorkerFormDataBoundary';

/** What append() keeps: the field name, and a file object ({ data, filename, content_type }). */
interface Part {
  field: unknown;
  // biome-ignore lint/suspicious/noExplicitAny: anything the script appended, read as the published files read it.
  file: any;
}

interface FormDataInstance {
  boundary: string;
  parts: Part[];
  __toByteArray(input: unknown): number[];
  append(fieldName: unknown, data: unknown): void;
  body(): ArrayBuffer;
}

/** `text` one byte per UTF-16 code unit (its low byte), as the published files encode text. */
function textBytes(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

/**
 * The bytes the published files take from a string, an ArrayBuffer or a typed array (anything
 * with a non-zero byteLength: byteLength elements read by index, each & 0xff, so a Uint16Array
 * gives its elements' low bytes and then zeros), or none from anything else.
 */
function bytesOf(input: unknown): Uint8Array {
  if (typeof input === 'string') return textBytes(input);
  const source = input as { byteLength?: number } | null | undefined;
  if (!source?.byteLength) return new Uint8Array(0);
  if (input instanceof ArrayBuffer) return new Uint8Array(input.slice(0));
  if (input instanceof Uint8Array) return Uint8Array.from(input);
  const view = ('byteOffset' in source ? source : new Uint8Array(input as ArrayBuffer)) as ArrayLike<number>;
  const out: number[] = [];
  for (let i = 0; i < source.byteLength; i++) out.push(view[i] & 0xff);
  return Uint8Array.from(out);
}

/** The multipart body of `form`'s parts, as an ArrayBuffer. */
function assemble(form: FormDataInstance): ArrayBuffer {
  const chunks: Uint8Array[] = [];
  const opening = textBytes(`--${form.boundary}\r\n`);
  for (const part of form.parts) {
    chunks.push(opening);
    const file = part.file;
    let head = `Content-Disposition: form-data; name="${part.field}"`;
    if (file.filename) head += `; filename="${file.filename.replace(/"/g, '%22')}"`;
    head += `\r\nContent-Type: ${file.content_type || 'application/octet-stream'}\r\n\r\n`;
    chunks.push(textBytes(head));
    chunks.push(Array.isArray(file.data) ? Uint8Array.from(file.data as number[]) : bytesOf(file.data));
    chunks.push(textBytes('\r\n'));
  }
  chunks.push(textBytes(`--${form.boundary}--\r\n`));
  const body = Buffer.concat(chunks);
  return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
}

/**
 * A FormData constructor as a version publishes it: callable with or without `new`, with a
 * random boundary, the parts in append order, and body() giving an ArrayBuffer. `textParts`:
 * append() turns a string into a text/plain part (0.0.2); 0.0.1 keeps whatever it is given.
 */
function formDataClass(textParts: boolean) {
  function FormData(this: FormDataInstance | undefined): FormDataInstance | undefined {
    if (!(this instanceof FormData)) return new (FormData as unknown as new () => FormDataInstance)();
    this.boundary = BOUNDARY_PREFIX + Math.random().toString(36);
    this.parts = [];
    this.__toByteArray = (input: unknown) => Array.from(bytesOf(input));
    return undefined;
  }
  FormData.prototype.append = function append(this: FormDataInstance, fieldName: unknown, data: unknown) {
    // biome-ignore lint/complexity/noArguments: the published files count the arguments given, not the parameters.
    if (arguments.length < 2) throw new SyntaxError('Not enough arguments');
    this.parts.push({
      field: fieldName,
      file: textParts && typeof data === 'string' ? { data, content_type: 'text/plain' } : data,
    });
  };
  FormData.prototype.body = function body(this: FormDataInstance) {
    return assemble(this);
  };
  return FormData;
}

/** 0.0.2: a string appended is a text/plain part. */
export const FormData = formDataClass(true);
/** 0.0.1: append() takes file objects only. */
export const FormDataFilesOnly = formDataClass(false);

// The published files are CommonJS modules: a default import gives their exports object (each
// VU imports its own copy of this module, so a script that changes it changes its VU's only).
export const formDataExports = { FormData };
export const formDataFilesOnlyExports = { FormData: FormDataFilesOnly };
