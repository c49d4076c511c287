import { request } from 'node:http';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { AppProcess } from './app-process.ts';
import type { LaunchPlan } from './apps/launch-plan.ts';

/** One running process of a deployed version and the keep-alive connection pool the proxy uses for it. */
export interface Slot {
  process: AppProcess;
  port: number;
  pool: Pool;
}

/** A deploy that did not come up: why, and the app's last output lines. */
export class StartFailure extends Error {
  constructor(
    message: string,
    readonly tail: string[],
  ) {
    super(message);
  }
}

/** Env for app processes: enough to run R and Python, and none of the stand-in's secrets. */
const passedEnv = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];

/**
 * One deployed bundle running as one or more processes (slots). The proxy picks slots round-robin and
 * counts requests in flight, so a replaced version can drain before it is stopped. A slot whose process
 * crashed is started again on demand.
 */
export class AppVersion {
  readonly slots: Array<Slot | undefined>;
  #inflight = 0;
  #next = 0;
  #closed = false;
  #reviving: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  readonly #starting = new Set<AppProcess>();

  constructor(
    readonly plan: LaunchPlan,
    readonly dir: string,
    readonly startTimeoutMs: number,
  ) {
    this.slots = new Array(plan.slots).fill(undefined);
  }

  /** Starts every slot and waits until each answers HTTP; on failure stops what did start. */
  async start(): Promise<void> {
    try {
      await Promise.all(this.slots.map((_, i) => this.#startSlot(i)));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** The next live slot round-robin, or undefined when none is running. */
  pick(): Slot | undefined {
    const n = this.slots.length;
    for (let i = 0; i < n; i++) {
      const slot = this.slots[(this.#next + i) % n];
      if (slot?.process.running) {
        this.#next = (this.#next + i + 1) % n;
        return slot;
      }
    }
    return undefined;
  }

  /** Starts again every slot whose process has died (crash restart); concurrent callers share one restart. */
  revive(): Promise<void> {
    if (this.#closed) return Promise.reject(new StartFailure('This version of the content was stopped.', []));
    this.#reviving ??= Promise.all(
      this.slots.map((slot, i) => (slot?.process.running ? undefined : this.#startSlot(i))),
    )
      .then(() => undefined)
      .finally(() => {
        this.#reviving = undefined;
      });
    return this.#reviving;
  }

  enter(): void {
    this.#inflight += 1;
  }

  leave(): void {
    this.#inflight -= 1;
    if (this.#inflight === 0) this.#drained?.();
  }

  /** Waits for requests in flight to finish (at most `drainMs`), then stops. */
  async retire(drainMs: number): Promise<void> {
    if (this.#inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.stop();
  }

  async stop(): Promise<void> {
    this.#closed = true;
    this.#drained?.();
    await Promise.all([
      ...this.slots.map(async (slot) => {
        if (!slot) return;
        await slot.pool.destroy().catch(() => undefined);
        await slot.process.stop();
      }),
      ...[...this.#starting].map((proc) => proc.stop()),
    ]);
  }

  /** Every process still running, for the node-metrics sampler and the tests. */
  running(): Array<{ pid: number; port: number }> {
    return this.slots.filter((s) => s?.process.running).map((s) => ({ pid: s!.process.pid, port: s!.port }));
  }

  async #startSlot(index: number): Promise<void> {
    const plan = this.plan;
    const deadline = Date.now() + this.startTimeoutMs;
    const chosenPort = plan.portFromLine ? 0 : await freePort();
    const env: NodeJS.ProcessEnv = { ...plan.env, STANDIN_PORT: String(chosenPort) };
    for (const name of passedEnv) if (process.env[name] !== undefined) env[name] = process.env[name];
    const proc = new AppProcess(plan.command, plan.args(chosenPort), this.dir, env);
    this.#starting.add(proc);
    const old = this.slots[index];
    old?.pool.destroy().catch(() => undefined);
    this.slots[index] = undefined;
    try {
      if (this.#closed) throw new StartFailure('The stand-in is stopping.', []);
      const port = plan.portFromLine ? await reportedPort(proc, plan.portFromLine, deadline) : chosenPort;
      await answersHttp(proc, port, deadline, () => this.#closed);
      const pool = new Pool(`http://127.0.0.1:${port}`, {
        connections: plan.connectionsPerSlot,
        pipelining: 1,
        keepAliveTimeout: 10_000,
        keepAliveMaxTimeout: 30_000,
      });
      this.slots[index] = { process: proc, port, pool };
      if (this.#closed) await this.stop();
    } catch (err) {
      await proc.stop(1000);
      if (err instanceof StartFailure) throw new StartFailure(err.message, proc.tail());
      throw err;
    } finally {
      this.#starting.delete(proc);
    }
  }
}

function reportedPort(proc: AppProcess, read: (line: string) => number | undefined, deadline: number) {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StartFailure('The app did not start listening before the start timeout.', [])),
      Math.max(0, deadline - Date.now()),
    );
    proc.onLine((line) => {
      const port = read(line);
      if (port !== undefined) {
        clearTimeout(timer);
        resolve(port);
      }
    });
    proc.exited.then(() => {
      clearTimeout(timer);
      reject(new StartFailure('The app exited while starting.', []));
    });
  });
}

async function answersHttp(proc: AppProcess, port: number, deadline: number, closed: () => boolean) {
  while (!closed()) {
    if (!proc.running) throw new StartFailure('The app exited while starting.', []);
    if (Date.now() > deadline) {
      throw new StartFailure('The app did not answer HTTP before the start timeout (init_timeout).', []);
    }
    if (await probe(port)) return;
    await sleep(100);
  }
  throw new StartFailure('The stand-in is stopping.', []);
}

/** Any HTTP answer at all (even 404) means the app is serving. */
function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
