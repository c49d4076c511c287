// Throughput of the embedded engine against autocannon and wrk on the same local server, at 100
// and 400 connections. The server runs in its own process, and so do autocannon and wrk, so that
// only the engine shares its event loop with nothing. The server is warmed up first (1 s of
// autocannon), so that the tool measured first (the engine) does not pay for the server's JIT.
// The engine records the full k6 metric set (every request's samples go to its metrics engine);
// no --out output is written. On a machine shared with other work the throughput of every tool
// swings from one second to the next, so the tools take turns: each round runs the engine,
// autocannon and wrk one after the other, and a ratio is the median of the rounds' ratios.
// Prints req/s per tool and round, and ends with one JSON line of ratios:
// {"engine_vs_autocannon":{"100":x,"400":y},"engine_vs_wrk":{...}}.
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
};
try {
  autocannonRps(url, CONNECTIONS[0], 1);
  for (const c of CONNECTIONS) {
    const vsAutocannon: number[] = [];
    const vsWrk: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const engine = await engineRps(url, c, dir);
      const autocannon = autocannonRps(url, c);
      const wrk = wrkRps(url, c);
      console.log(
        `${c} connections, ${SECONDS} s each${ROUNDS > 1 ? ` (round ${round})` : ''}: engine ${fmt(engine)} · autocannon ${fmt(autocannon)} · wrk ${fmt(wrk)}` +
          ` → engine/autocannon ${ratio(engine, autocannon)}, engine/wrk ${ratio(engine, wrk)}; load ${loadavg()[0].toFixed(2)}`,
      );
      vsAutocannon.push(ratio(engine, autocannon));
      vsWrk.push(ratio(engine, wrk));
    }
    out.engine_vs_autocannon[c] = median(vsAutocannon);
    out.engine_vs_wrk[c] = median(vsWrk);
  }
} finally {
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
