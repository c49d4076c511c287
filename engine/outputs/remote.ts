// What the remote outputs (experimental-prometheus-rw, influxdb) share: a push every interval with
// at most `concurrency` pushes in flight, failures logged at most once per LOG_EVERY_MS and counted,
// never thrown (a failing remote output never stops the test, as in k6), and a last push at the end
// that is waited for, within a bound.
import { Agent, type Dispatcher, request } from 'undici';
import { InvalidOptionsError } from '../metrics/errors.ts';

const LOG_EVERY_MS = 30_000;
/** How long the end of the test waits for the remote outputs' last writes. */
export const CLOSE_TIMEOUT_MS = 30_000;

export interface PusherOptions {
  /** The output's name in log lines, e.g. `influxdb (http://127.0.0.1:8086, db k6)`. */
  name: string;
  intervalMs: number;
  concurrency: number;
  log(level: 'warning' | 'error' | 'info', text: string): void;
  /** Sends what has gathered since the last call; resolves to false when there was nothing. */
  push(): Promise<boolean>;
  /** Whether push() has something to send. */
  hasPending(): boolean;
}

export class Pusher {
  private readonly timer: NodeJS.Timeout;
  private inFlight = new Set<Promise<void>>();
  private failures = 0;
  private failuresSinceLog = 0;
  private lastLogAt = Number.NEGATIVE_INFINITY;
  private lastError = '';
  pushes = 0;

  constructor(private readonly o: PusherOptions) {
    this.timer = setInterval(() => this.tick(), o.intervalMs);
    this.timer.unref();
  }

  /** Counts a failure and logs it, or folds it into the next log line when one was logged recently. */
  fail(message: string): void {
    this.failures++;
    this.failuresSinceLog++;
    this.lastError = message;
    const now = performance.now();
    if (now - this.lastLogAt < LOG_EVERY_MS) return;
    const more =
      this.failuresSinceLog > 1 ? ` (${this.failuresSinceLog - 1} more failures since the last message)` : '';
    this.o.log('error', `${this.o.name}: ${message}${more}; the test goes on.`);
    this.lastLogAt = now;
    this.failuresSinceLog = 0;
  }

  get failureCount(): number {
    return this.failures;
  }

  private tick(): void {
    while (this.inFlight.size < this.o.concurrency && this.o.hasPending()) this.start();
  }

  private start(): void {
    const p: Promise<void> = this.o
      .push()
      .then((sent) => {
        if (sent) this.pushes++;
      })
      .catch((err) => this.fail(err instanceof Error ? err.message : String(err)))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Stops the timer, waits for the pushes in flight, pushes what is left; at most CLOSE_TIMEOUT_MS. */
  async close(timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
    clearInterval(this.timer);
    let timedOut = false;
    const deadline = new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs);
      t.unref();
    });
    const drain = async () => {
      while (!timedOut && (this.inFlight.size > 0 || this.o.hasPending())) {
        if (this.inFlight.size < this.o.concurrency && this.o.hasPending()) this.start();
        await Promise.race([...this.inFlight]);
      }
    };
    await Promise.race([drain(), deadline]);
    if (timedOut) {
      this.o.log(
        'error',
        `${this.o.name}: the last writes did not finish within ${timeoutMs / 1000} s; what they held is missing there.`,
      );
    }
    if (this.failures > 0) {
      this.o.log(
        'error',
        `${this.o.name}: ${this.failures} write${this.failures === 1 ? '' : 's'} failed during the test (last: ${this.lastError}).`,
      );
    }
  }
}

/** One HTTP client per output: keep-alive, the output's TLS choice, a timeout per request. */
export function httpClient(insecure: boolean): Dispatcher {
  return new Agent({ connect: { rejectUnauthorized: !insecure }, keepAliveTimeout: 30_000 });
}

/** POSTs `body`; resolves with the status and the first 300 characters of the answer. */
export async function post(
  dispatcher: Dispatcher,
  url: string,
  headers: Record<string, string>,
  body: Uint8Array | string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const res = await request(url, {
    method: 'POST',
    headers,
    body,
    dispatcher,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = (await res.body.text()).slice(0, 300);
  return { status: res.statusCode, text };
}

/** The error of a request, as one short phrase without the URL's credentials (there are none: they
 *  come from the environment and travel in headers). */
export function describeRequestError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** Go's strconv.ParseBool, which k6 uses for K6_* variables. */
export function boolSetting(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new InvalidOptionsError(`${name} takes true or false; got "${value}".`);
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
