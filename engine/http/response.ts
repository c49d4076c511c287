// k6's Response object. Headers, body text and cookies are decoded on first use: most load-test
// iterations only look at `status`.

import { CONSOLE_VIEW } from '../console.ts';
import { NotOnThisEngineError } from '../vu-errors.ts';
import { headersObject, headerValues } from './headers.ts';
import { responseJSON } from './json-body.ts';
import { formSubmission, type HtmlOf, linkClick, type Navigation } from './navigate.ts';
import type { ResponseHead } from './response-head.ts';
import type { Timings } from './send.ts';

export type ResponseType = 'text' | 'binary' | 'none';

/** k6/html's parser (../api/html.ts htmlOf), which the k6/http module hands in: http/ sits below it. */
type HtmlParser = (body: string | ArrayBuffer | null, selector?: string, pageURL?: string) => unknown;
let parseHtml: HtmlParser | null = null;

/** How a Response's submitForm()/clickLink() send their request: the VU's own request function. */
type Navigator = (n: Navigation) => unknown;
/** Sets a Response's private navigator (assigned in the class's static block). */
let setNavigator: (response: Response, navigate: Navigator) => void;

/** Gives `response` the VU's request function (set by the VU's k6/http as the Response is handed over). */
export function bindNavigator(response: Response, navigate: Navigator): void {
  setNavigator(response, navigate);
}

/** Lets Response.html() parse with k6/html's parser. */
export function useHtmlParser(parser: HtmlParser): void {
  parseHtml = parser;
}

export interface ResponseRequest {
  method: string;
  url: string;
  headers: Record<string, string[]>;
  body: string;
  cookies: Record<string, Array<{ name: string; value: string; replace: boolean }>>;
}

export interface ResponseInit {
  status: number;
  statusText: string;
  head: ResponseHead | null;
  bodyBytes: Buffer | null;
  responseType: ResponseType;
  url: string;
  timings: Timings;
  error: string;
  errorCode: number;
  tlsVersion: string;
  tlsCipherSuite: string;
  remoteIp: string;
  remotePort: number;
  request: ResponseRequest;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** k6's OCSP status of a response that has none (grafana/k6 lib/netext/tls.go, OCSP). */
const NO_OCSP = {
  produced_at: 0,
  this_update: 0,
  next_update: 0,
  revoked_at: 0,
  revocation_reason: '',
  status: '',
};

export class Response {
  readonly status: number;
  readonly status_text: string;
  readonly url: string;
  readonly proto: string;
  readonly timings: Timings;
  readonly error: string;
  readonly error_code: number;
  readonly tls_version: string;
  readonly tls_cipher_suite: string;
  readonly remote_ip: string;
  readonly remote_port: number;
  readonly request: ResponseRequest;
  // Private fields: scripts never see them (not keys, not in JSON, not copied by a spread), and
  // unlike entries in a WeakMap they cost nothing to the garbage collector, once per request.
  readonly #head: ResponseHead | null;
  readonly #bytes: Buffer | null;
  readonly #responseType: ResponseType;
  #decodedHeaders: Record<string, string> | null = null;
  #decodedBody: string | ArrayBuffer | null | undefined = undefined;
  #navigate: Navigator | null = null;

  static {
    setNavigator = (response, navigate) => {
      response.#navigate = navigate;
    };
  }

  constructor(init: ResponseInit) {
    this.status = init.status;
    this.status_text =
      init.status === 0 ? '' : `${init.status} ${init.statusText || STATUS_TEXT[init.status] || ''}`.trim();
    this.url = init.url;
    this.proto = init.status === 0 ? '' : 'HTTP/1.1';
    this.timings = init.timings;
    this.error = init.error;
    this.error_code = init.errorCode;
    this.tls_version = init.tlsVersion;
    this.tls_cipher_suite = init.tlsCipherSuite;
    this.remote_ip = init.remoteIp;
    this.remote_port = init.remotePort;
    this.request = init.request;
    this.#head = init.head;
    this.#bytes = init.bodyBytes;
    this.#responseType = init.responseType;
  }

  /** console.log(res) shows what k6 shows: every field, as JSON.stringify does. */
  [CONSOLE_VIEW](): Record<string, unknown> {
    return this.toJSON();
  }

  get headers(): Record<string, string> {
    this.#decodedHeaders ??= headersObject(this.#head ? this.#head.raw : []);
    return this.#decodedHeaders;
  }

