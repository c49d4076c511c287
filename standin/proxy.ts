import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { type AppVersion, AtCapacity, type Slot } from './app-version.ts';
import type { UpstreamTimings } from './upstream-timings.ts';

/** Headers that describe one hop's connection, not the message; never forwarded either way. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  // The stand-in's API key is for the stand-in; the app never sees it.
  'authorization',
  // Set by the proxy alone: the app's base path.
  'script_name',
]);

const crashErrors = new Set(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/**
 * Forwards one request to a process of the app version and streams the answer back unchanged
 * (status, headers, body), holding the version "in flight" until the answer is complete. With no
 * process running, the request waits while one starts (a cold start, as in Connect). A request
 * without a body that finds its process dead is sent once more to a fresh process.
 *
 * `base` is the public path the app is served under (/content/{guid} or .../_bundle{id}) and `path`
 * the rest; an app that wants its base path gets both, and the base as WSGI SCRIPT_NAME.
 */
export function proxyToApp(
  req: IncomingMessage,
  res: ServerResponse,
  version: AppVersion,
  base: string,
  path: string,
  timings?: UpstreamTimings,
): void {
  new ProxiedRequest(req, res, version, base, path, timings).send();
}

/**
 * One request on its way through the proxy. It is its own undici handler (undici's callback API,
 * which hands over raw header buffers without building objects): one allocation per request.
 */
class ProxiedRequest implements Dispatcher.DispatchHandler {
  readonly #headers: string[];
  readonly #hasBody: boolean;
  readonly #path: string;
  #abort: ((err?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #head: [number, string, string[]] | undefined;
  #slot: Slot | undefined;
  #closed = false;
  #left = false;
  #retried = false;
  readonly #started = performance.now();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly version: AppVersion,
    base: string,
    path: string,
    readonly timings?: UpstreamTimings,
  ) {
    version.enter();
    this.#headers = forwardedHeaders(req.rawHeaders);
    if (version.plan.wantsBasePath) {
      this.#path = base + path;
      this.#headers.push('SCRIPT_NAME', base);
    } else {
      this.#path = path;
    }
    this.#hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    res.once('close', () => {
      this.#closed = true;
      if (!res.writableFinished) this.#abort?.(new Error('The client closed the connection.'));
      this.#leave();
    });
  }

  send(): void {
    this.version.acquire().then(
      (slot) => {
        this.#slot = slot;
        if (this.#closed) {
          this.#leave();
          return;
        }
        slot.pool.dispatch(
          {
            method: this.req.method as Dispatcher.HttpMethod,
            path: this.#path,
            headers: this.#headers,
            body: this.#hasBody ? this.req : null,
          },
          this,
        );
      },
      (err: Error) => {
        this.#leave();
        this.req.resume();
        if (err instanceof AtCapacity) refused(this.res, err.message);
        else failed(this.res, `The content's app could not be started: ${err.message}`);
      },
    );
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (this.#closed) abort(new Error('The client closed the connection.'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true;
    // Written with the first body byte: an app that dies before any body can still be retried or answered 502.
    this.#head = [statusCode, statusText, backwardHeaders(rawHeaders)];
    this.#resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#writeHead();
    if (this.res.write(chunk)) return true;
    this.res.once('drain', this.#resume!);
    return false;
  }

  onComplete(): void {
    this.#writeHead();
    this.res.end();
    this.timings?.record(performance.now() - this.#started);
    this.#leave();
  }

  onError(err: Error & { code?: string }): void {
    const slot = this.#slot;
    this.#head = undefined;
    if (
      !this.#retried &&
      !this.#hasBody &&
      !this.res.headersSent &&
      !this.#closed &&
      slot &&
      crashErrors.has(err.code ?? '')
    ) {
      this.#retried = true;
      this.#release();
      // A killed process shows as a refused or cut connection before its exit is noticed: give it a moment.
      Promise.race([slot.process.exited, sleep(1000)]).then(async () => {
        if (slot.process.running && err.code !== 'ECONNREFUSED') {
          this.#leave();
          failed(this.res, `The content's app failed to answer: ${err.message}`);
          return;
        }
        await slot.process.stop(1000);
        this.send();
      });
      return;
    }
    this.#leave();
    if (this.res.headersSent) this.res.destroy(err);
    else failed(this.res, `The content's app failed to answer: ${err.message}`);
  }

  #writeHead(): void {
    if (!this.#head) return;
    const [status, text, headers] = this.#head;
    this.#head = undefined;
    this.res.writeHead(status, text, headers);
  }

  #release(): void {
    if (this.#slot) this.version.release(this.#slot);
    this.#slot = undefined;
  }

  #leave(): void {
    this.#release();
    if (this.#left) return;
    this.#left = true;
    this.version.leave();
  }
}

/**
 * Connect answers a content request whose app cannot start or answer with an error page, not an API
 * error (its API code table has no code for it): 502 Bad Gateway and the reason in plain text.
 */
function failed(res: ServerResponse, reason: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${reason}\n`;
  res.writeHead(502, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Connect's admin guide says a connection that would exceed max_conns_per_process on every process
 * it may have is rejected, without naming the answer; the stand-in answers 503 Service Unavailable
 * with the reason in plain text.
 */
function refused(res: ServerResponse, reason: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `The content is at capacity: ${reason}\n`;
  res.writeHead(503, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function forwardedHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!hopByHop.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

function backwardHeaders(raw: Buffer[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1');
    if (!hopByHop.has(name.toLowerCase())) out.push(name, raw[i + 1].toString('latin1'));
  }
  return out;
}
