// The benchmarks' target: a trivial JSON server in a process of its own (so it never shares the
// engine's event loop), on a free loopback port; and a sink for the engine's output.
import { type ChildProcess, spawn } from 'node:child_process';
import { Writable } from 'node:stream';

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