  get body(): string | ArrayBuffer | null {
    if (this.#decodedBody === undefined) {
      if (this.#responseType === 'none' || this.#bytes === null) this.#decodedBody = null;
      else if (this.#responseType === 'binary') {
        const b = this.#bytes;
        this.#decodedBody = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      } else this.#decodedBody = this.#bytes.toString('utf8');
    }
    return this.#decodedBody;
  }

  get cookies(): Record<string, Array<Record<string, unknown>>> {
    const out: Record<string, Array<Record<string, unknown>>> = {};
    for (const header of headerValues(this.#head ? this.#head.raw : [], 'set-cookie')) {
      const c = responseCookie(header);
      if (!c) continue;
      out[c.name] ??= [];
      out[c.name].push(c);
    }
    return out;
  }

  /** Parses the body as JSON; `selector` is a gjson-style dot path (`data.items.0.name`). */
  json(selector?: string): unknown {
    return responseJSON(this, this.body, this.url, selector);
  }

  /**
   * A response over plain HTTP has k6's empty OCSP status (every field zero or ''); over TLS the
   * stapled status is not read here, so asking for it is refused rather than answered wrongly.
   */
  get ocsp(): typeof NO_OCSP {
    if (this.tls_version !== '') throw notOnThisEngine('Response.ocsp (OCSP stapling status) over TLS');
    return { ...NO_OCSP };
  }

  /**
   * What JSON.stringify(res) gives, as in k6: the Response's fields in k6's order, decoded headers,
   * cookies and body included (grafana/k6 lib/netext/httpext/response.go, Response). `ocsp` only
   * over plain HTTP, where its value is known.
   */
  toJSON(): Record<string, unknown> {
    return {
      remote_ip: this.remote_ip,
      remote_port: this.remote_port,
      url: this.url,
      status: this.status,
      status_text: this.status_text,
      proto: this.proto,
      headers: this.headers,
      cookies: this.cookies,
      body: this.body,
      timings: this.timings,
      tls_version: this.tls_version,
      tls_cipher_suite: this.tls_cipher_suite,
      ...(this.tls_version === '' ? { ocsp: { ...NO_OCSP } } : {}),
      error: this.error,
      error_code: this.error_code,
      request: this.request,
    };
  }

  /** Follows a link of the page (a blocking call, as a request: `await` it on async VUs). */
  clickLink(args?: unknown): unknown {
    return this.navigate(linkClick(this.htmlOf(), this.url, args));
  }

  /** Submits a form of the page (a blocking call, as a request: `await` it on async VUs). */
  submitForm(args?: unknown): unknown {
    return this.navigate(formSubmission(this.htmlOf(), this.url, args));
  }

  private htmlOf(): HtmlOf {
    return (selector) => this.html(selector) as ReturnType<HtmlOf>;
  }

  private navigate(n: Navigation): unknown {
    const send = this.#navigate;
    if (!send) throw new Error('this Response cannot send requests (it did not come from k6/http).');
    return send(n);
  }

  /** Parses the body as HTML (k6/html's Selection); with a selector, the matches of find(selector). */
  html(selector?: string): unknown {
    if (!parseHtml) throw new Error('Response.html() needs k6/html, which the k6/http module loads.');
    return parseHtml(this.body, selector, this.url);
  }
}

function notOnThisEngine(what: string): Error {
  return new NotOnThisEngineError(what);
}

/**
 * Go's time.Time{}.UnixNano() / 1e6: what k6 reports as `expires` for a cookie without a valid
 * Expires attribute (k6 converts Go's zero time, whose UnixNano overflows to this value).
 */
const GO_ZERO_TIME_MS = -6795364578871;

/** Expires values Go's cookie parser accepts: RFC 1123, and the same with dashes in the date. */
const GO_EXPIRES = /^[A-Za-z]{3}, \d{2}[ -][A-Za-z]{3}[ -]\d{4} \d{2}:\d{2}:\d{2} [A-Z]{3}$/;

/**
 * One Set-Cookie header as k6's `res.cookies` shows it: the attributes as the server wrote them,
 * read as Go's net/http readSetCookies reads them (grafana/k6 lib/netext/httpext/request.go):
 * `domain` and `path` as given ('' when absent), `max_age` as given (0 absent, -1 for 0 or less),
 * `expires` in ms from the Expires attribute alone.
 */
function responseCookie(header: string): (Record<string, unknown> & { name: string }) | null {
  const [pair, ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return null;
  const name = pair.slice(0, eq).trim();
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return null;
  const cookie = {
    name,
    value: pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1'),
    domain: '',
    path: '',
    http_only: false,
    secure: false,
    max_age: 0,
    expires: GO_ZERO_TIME_MS,
  };
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? '' : attr.slice(i + 1).trim();
    if (key === 'domain') cookie.domain = val;
    else if (key === 'path') cookie.path = val;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'httponly') cookie.http_only = true;
    else if (key === 'max-age') {
      if (!/^-?\d+$/.test(val) || (val !== '0' && val.startsWith('0'))) continue;
      const secs = Number(val);
      cookie.max_age = secs <= 0 ? -1 : secs;
    } else if (key === 'expires') {
      const t = GO_EXPIRES.test(val)
        ? Date.parse(val.replace(/(\d{2})-([A-Za-z]{3})-(\d{4})/, '$1 $2 $3'))
        : Number.NaN;
      cookie.expires = Number.isNaN(t) ? GO_ZERO_TIME_MS : t;
    }
  }
  return cookie;
}
