// Throughput of the embedded engine against autocannon and wrk on the same local server, at 100
// and 400 connections. The server runs in its own process, and so do autocannon and wrk, so that
// only the engine shares its event loop with nothing. The server is warmed up first (1 s of
// autocannon), so that the tool measured first (the engine) does not pay for the server's JIT.
// The engine records the full k6 metric set (every request's samples go to its metrics engine);
// no --out output is written. On a machine shared with other work the throughput of every tool
// swings from one second to the next, so the tools take turns: each round runs the engine,
// autocannon and wrk one after the other, and a ratio is the median of the rounds' ratios.
// Beside them runs undici alone (the HTTP client the engine is built on), one Client per
// connection, each sending its next GET as soon as the previous response has ended, with no engine
// code at all: its ratio to autocannon is the ceiling of any client built on undici in one thread.
// The engine's ratio to undici alone is its own work per request, and the steadiest of the
// ratios when the machine's speed changes from one run to the next (autocannon and undici alone
// then move together). Prints req/s per tool and round, and ends with one JSON line of ratios:
// {"engine_vs_autocannon":{"100":x,"400":y},"engine_vs_wrk":{...},"undici_vs_autocannon":{...},
//  "engine_vs_undici":{...}}.
//
//   npx tsx bench/engine.ts [--seconds 10] [--rounds 1]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberArg } from './lib/args.ts';
import { engineRate, startTrivialServer } from './lib/trivial-server.ts';

const SECONDS = numberArg('--seconds', 10, 2, 60);
const ROUNDS = Math.round(numberArg('--rounds', 1, 1, 9));
const CONNECTIONS = [100, 400];

const BODY = '{"ok":true,"price":123.45}';

function engineRps(url: string, vus: number, dir: string): Promise<number> {
  return engineRate(
    join(dir, 'bench.js'),
    `import http from 'k6/http';
     export const options = { vus: ${vus}, duration: '${SECONDS}s' };
     export default async function () { await http.get(__ENV.URL); }`,
    url,
    'http_reqs',
  );
}

// One process: `connections` undici Clients, each one request at a time, counted after 1 s of warm-up.
const UNDICI_ALONE = `
const { Client } = require(process.argv[1]);
const [url, connections, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
let count = 0;
let stop = false;
const handler = (resolve) => ({
  onConnect() {},
  onHeaders() { return true; },
  onData() { return true; },
  onComplete() { resolve(); },
  onError() { resolve(); },
});
const path = new URL(url).pathname;
async function connection() {
  const client = new Client(new URL(url).origin);
  while (!stop) {
    await new Promise((resolve) => client.dispatch({ method: 'GET', path }, handler(resolve)));
    count++;
  }
  await client.close();
}
for (let i = 0; i < connections; i++) connection();
setTimeout(() => {
  const from = count;
  const start = performance.now();
  setTimeout(() => {
    stop = true;
    process.stdout.write(String((count - from) / ((performance.now() - start) / 1000)) + '\\n');
  }, seconds * 1000);
}, 1000);
`;

function undiciRps(url: string, connections: number): number {
  const undici = new URL('../node_modules/undici/index.js', import.meta.url).pathname;
  const r = spawnSync(
    process.execPath,
    ['-e', UNDICI_ALONE, undici, url, String(connections), String(SECONDS)],
    {
      encoding: 'utf8',
      timeout: (SECONDS + 30) * 1000,
    },
  );
  const rate = Number.parseFloat(r.stdout);
  return Number.isFinite(rate) ? rate : 0;
}

function autocannonRps(url: string, connections: number, seconds = SECONDS): number {
  const cli = new URL('../node_modules/autocannon/autocannon.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [cli, '-j', '-c', String(connections), '-d', String(seconds), url], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  });
  const json = JSON.parse(r.stdout);
  return json.requests.total / (json.duration || SECONDS);
}

function wrkRps(url: string, connections: number): number {
  const r = spawnSync('/usr/bin/wrk', ['-t', '1', '-c', String(connections), '-d', `${SECONDS}s`, url], {
    encoding: 'utf8',
    timeout: (SECONDS + 30) * 1000,
  });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  return m ? Number(m[1]) : 0;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : Math.round(((sorted[mid - 1] + sorted[mid]) / 2) * 100) / 100;
};
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')} req/s`;

const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
const { url, child } = await startTrivialServer(BODY);
const out = {
  engine_vs_autocannon: {} as Record<string, number>,
  engine_vs_wrk: {} as Record<string, number>,
  undici_vs_autocannon: {} as Record<string, number>,
  engine_vs_undici: {} as Record<string, number>,
};
try {
  autocannonRps(url, CONNECTIONS[0], 1);
  for (const c of CONNECTIONS) {
    const vsAutocannon: number[] = [];
    const vsWrk: number[] = [];
    const undiciVsAutocannon: number[] = [];
    const vsUndici: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const engine = await engineRps(url, c, dir);
      const autocannon = autocannonRps(url, c);
      const wrk = wrkRps(url, c);
      const undici = undiciRps(url, c);
      console.log(
        `${c} connections, ${SECONDS} s each${ROUNDS > 1 ? ` (round ${round})` : ''}: engine ${fmt(engine)} · autocannon ${fmt(autocannon)} · wrk ${fmt(wrk)} · undici alone ${fmt(undici)}` +
          ` → engine/autocannon ${ratio(engine, autocannon)}, engine/wrk ${ratio(engine, wrk)}, undici alone/autocannon ${ratio(undici, autocannon)}, engine/undici alone ${ratio(engine, undici)}; load ${loadavg()[0].toFixed(2)}`,
      );
      undiciVsAutocannon.push(ratio(undici, autocannon));
      vsUndici.push(ratio(engine, undici));
      vsAutocannon.push(ratio(engine, autocannon));
      vsWrk.push(ratio(engine, wrk));
    }
    out.engine_vs_autocannon[c] = median(vsAutocannon);
    out.engine_vs_wrk[c] = median(vsWrk);
    out.undici_vs_autocannon[c] = median(undiciVsAutocannon);
    out.engine_vs_undici[c] = median(vsUndici);
  }
} finally {
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
