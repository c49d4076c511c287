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
import { after, type LongTimer, overCapacity, wantsAnotherProcess } from './scheduler.ts';

/** One running process of a version and the keep-alive connection pool the proxy uses for it. */
export interface Slot {
  process: AppProcess;
  port: number;
  pool: Pool;
  /** Requests this process is serving now. */
  active: number;
  /** The version's generation it was started in; an older one is retiring (see recycle()). */
  generation: number;
  /** When it last became idle (performance.now()), for idle_timeout. */
  idleSince: number;
  idleTimer?: LongTimer;
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

/** A request refused because every process it may have is full (see overCapacity()). */
export class AtCapacity extends Error {}

/** Called for each process as it is spawned; the answer is told when its leftovers are removed. */
export type SpawnHook = (process: AppProcess) => { finalized(): void } | undefined;

/** Env for app processes: enough to run R and Python, and none of the stand-in's secrets. */
const passedEnv = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'USER'];

/** How long a recycled (restarted) process may keep serving the requests it already has. */
const recycleDrainMs = 30_000;

interface Waiter {
  resolve(slot: Slot): void;
  reject(err: Error): void;
}

/**
 * One built bundle of a content item (the active one or a draft) and its processes, scheduled as
 * Connect schedules them (the rules are in scheduler.ts, their sources in standin/README.md):
 * - An arriving request counts towards the load; when the load is over load_factor x the capacity
 *   of the processes running and starting, one more process starts (up to max_processes). A
 *   content item with no process starts one; a burst on cold content starts as many as the rule
 *   says, one per arriving request at most.
 * - The request goes to the least busy process with a free connection (fewer than
 *   max_conns_per_process requests); with none free it waits for a starting process or a free
 *   connection. Beyond max_processes x max_conns_per_process requests, it is refused (AtCapacity).
 * - min_processes are kept running; a process idle for idle_timeout stops, down to min_processes.
 *   settingsChanged() applies new settings at once.
 * - recycle() (environment changed): new requests go to new processes; the old ones finish the
 *   requests they have, then stop.
 * Each process gets its own TMPDIR inside the content folder, removed when it ends.
 */
export class AppVersion {
  #slots: Slot[] = [];
  /** Processes starting, by generation. */
  readonly #starting = new Map<AppProcess | symbol, number>();
  #generation = 0;
  #waiting: Waiter[] = [];
  #inflight = 0;
  #closed = false;
  /** Whether min_processes are kept running (the active version; see settingsChanged()). */
  #keepWarm = false;
  #drained: (() => void) | undefined;

  constructor(
    readonly plan: LaunchPlan,
    /** The version's folder: the app's files in `app/`, its environment and temp folders beside. */
    readonly dir: string,
    readonly limits: () => ProcessLimits,
    readonly env: () => Record<string, string>,
    readonly log: (line: string) => void,
    readonly onSpawn: SpawnHook = () => undefined,
  ) {}

  get appDir(): string {
    return join(this.dir, 'app');
  }

