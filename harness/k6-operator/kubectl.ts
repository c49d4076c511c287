// kubectl as a child process: $KUBECTL or `kubectl`, always with the chosen context and namespace,
// a time limit on every call, and input (manifests, the Secret) on stdin only. Each call runs in
// its own process group so the terminal's Ctrl-C reaches the harness, which then decides what to
// delete, and not the kubectl it is waiting on.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface KubectlOptions {
  bin: string;
  context?: string;
  namespace: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class KubectlError extends Error {
  override name = 'KubectlError';
}

/** kubectl's error text as one short, inert line (no control characters, bounded). */
export function firstLine(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to remove them
  const clean = line.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').replace(/^error:\s*/i, '');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

export class Kubectl {
  constructor(readonly options: KubectlOptions) {}

  private argv(args: string[]): string[] {
    const global = [`--namespace=${this.options.namespace}`];
    if (this.options.context) global.unshift(`--context=${this.options.context}`);
    return [...global, ...args];
  }

  /** Runs one call; a non-zero exit is returned, not thrown (callers say what it means). */
  run(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return this.spawnWith(args, opts, null);
  }

  /** Runs one call and hands its stdout to `consume` as a stream (e.g. a tar archive). */
  async stream(
    args: string[],
    consume: (stdout: Readable) => Promise<void>,
    timeoutMs: number,
  ): Promise<KubectlResult> {
    return this.spawnWith(args, { timeoutMs }, consume);
  }

  private spawnWith(
    args: string[],
    opts: { input?: string; timeoutMs?: number },
    consume: ((stdout: Readable) => Promise<void>) | null,
  ): Promise<KubectlResult> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.bin, this.argv(args), {
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      let stdout = '';
      let stderr = '';
      let consumed: Promise<void> = Promise.resolve();
      if (consume) consumed = consume(child.stdout);
      else child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 64_000) stderr += chunk.toString('utf8');
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, timeoutMs);
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new KubectlError(
            error.code === 'ENOENT'
              ? `kubectl was not found (${this.options.bin}): install it or set KUBECTL to its path.`
              : `kubectl could not be started (${this.options.bin}): ${error.message}`,
          ),
        );
      });
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input ?? '');
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        consumed.then(
          () => {
            if (timedOut) {
              resolve({
                code: code ?? 124,
                stdout,
                stderr: `kubectl ${args[0]} did not answer within ${Math.round(timeoutMs / 1000)} s`,
              });
            } else resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
          },
          (error: Error) =>
            reject(new KubectlError(`Reading kubectl ${args[0]}'s output failed: ${error.message}`)),
        );
      });
    });
  }

  /** Runs a call that must succeed; throws a sentence with kubectl's own first error line. */
  async must(
    what: string,
    args: string[],
    opts: { input?: string; timeoutMs?: number } = {},
  ): Promise<string> {
    const result = await this.run(args, opts);
    if (result.code !== 0)
      throw new KubectlError(`${what} failed: ${firstLine(result.stderr) || `exit ${result.code}`}.`);
    return result.stdout;
  }

  /** `kubectl get … -o json`, parsed. */
  async getJson<T>(what: string, args: string[]): Promise<T> {
    const text = await this.must(what, ['get', ...args, '-o', 'json'], { timeoutMs: 30_000 });
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubectlError(`${what} failed: kubectl did not print JSON.`);
    }
  }
}
