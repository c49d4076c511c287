// Latency fidelity of the embedded engine: how much it adds to a response time it measures,
// compared with wrk in the same run. A loopback server (its own process) answers every request
// after exactly 200 ms; wrk and then the engine, each run as a child process the way the harness
// runs them (`node engine/bin.mjs run …`), hold 400 connections/VUs for a bounded time. Each
// tool's excess is its mean latency minus 200 ms (wrk: Latency mean; engine: http_req_duration
// avg from its summary export). Target: engine excess ≤ wrk excess + 1 ms, with async VUs
// (`export default async function () { await http.get(url) }`) and with synchronous VUs (the same
// without async/await: one thread per VU, ../engine/sync/). The last line is one JSON object:
// {"engine_excess_ms":x,"sync_engine_excess_ms":z,"wrk_excess_ms":y} (a key for each mode run).
//
//   npm run bench:fidelity [-- --seconds 10] [--vus 400] [--mode both|async|sync]
//   ENGINE_BIN=/other/checkout/engine/bin.mjs npm run bench:fidelity   (compare another build)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberArg } from './lib/args.ts';

const SECONDS = numberArg('--seconds', 10, 3, 60);
const VUS = numberArg('--vus', 400, 1, 1000);
const DELAY_MS = 200;
const modeArg = process.argv.indexOf('--mode');
const MODE = modeArg > 0 ? process.argv[modeArg + 1] : 'both';
if (MODE !== 'both' && MODE !== 'async' && MODE !== 'sync') {
  process.stderr.write(`--mode is both, async or sync; got ${JSON.stringify(MODE)}.\n`);
  process.exit(2);
}
const BIN = process.env.ENGINE_BIN ?? new URL('../engine/bin.mjs', import.meta.url).pathname;

const SERVER = `
const http = require('node:http');
const body = Buffer.from('{"ok":true}');
const server = http.createServer((req, res) => {
  req.resume();
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  }, ${DELAY_MS});
});
server.keepAliveTimeout = 120000;
server.maxConnections = 5000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

// wrk's mean latency in µs, printed by its done() hook (more digits than its table).
const WRK_LUA = `done = function(summary, latency, requests)
  io.write(string.format("MEAN_US %f\\nREQUESTS %d\\n", latency.mean, summary.requests))
end
`;

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (c) => resolve(String(c).trim()));
    child.once('exit', () => reject(new Error('the bench server exited before listening')));
  });
  return { url: `http://127.0.0.1:${port}/`, child };
}

function runChild(
  cmd: string,
  args: string[],
  limitMs: number,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function wrkMeanMs(url: string, dir: string): Promise<{ meanMs: number; requests: number }> {
  const lua = join(dir, 'mean.lua');
  writeFileSync(lua, WRK_LUA);
  const r = await runChild(
    'wrk',
    ['-t2', `-c${VUS}`, `-d${SECONDS}s`, '--timeout', '10s', '-s', lua, url],
    (SECONDS + 30) * 1000,
  );
  const mean = /MEAN_US ([\d.]+)/.exec(r.out);
  const requests = /REQUESTS (\d+)/.exec(r.out);
  if (r.code !== 0 || !mean || !requests) throw new Error(`wrk failed (exit ${r.code}):\n${r.out}`);
  return { meanMs: Number(mean[1]) / 1000, requests: Number(requests[1]) };
}

async function engineMeanMs(
  url: string,
  dir: string,
  sync: boolean,
): Promise<{ meanMs: number; requests: number }> {
  const script = join(dir, sync ? 'fidelity-sync.js' : 'fidelity.js');
  const summary = join(dir, 'summary.json');
  writeFileSync(
    script,
    sync
      ? `import http from 'k6/http';
     export default function () { http.get(__ENV.URL); }`
      : `import http from 'k6/http';
     export default async function () { await http.get(__ENV.URL); }`,
  );
  const r = await runChild(
    process.execPath,
    [
      BIN,
      'run',
      '-q',
      '-u',
      String(VUS),
      '-d',
      `${SECONDS}s`,
      '-e',
      `URL=${url}`,
      '--summary-export',
      summary,
      ...(sync ? ['--sync-vus'] : []),
      script,
    ],
    // Synchronous VUs start a thread each before the test clock starts.
    (SECONDS + (sync ? 240 : 60)) * 1000,
  );
  if (r.code !== 0) throw new Error(`the engine failed (exit ${r.code}):\n${r.out}`);
  const metrics = JSON.parse(readFileSync(summary, 'utf8')).metrics;
  return { meanMs: metrics.http_req_duration.avg, requests: metrics.http_reqs.count };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-fidelity-'));
const server = await startServer();
try {
  // Warm the server up so that neither tool pays for its JIT.
  await runChild('wrk', ['-t1', '-c50', '-d2s', server.url], 20_000);
  const wrk = await wrkMeanMs(server.url, dir);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  const wrkExcess = round(wrk.meanMs - DELAY_MS);
  const result: Record<string, number> = {};
  let lines =
    `server answers in ${DELAY_MS} ms; ${VUS} connections/VUs for ${SECONDS} s each\n` +
    `wrk:         mean ${wrk.meanMs.toFixed(3)} ms over ${wrk.requests} requests → +${wrkExcess} ms\n`;
  for (const sync of MODE === 'both' ? [false, true] : [MODE === 'sync']) {
    const engine = await engineMeanMs(server.url, dir, sync);
    const excess = round(engine.meanMs - DELAY_MS);
    result[sync ? 'sync_engine_excess_ms' : 'engine_excess_ms'] = excess;
    lines +=
      `engine (${sync ? 'sync VUs' : 'async VUs'}): mean ${engine.meanMs.toFixed(3)} ms over ${engine.requests} requests → +${excess} ms;` +
      ` engine − wrk: ${round(excess - wrkExcess)} ms (target ≤ 1 ms)\n`;
  }
  result.wrk_excess_ms = wrkExcess;
  process.stdout.write(lines);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  server.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
