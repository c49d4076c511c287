import { randomBytes } from 'node:crypto';
import { ApiError, badParameter } from './api-error.ts';

export interface Task {
  id: string;
  output: string[];
  finished: boolean;
  code: number;
  error: string;
  /** Woken when the task finishes (long-poll waiters). */
  waiters: Set<() => void>;
}

export const maxWaitSeconds = 20;
const idAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Deploy tasks with Connect's polling contract: `first` offsets and long-polling `wait`. */
export class TaskBoard {
  readonly #tasks = new Map<string, Task>();

  create(): Task {
    const id = Array.from(randomBytes(16), (b) => idAlphabet[b % idAlphabet.length]).join('');
    const task: Task = { id, output: [], finished: false, code: 0, error: '', waiters: new Set() };
    this.#tasks.set(id, task);
    return task;
  }

  log(task: Task, line: string): void {
    task.output.push(line);
  }

  finish(task: Task, code: number, error: string): void {
    if (task.finished) return;
    Object.assign(task, { finished: true, code, error });
    wake(task);
  }

  /** The task by id; Connect's code 141 when this server does not know it. */
  get(id: string): Task {
    const task = this.#tasks.get(id);
    // Often, in Connect: no sticky session behind a load balancer, so the task lives on another node.
    if (!task) throw new ApiError(404, 141, `Task lookup failed: this server has no task '${id}'.`);
    return task;
  }

  /**
   * The task's state from line `first`. As Connect documents, the request is held until the task
   * finishes or `waitSeconds` pass (0 to 20); new output alone does not end the wait.
   */
  async view(
    id: string,
    first: number,
    waitSeconds: number,
    abort: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const task = this.get(id);
    if (!Number.isInteger(first) || first < 0 || first > task.output.length) {
      throw badParameter(`first must be a whole number from 0 to ${task.output.length} for this task.`);
    }
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0 || waitSeconds > maxWaitSeconds) {
      throw badParameter(`wait must be a number of seconds from 0 to ${maxWaitSeconds}.`);
    }
    if (!task.finished && waitSeconds > 0) await finished(task, waitSeconds * 1000, abort);
    return {
      id: task.id,
      output: task.output.slice(first),
      result: null,
      finished: task.finished,
      code: task.code,
      error: task.error,
      last: task.output.length,
    };
  }
}

function wake(task: Task): void {
  for (const waiter of task.waiters) waiter();
  task.waiters.clear();
}

function finished(task: Task, ms: number, abort: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      abort.removeEventListener('abort', done);
      task.waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    abort.addEventListener('abort', done, { once: true });
    task.waiters.add(done);
  });
}
