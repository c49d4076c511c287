import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { ApiError, sendError } from './api-error.ts';
import type { AppVersion, Slot } from './app-version.ts';
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
]);

const crashErrors = new Set(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/**
 * Forwards one request to the app version's next process and streams the answer back unchanged
 * (status, headers, body), holding the version "in flight" until the answer is complete. A request
 * without a body that finds the app dead starts it again and is retried once (Connect restarts
 * crashed processes on the next request).
 */
export function proxyToApp(
  req: IncomingMessage,
  res: ServerResponse,
  version: AppVersion,
  path: string,
  timings?: UpstreamTimings,
): void {
  new ProxiedRequest(req, res, version, path, timings).send();
}

/**
 * One request on its way through the proxy. It is its own undici handler (undici's callback API,
 * which hands over raw header buffers without building objects): one allocation per request.
 */
class ProxiedRequest implements Dispatcher.DispatchHandler {
  readonly #headers: string[];
  readonly #hasBody: boolean;
  #abort: ((err?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #slot: Slot | undefined;
  #closed = false;
  #left = false;
  #retried = false;
  readonly #started = performance.now();

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly version: AppVersion,
    readonly path: string,
    readonly timings?: UpstreamTimings,
  ) {
    version.enter();
    this.#headers = forwardedHeaders(req.rawHeaders);
    this.#hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    res.once('close', () => {
      this.#closed = true;
      if (!res.writableFinished) this.#abort?.(new Error('The client closed the connection.'));
      this.#leave();
    });
  }

  send(): void {
    const slot = this.version.pick();
    if (!slot) {
      this.#revive(undefined);
      return;
    }
    this.#slot = slot;
    slot.pool.dispatch(
      {
        method: this.req.method as Dispatcher.HttpMethod,
        path: this.path,
        headers: this.#headers,
        body: this.#hasBody ? this.req : null,
      },
      this,
    );
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (this.#closed) abort(new Error('The client closed the connection.'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true;
    this.res.writeHead(statusCode, statusText, backwardHeaders(rawHeaders));
    this.#resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    this.res.once('drain', this.#resume!);
    return false;
  }

  onComplete(): void {
    this.res.end();
    this.timings?.record(performance.now() - this.#started);
    this.#leave();
  }

  onError(err: Error & { code?: string }): void {
    const slot = this.#slot;
    if (
      !this.#retried &&
      !this.#hasBody &&
      !this.res.headersSent &&
      !this.#closed &&
      slot &&
      isCrash(err, slot)
    ) {
      this.#revive(slot);
      return;
    }
    this.#leave();
    if (this.res.headersSent) this.res.destroy(err);
    else sendError(this.res, new ApiError(502, 1, `The content's app failed to answer: ${err.message}`));
  }

  /** Starts dead processes again, then sends once more. */
  #revive(failed: Slot | undefined): void {
    this.#retried = true;
    // A refused connection can arrive before the exit of the killed process is noticed: give it a moment.
    const exited = failed ? Promise.race([failed.process.exited, sleep(1000)]) : Promise.resolve();
    exited
      .then(() => this.version.revive())
      .then(() => {
        if (this.#closed) return;
        if (this.version.pick()) this.send();
        else throw new Error('no process is running');
      })
      .catch((err: Error) => {
        this.#leave();
        sendError(
          this.res,
          new ApiError(502, 1, `The content's app could not be started again: ${err.message}`),
        );
      });
  }

  #leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.version.leave();
  }
}

function isCrash(err: Error & { code?: string }, slot: Slot): boolean {
  return err.code === 'ECONNREFUSED' || (crashErrors.has(err.code ?? '') && !slot.process.running);
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