  /**
   * A process for one request, starting processes as the settings say; release() it when the
   * answer is complete. Rejects with AtCapacity when every process the content may have is full,
   * with StartFailure when no process could start.
   */
  async acquire(): Promise<Slot> {
    if (this.#closed) throw new StartFailure('This version of the content was stopped.');
    this.#prune();
    const limits = this.limits();
    const load = this.#load() + 1;
    if (overCapacity(load, limits)) {
      throw new AtCapacity(
        `All ${limits.maxProcesses} process(es) of this content are serving max_conns_per_process (${limits.maxConnsPerProcess}) requests each.`,
      );
    }
    if (wantsAnotherProcess(load, this.#processCount(), limits)) this.#launch();
    const free = this.#waiting.length === 0 ? this.#leastBusy(limits) : undefined;
    if (free) return this.#take(free);
    return new Promise<Slot>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
    });
  }

  release(slot: Slot): void {
    slot.active -= 1;
    if (slot.active > 0) return;
    slot.idleSince = performance.now();
    if (slot.generation !== this.#generation) {
      this.#drop(slot);
      return;
    }
    this.#dispatch();
    if (slot.active === 0) this.#reviewIdle();
  }

  enter(): void {
    this.#inflight += 1;
  }

  leave(): void {
    this.#inflight -= 1;
    if (this.#inflight === 0) this.#drained?.();
  }

  /**
   * Applies the content's settings now: stops processes idle for idle_timeout beyond
   * min_processes and, when `keepWarm` (the active version; a draft runs only on demand), starts
   * processes up to min_processes.
   */
  settingsChanged(keepWarm = true): void {
    if (this.#closed) return;
    this.#keepWarm = keepWarm;
    this.#prune();
    if (keepWarm) this.#warm();
    this.#reviewIdle();
    this.#dispatch();
  }

  /**
   * Replaces every process (the content's environment changed): new requests go to new processes;
   * the old ones finish their requests (for at most 30 s) and stop. `keepWarm` as in settingsChanged().
   */
  recycle(keepWarm = true): void {
    if (this.#closed) return;
    this.#generation += 1;
    const limits = this.limits();
    for (const slot of this.#slots) {
      if (slot.generation === this.#generation) continue;
      slot.idleTimer?.cancel();
      if (slot.active === 0) {
        this.#drop(slot);
        continue;
      }
      const timer = setTimeout(() => this.#drop(slot), recycleDrainMs);
      timer.unref();
      slot.process.exited.then(() => clearTimeout(timer));
    }
    // The requests waiting now are the new processes' first load.
    for (let load = 1; load <= this.#waiting.length; load += 1) {
      if (wantsAnotherProcess(load, this.#processCount(), limits)) this.#launch();
    }
    if (keepWarm) this.#warm();
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
    const stopped = new StartFailure('This version of the content was stopped.');
    for (const waiter of this.#waiting.splice(0)) waiter.reject(stopped);
    const slots = this.#slots;
    this.#slots = [];
    const starting = [...this.#starting.keys()].filter((p): p is AppProcess => p instanceof AppProcess);
    await Promise.all([...slots.map((s) => this.#drop(s)), ...starting.map((p) => p.stop())]);
  }

  /** Every process still running, for the node-metrics sampler and the tests. */
  running(): Array<{ pid: number; port: number }> {
    return this.#slots.filter((s) => s.process.running).map((s) => ({ pid: s.process.pid, port: s.port }));
  }

  /** Requests the current generation's processes serve or wait for. */
  #load(): number {
    let load = this.#waiting.length;
    for (const slot of this.#slots) if (slot.generation === this.#generation) load += slot.active;
    return load;
  }

  /** The current generation's processes, running and starting. */
  #processCount(): number {
    let count = 0;
    for (const slot of this.#slots) if (slot.generation === this.#generation) count += 1;
    for (const generation of this.#starting.values()) if (generation === this.#generation) count += 1;
    return count;
  }

  #leastBusy(limits: ProcessLimits): Slot | undefined {
    let least: Slot | undefined;
    for (const slot of this.#slots) {
      if (slot.generation !== this.#generation || !slot.process.running) continue;
      if (slot.active >= limits.maxConnsPerProcess) continue;
      if (!least || slot.active < least.active) least = slot;
    }
    return least;
  }

  /** Hands free connections to waiting requests, oldest first. */
  #dispatch(): void {
    const limits = this.limits();
    while (this.#waiting.length > 0) {
      const slot = this.#leastBusy(limits);
      if (!slot) return;
      this.#waiting.shift()?.resolve(this.#take(slot));
    }
  }

  #take(slot: Slot): Slot {
    slot.active += 1;
    slot.idleTimer?.cancel();
    slot.idleTimer = undefined;
    return slot;
  }

  /** Starts processes until min_processes run or start. */
  #warm(): void {
    const { minProcesses } = this.limits();
    for (let count = this.#processCount(); count < minProcesses; count += 1) this.#launch();
  }

  /**
   * Stops processes idle for idle_timeout while more than min_processes run, and sets a timer for
   * the others (a new idle_timeout counts from when each became idle).
   */
  #reviewIdle(): void {
    const limits = this.limits();
    const now = performance.now();
    let running = this.#slots.filter((s) => s.generation === this.#generation).length;
    const idle = this.#slots
      .filter((s) => s.generation === this.#generation && s.active === 0)
      .sort((a, b) => a.idleSince - b.idleSince);
    for (const slot of idle) {
      slot.idleTimer?.cancel();
      slot.idleTimer = undefined;
      const due = slot.idleSince + limits.idleTimeoutMs;
      if (due > now) slot.idleTimer = after(due - now, () => this.#reviewIdle());
      else if (running > limits.minProcesses) {
        running -= 1;
        this.#drop(slot);
      }
    }
  }

  /** Starts one process; waiting requests get it when it answers, or its failure if none is left. */
  #launch(): void {
    if (this.#closed) return;
    const token = Symbol('starting');
    const generation = this.#generation;
    this.#starting.set(token, generation);
    this.#start(token, generation).then(
      (slot) => {
        if (slot.generation !== this.#generation) {
          this.#drop(slot);
          return;
        }
        // A process that crashed is replaced at once while min_processes are kept running.
        slot.process.exited.then(() => {
          if (slot.process.stopping || this.#closed || !this.#keepWarm) return;
          this.#prune();
          this.#warm();
        });
        slot.idleSince = performance.now();
        this.#dispatch();
        if (slot.active === 0) this.#reviewIdle();
      },
      (err: Error) => {
        this.log(`A process did not start: ${err.message}`);
        if (this.#processCount() === 0) {
          for (const waiter of this.#waiting.splice(0)) waiter.reject(err);
        }
      },
    );
  }

  /** Forgets processes that died (a crash); the next request starts a new one if needed. */
  #prune(): void {
    const dead = this.#slots.filter((s) => !s.process.running);
    if (dead.length === 0) return;
    this.#slots = this.#slots.filter((s) => s.process.running);
    for (const slot of dead) {
      slot.idleTimer?.cancel();
      slot.pool.destroy().catch(() => undefined);
    }
  }

  async #drop(slot: Slot): Promise<void> {
    slot.idleTimer?.cancel();
    this.#slots = this.#slots.filter((s) => s !== slot);
    await slot.pool.destroy().catch(() => undefined);
    await slot.process.stop();
  }

  async #start(token: symbol, generation: number): Promise<Slot> {
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
      this.#starting.delete(token);
      this.#starting.set(started, generation);
      const job = this.onSpawn(started);
      started.exited.then(async () => {
        await rm(tmp, { recursive: true, force: true });
        job?.finalized();
      });
      const port = this.plan.portFromLine
        ? await reportedPort(started, this.plan.portFromLine, deadline)
        : chosenPort;
      await answersHttp(started, port, deadline, () => this.#closed);
      const slot: Slot = {
        process: started,
        port,
        active: 0,
        generation,
        idleSince: performance.now(),
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
      this.#starting.delete(token);
      if (proc) this.#starting.delete(proc);
    }
  }
}

function reportedPort(proc: AppProcess, read: (line: string) => number | undefined, deadline: number) {
  return new Promise<number>((resolve, reject) => {
    const timer = after(deadline - Date.now(), () =>
      reject(new StartFailure('The app did not start listening within init_timeout.')),
    );
    proc.onLine((line) => {
      const port = read(line);
      if (port !== undefined) {
        timer.cancel();
        resolve(port);
      }
    });
    proc.exited.then(() => {
      timer.cancel();
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
