// The local stand-in in a process of its own (`standin/cli.ts`), so its proxy and the apps it
// manages never share an event loop with the harness or the engine. The key reaches it through
// its environment (never its command line); it stops its apps on SIGTERM and when the harness dies.
import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { followChildren } from '../node-metrics/children.ts';
import type { LabelledProcess } from '../node-metrics/index.ts';

export interface StandinProcess {
  url: string;
  pid: number;
  /** The app processes it runs now, labelled by kind (refreshed in the background every second). */
  apps(): LabelledProcess[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves with one sentence when the stand-in ends without being asked to (killed, crashed). */
  died: Promise<string>;
}

/**
 * node's arguments before the stand-in's own: its sources under the TypeScript loader, or, when the
 * harness itself runs from the tests' bundle of the command lines (esbuild.config.mjs, built with
 * the stand-in's from the same sources), the stand-in's bundle, which starts without the loader.
 */
const bundled = (globalThis as Record<symbol, unknown>)[Symbol.for('connect-perf.standin-bundle')];
const STANDIN =
  typeof bundled === 'string'
    ? [bundled]
    : [
        '--import',
        import.meta.resolve('tsx'),
        fileURLToPath(new URL('../../standin/cli.ts', import.meta.url)),
      ];
const READY = /Connect stand-in ready at (http:\/\/\S+)/;

function appLabel(command: string): string {
  if (/gunicorn/.test(command)) return 'Flask apps (gunicorn)';
  if (/(^|\/)R(\s|$)|Rscript|exec\/R/.test(command)) return 'Plumber apps (R)';
  return 'other stand-in child processes';
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function spawnStandin(apiKey: string, startTimeoutMs = 30_000): Promise<StandinProcess> {
  const child = spawn(process.execPath, [...STANDIN, '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, CONNECT_API_KEY: apiKey },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C on the terminal reaches the harness, which stops it in order.
    detached: true,
  });
  // If the harness ends without stopping it, the stand-in still gets its SIGTERM (and it also
  // watches for its parent's death).
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 20) stderr.shift();
  });
  const lines = createInterface({ input: child.stdout! });
  // The stand-in's own data folder (it names it on start): it removes it when it stops, but not
  // when it is killed, so the harness removes it after the stand-in has ended. Only a folder the
  // stand-in made in the temporary directory is taken.
  let dataDir: string | null = null;
  lines.on('line', (line) => {
    const named = /^Data folder: (.+)$/.exec(line)?.[1];
    if (
      named &&
      dirname(resolve(named)) === resolve(tmpdir()) &&
      basename(named).startsWith('connect-standin-')
    )
      dataDir = resolve(named);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`The stand-in did not start within ${startTimeoutMs / 1000} s.`)),
      startTimeoutMs,
    );
    lines.on('line', (line) => {
      const match = READY.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`The stand-in exited while starting (code ${code}): ${stderr.join(' | ') || 'no output'}`),
      );
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`The stand-in could not be started: ${error.message}`));
    });
  }).catch(async (error) => {
    child.kill('SIGKILL');
    await exited(child);
    process.off('exit', onExit);
    throw error;
  });

  const apps = followChildren(child.pid!, appLabel);

  let stopping: Promise<void> | null = null;
  // The apps of a stand-in that died: each runs in a process group of its own, which nobody
  // else will stop now.
  let orphans: LabelledProcess[] = [];
  const died = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      orphans = apps.list();
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const last = stderr.at(-1);
      resolve(
        `The Connect stand-in (pid ${child.pid}) ${how} during the run${last ? ` (its last line: ${last})` : ''}; the target was gone, so the run stopped there.`,
      );
    });
  });
  return {
    url,
    pid: child.pid!,
    died,
    apps: () => apps.list(),
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        apps.stop();
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {}
        }, graceMs);
        await exited(child);
        clearTimeout(timer);
        // A stand-in that died (killed, crashed) could not stop its apps: its own process
        // group and each app's are stopped here.
        for (const pid of [child.pid!, ...orphans.map((app) => app.pid)]) {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {}
        }
        if (dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
        process.off('exit', onExit);
      })();
      return stopping;
    },
  };
}
