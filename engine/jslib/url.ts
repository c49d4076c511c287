// url (https://jslib.k6.io/url/1.0.0/index.js) offline: WHATWG `URL` and `URLSearchParams`, which
// k6's JavaScript runtime does not have. The published file (github.com/grafana/jslib.k6.io,
// lib/url/1.0.0) is core-js 3.6.5's implementation of the URL Standard, bundled; this is Node's
// implementation of the same standard, narrowed to what that file has, so that a script sees
// what it sees in k6:
// - no two-argument `has(name, value)` / `delete(name, value)` (the value is ignored, as there),
//   no `URL.canParse` / `URL.createObjectURL` / `URL.revokeObjectURL`;
// - a URL that does not parse throws a TypeError with core-js's message: "Invalid scheme" (no
//   scheme and no usable base), "Invalid port", "Invalid authority" (user info and no host) or
//   "Invalid host", not Node's "Invalid URL";
// - `url.searchParams` is this module's URLSearchParams.
// Left as Node has it, where core-js 3.6.5 differs:
// - `URLSearchParams#size` exists (Node's own URL code reads it, so it cannot be hidden);
// - a `blob:` URL has the origin of the URL inside it (core-js: "null");
// - hosts with non-ASCII letters get the URL Standard's full IDNA mapping (UTS #46), and a
//   percent-encoded host is decoded (`%41.com` is `a.com`);
// - a host with a space, a `%` that encodes nothing, or more than four dotted numbers is refused
//   (TypeError "Invalid host"): core-js 3.6.5 accepts them (its forbidden-host-character test
//   never matches), so there such a URL fails only when a request is made with it.
import { URL as NodeURL, URLSearchParams as NodeURLSearchParams } from 'node:url';

/**
 * core-js 3.6.5's message for why `input` is not a URL (see the file comment). `base`: the parsed
 * base URL, if any; one with an opaque path (`mailto:x`) cannot take a relative reference.
 */
function parseErrorMessage(input: string, base: NodeURL | undefined): string {
  // The URL Standard trims C0 controls and spaces, and drops tabs and newlines, before parsing.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: those controls are what is trimmed.
  const text = input.replace(/^[\u0000-\u001F ]+|[\u0000-\u001F ]+$/g, '').replace(/[\t\n\r]/g, '');
  let authority: string;
  if (/^[A-Za-z][A-Za-z\d+\-.]*:/.test(text)) {
    authority = /^[A-Za-z][A-Za-z\d+\-.]*:[/\\]*([^/\\?#]*)/.exec(text)?.[1] ?? '';
  } else {
    if (base === undefined || (base.host === '' && !base.pathname.startsWith('/'))) return 'Invalid scheme';
    authority = /^[/\\]{2}([^/\\?#]*)/.exec(text)?.[1] ?? '';
  }
  const at = authority.lastIndexOf('@');
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  if (at >= 0 && hostPort === '') return 'Invalid authority';
  if (hostPort.startsWith('[') && !hostPort.includes(']')) return 'Invalid host';
  const port = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(hostPort)?.[1];
  if (port !== undefined && port !== '' && (!/^\d+$/.test(port) || Number(port) > 65535))
    return 'Invalid port';
  return 'Invalid host';
}

export class URLSearchParams extends NodeURLSearchParams {
  override has(name: string): boolean {
    return super.has(name);
  }
  override delete(name: string): void {
    super.delete(name);
  }
}

export class URL extends NodeURL {
  static override canParse = undefined as unknown as typeof NodeURL.canParse;
  static override createObjectURL = undefined as unknown as typeof NodeURL.createObjectURL;
  static override revokeObjectURL = undefined as unknown as typeof NodeURL.revokeObjectURL;

  constructor(input: string | URL, base?: string | URL) {
    try {
      super(input, base);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_INVALID_URL') throw err;
      let parsedBase: NodeURL | undefined;
      if (base !== undefined) {
        if (!NodeURL.canParse(String(base))) throw new TypeError(parseErrorMessage(String(base), undefined));
        parsedBase = new NodeURL(String(base));
      }
      throw new TypeError(parseErrorMessage(String(input), parsedBase));
    }
  }
}

const nodeSearchParams = Object.getOwnPropertyDescriptor(NodeURL.prototype, 'searchParams')?.get as (
  this: NodeURL,
) => NodeURLSearchParams;
Object.defineProperty(URL.prototype, 'searchParams', {
  enumerable: true,
  configurable: true,
  // The URL's own live query object, with this module's methods (its state stays Node's).
  get(this: NodeURL) {
    const params = nodeSearchParams.call(this);
    if (Object.getPrototypeOf(params) !== URLSearchParams.prototype)
      Object.setPrototypeOf(params, URLSearchParams.prototype);
    return params;
  },
});

// The published file is a CommonJS module: a default import gives its exports object (each VU
// imports its own copy of this module).
export const urlExports = { URL, URLSearchParams };
