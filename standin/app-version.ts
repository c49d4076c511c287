import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { appFailure } from './app-failure.ts';
import { AppProcess } from './app-process.ts';
import type { LaunchPlan, ProcessLimits } from './apps/launch-plan.ts';

/** One running process of a version and the keep-alive connection pool the proxy uses for it. */
export interface Slot {
  process: AppProcess;
  port: number;
  pool: Pool;
  /** Requests this process is serving now. */
  active: number;
  idleTimer?: NodeJS.Timeout;
}

/** A process that did not come up: why, with the app's own failure when it said one. */
export class StartFailure extends Error {
  constructor(
    /** What went wrong, without the app's words. */
    readonly reason: string,
    readonly output: string[] = [],
  ) {
    const cause = appFailure(output);
    super(cause ? `${reason} The app said: ${cause}` : reason);
  }
}

/** Env for app processes: enough to run R and Python, and none of the stand-in's secrets. */
const passedEnv = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'USER'];

/**
 * One built bundle of a content item (the active one or a draft). Like Connect, it has no process
 * until a request needs one: the first request starts a process and waits for it; later requests go
 * to the least busy process, and a new process starts (up to max_processes) once every process
 * carries load_factor x max_conns_per_process requests. A process idle for idle_timeout stops, down
 * to min_processes. Each process gets its own TMPDIR inside the content folder, removed when it ends.
 */
export class AppVersion {
  #slots: Slot[] = [];
  #starts = 0;
  #firstStart: Promise<Slot> | undefined;
  #inflight = 0;
  #closed = false;
  #drained: (() => void) | undefined;
  readonly #starting = new Set<AppProcess>();

  constructor(
    readonly plan: LaunchPlan,
    /** The version's folder: the app's files in `app/`, its environment and temp folders beside. */
    readonly dir: string,
    readonly limits: () => ProcessLimits,
    readonly env: () => Record<string, string>,
    readonly log: (line: string) => void,
  ) {}

  get appDir(): string {
    return join(this.dir, 'app');
  }

  /** A process for one request, starting one when needed; release() it when the answer is complete. */
  async acquire(): Promise<Slot> {
    if (this.#closed) throw new StartFailure('This version of the content was stopped.');
    this.#prune();
    const limits = this.limits();
    if (this.#slots.length === 0) {
      this.#firstStart ??= this.#start().finally(() => {
        this.#firstStart = undefined;
      });
      return this.#take(await this.#firstStart);
    }
    let least = this.#slots[0];
    for (const slot of this.#slots) if (slot.active < least.active) least = slot;
    const busy = least.active >= Math.max(1, limits.loadFactor * limits.maxConnsPerProcess);
    if (busy && this.#slots.length + this.#starts < limits.maxProcesses) {
      this.#start().catch((err: Error) => this.log(`An extra process did not start: ${err.message}`));
    }
    return this.#take(least);
  }

  release(slot: Slot): void {
    slot.active -= 1;
    if (slot.active > 0) return;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      const running = this.#slots.filter((s) => s.process.running).length;
      if (slot.active === 0 && running > this.limits().minProcesses) this.#drop(slot);
    }, this.limits().idleTimeoutMs);
    slot.idleTimer.unref();
  }

  enter(): void {
    this.#inflight += 1;
  }

  leave(): void {
    this.#inflight -= 1;
    if (this.#inflight === 0) this.#drained?.();
  }

  /** Waits for requests in flight to finish (at most `drainMs`), then stops every process. */
  async retire(drainMs: number): Promise<void> {
    this.#closed = true;
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
    const slots = this.#slots;
    this.#slots = [];
    await Promise.all([...slots.map((s) => this.#drop(s)), ...[...this.#starting].map((p) => p.stop())]);
  }

  /** Every process still running, for the node-metrics sampler and the tests. */
  running(): Array<{ pid: number; port: number }> {
    return this.#slots.filter((s) => s.process.running).map((s) => ({ pid: s.process.pid, port: s.port }));
  }

  #take(slot: Slot): Slot {
    slot.active += 1;
    clearTimeout(slot.idleTimer);
    return slot;
  }

  /** Forgets processes that died (a crash); the next acquire starts a new one if none is left. */
  #prune(): void {
    const dead = this.#slots.filter((s) => !s.process.running);
    if (dead.length === 0) return;
    this.#slots = this.#slots.filter((s) => s.process.running);
    for (const slot of dead) slot.pool.destroy().catch(() => undefined);
  }

  async #drop(slot: Slot): Promise<void> {
    clearTimeout(slot.idleTimer);
    this.#slots = this.#slots.filter((s) => s !== slot);
    await slot.pool.destroy().catch(() => undefined);
    await slot.process.stop();
  }

  async #start(): Promise<Slot> {
    this.#starts += 1;
    const limits = this.limits();
    const deadline = Date.now() + limits.initTimeoutMs;
    const tmp = join(this.dir, 'tmp', randomBytes(6).toString('hex'));
    let proc: AppProcess | undefined;
    try {
      await mkdir(tmp, { recursive: true });
      const chosenPort = this.plan.portFromLine ? 0 : await freePort();
      const env: NodeJS.ProcessEnv = {
        ...this.plan.env,
        ...this.env(),
        STANDIN_PORT: String(chosenPort),
        TMPDIR: tmp,
      };
      for (const name of passedEnv) if (process.env[name] !== undefined) env[name] = process.env[name];
      if (this.#closed) throw new StartFailure('This version of the content was stopped.');
      const started = new AppProcess(this.plan.command, this.plan.args(chosenPort, limits), this.appDir, env);
      proc = started;
      started.exited.then(() => rm(tmp, { recursive: true, force: true }));
      this.#starting.add(started);
      const port = this.plan.portFromLine
        ? await reportedPort(started, this.plan.portFromLine, deadline)
        : chosenPort;
      await answersHttp(started, port, deadline, () => this.#closed);
      const slot: Slot = {
        process: started,
        port,
        active: 0,
        pool: new Pool(`http://127.0.0.1:${port}`, {
          connections: limits.maxConnsPerProcess,
          pipelining: 1,
          keepAliveTimeout: 10_000,
          keepAliveMaxTimeout: 30_000,
        }),
      };
      if (this.#closed) {
        await slot.pool.destroy();
        throw new StartFailure('This version of the content was stopped.');
      }
      this.#slots.push(slot);
      return slot;
    } catch (err) {
      if (!proc) await rm(tmp, { recursive: true, force: true });
      await proc?.stop(1000);
      if (err instanceof StartFailure && proc) throw new StartFailure(err.reason, proc.tail());
      throw err;
    } finally {
      this.#starts -= 1;
      if (proc) this.#starting.delete(proc);
    }
  }
}

function reportedPort(proc: AppProcess, read: (line: string) => number | undefined, deadline: number) {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StartFailure('The app did not start listening within init_timeout.')),
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
      reject(new StartFailure('The app exited while starting.'));
    });
  });
}

async function answersHttp(proc: AppProcess, port: number, deadline: number, closed: () => boolean) {
  while (!closed()) {
    if (!proc.running) throw new StartFailure('The app exited while starting.');
    if (Date.now() > deadline) throw new StartFailure('The app did not answer HTTP within init_timeout.');
    if (await probe(port)) return;
    await sleep(50);
  }
  throw new StartFailure('This version of the content was stopped.');
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
