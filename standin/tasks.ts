import { randomBytes } from 'node:crypto';
import { ApiError, unknownObject } from './api-error.ts';

export interface Task {
  id: string;
  output: string[];
  finished: boolean;
  code: number;
  error: string;
  /** Woken whenever the task gets output or finishes (long-poll waiters). */
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
    wake(task);
  }

  finish(task: Task, code: number, error: string): void {
    if (task.finished) return;
    Object.assign(task, { finished: true, code, error });
    wake(task);
  }

  /** The task's state from line `first`, after waiting up to `waitSeconds` for news (ends early on abort). */
  async view(
    id: string,
    first: number,
    waitSeconds: number,
    abort: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const task = this.#tasks.get(id);
    if (!task) throw unknownObject('task', id);
    if (!Number.isInteger(first) || first < 0 || first > task.output.length) {
      throw new ApiError(
        400,
        3,
        `first must be a whole number from 0 to ${task.output.length} for this task.`,
      );
    }
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
      throw new ApiError(400, 3, `wait must be a number of seconds from 0 to ${maxWaitSeconds}.`);
    }
    const waitMs = Math.min(waitSeconds, maxWaitSeconds) * 1000;
    if (!task.finished && first === task.output.length && waitMs > 0) await news(task, waitMs, abort);
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

function news(task: Task, ms: number, abort: AbortSignal): Promise<void> {
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
