// The benchmarks' target: a trivial JSON server in a process of its own (so it never shares the
// engine's event loop), on a free loopback port; a sink for the engine's output; and one quiet
// engine run against it.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { runTest } from '../../engine/run.ts';

/** `body` is the JSON every request gets (its size is part of what a bench measures). */
function serverSource(body: string): string {
  return `
const http = require('node:http');
const body = Buffer.from(${JSON.stringify(body)});
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;
}

export async function startTrivialServer(body: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', serverSource(body)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (c) => resolve(String(c).trim()));
    child.once('exit', () => reject(new Error('the bench server exited before listening')));
  });
  return { url: `http://127.0.0.1:${port}/`, child };
}

/** Drops what it is given (the engine's summary and output, which a bench does not print). */
export const silent = new Writable({ write: (_c, _e, cb) => cb() });

/**
 * Writes the k6 script `source` to `file`, runs it on the embedded engine in this process with
 * __ENV.URL = `url` and no output, and returns `metric`'s rate per second (0 when it has none).
 * `syncVus` forces the kind of VU; left out, the engine picks it from the script.
 */
export async function engineRate(
  file: string,
  source: string,
  url: string,
  metric: string,
  syncVus?: boolean,
): Promise<number> {
  writeFileSync(file, source);
  const result = await runTest({
    script: file,
    env: { URL: url },
    quiet: true,
    stdout: silent,
    stderr: process.stderr,
    ...(syncVus === undefined ? {} : { syncVus }),
  });
  const values = result.summary?.metrics[metric];
  return values ? values.values.rate : 0;
}
