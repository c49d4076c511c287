// What the http module takes from the test: its settings (from the script's options), and what it
// asks of the VU that makes a request. The VU (../vu.ts) and the test (../test-context.ts) sit on
// a higher floor and provide these; http/ never imports them.
import type { SampleGroup } from '../metrics/sample-groups.ts';
import type { Sample } from '../metrics/types.ts';
import type { Routing } from './route.ts';

/** Settings of the `http` module that come from the script's options. */
export interface HttpSettings {
  insecureSkipTLSVerify: boolean;
  /** PEM CA certificates to trust on top of Node's own (NODE_EXTRA_CA_CERTS, from the process or -e). */
  ca: string[] | undefined;
  tlsAuth: Array<{ domains?: string[]; cert: string; key: string; password?: string }>;
  /** options.tlsVersion as Node's protocol names; undefined: Node's defaults. */
  tlsMinVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined;
  tlsMaxVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined;
  userAgent: string;
  maxRedirects: number;
  /** Whether the maxRedirects option was given (k6 warns about a stopped redirect chain only when not). */
  maxRedirectsSet: boolean;
  discardResponseBodies: boolean;
  throw: boolean;
  /** `hosts`, the environment's proxy and blockHostnames; null when none is set (requests go as written). */
  routing: Routing | null;
  noConnectionReuse: boolean;
  noVUConnectionReuse: boolean;
  noCookiesReset: boolean;
  /** httpDebug: '' off, 'headers', or 'full' (bodies too). */
  httpDebug: '' | 'headers' | 'full';
  /** `batch`: how many requests of one http.batch() run at once. */
  batch: number;
  /** `batchPerHost`: how many of them to one host (0: no limit, as in k6). */
  batchPerHost: number;
  /**
   * The system tags samples carry (options.systemTags); null for k6's default set. Kept with the
   * http settings because they come from the same options and requests are their main user.
   */
  systemTags: ReadonlySet<string> | null;
}

/** What http/ uses of a VU (../vu.ts VU is one). */
export interface HttpVU {
  readonly test: {
    readonly http: HttpSettings;
    /** Hands a sample, or all samples of one HTTP request, to the metrics engine and outputs. */
    emit(sample: Sample | SampleGroup): void;
    /** Counts a request for the progress line (`failed`: network error or unexpected status). */
    countRequest(failed: boolean): void;
    /** `fields`: an engine line with logrus fields (`error`, `url`), as k6's logger writes them; without it, a console line. */
    log(level: 'info' | 'warn' | 'error' | 'debug', text: string, fields?: Record<string, string>): void;
  };
  /** The VU's number and its iteration's (k6's http-debug lines name them). */
  readonly id: number;
  readonly iter: number;
  /** Set when the VU's iteration is interrupted: requests then fail with InterruptedError. */
  readonly interrupted: boolean;
  /** What the VU runs now: 'init' while its init code runs (no requests then, as in k6). */
  readonly phase: string;
  /** exec.vu.metrics.metadata for the VU's next samples; undefined when it is empty. */
  metadataOf(): Record<string, string> | undefined;
  /** Bytes on the wire since the VU's last data_sent/data_received samples. */
  bytesSent: number;
  bytesReceived: number;
  /** Per-VU state owned by the http module (connections, cookie jar, response callback). */
  httpState: unknown;
  /** Set by the http module: cancels the VU's requests in flight. */
  interruptRequests: ((err: Error) => void) | null;
  /** Set by the http module: a new iteration begins (cookie jar reset, noVUConnectionReuse). */
  iterationStarting: (() => void) | null;
  /** Tags every sample of this VU carries right now; do not mutate. */
  sampleTags(): Record<string, string>;
  /** Notes a blocking call (a Promise on async VUs); returns its settle function. */
  blocking(call: string): () => void;
  /** Notes a call the script may await later (http.asyncRequest); returns its settle function. */
  awaitable(): () => void;
  /** blocking() and awaitable() without a closure: a token, given back once to the close method. */
  openBlocking(call: string): number;
  closeBlocking(token: number): void;
  openAwaitable(): number;
  closeAwaitable(token: number): void;
}
