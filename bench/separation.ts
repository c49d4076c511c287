// What running the engine in a process of its own costs or gains, next to a busy stand-in: the
// stand-in (reverse proxy) runs in this process in front of a real gunicorn Flask app, and 16 VUs
// GET /stocks/AAPL through it, either with runTest() in this same process (the engine's main
// thread shares its event loop with the proxy; its VUs run in a worker thread) or with the engine
// CLI as a child process (`node engine/bin.mjs run …`, as the harness runs it). Rounds alternate
// (ABBA) to spread the drift of a shared machine. Prints avg latency and req/s of each and a last
// JSON line {"in_process":{"avg_ms":…,"rps":…},"child":{…}}.
//
//   npm run bench:separation   (BENCH_SECONDS per round, default 8; BENCH_VUS, default 16)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runTest } from '../engine/run.ts';
import { startStandin } from '../standin/index.ts';
import { FLASK_BUNDLE, publishFlask } from './lib/publish-flask.ts';

const SECONDS = Math.min(60, Math.max(2, Number(process.env.BENCH_SECONDS ?? 8)));
const VUS = Math.min(200, Math.max(1, Number(process.env.BENCH_VUS ?? 16)));
const ROUNDS = 4;
const BIN = new URL('../engine/bin.mjs', import.meta.url).pathname;

interface Measured {
  avgMs: number;
  rps: number;
}

const silent = new Writable({ write: (_c, _e, cb) => cb() });

function fromSummary(metrics: Record<string, Record<string, number>>): Measured {
  return { avgMs: metrics.http_req_duration.avg, rps: metrics.http_reqs.rate };
}

async function inProcess(script: string, url: string): Promise<Measured> {
  const r = await runTest({
    script,
    vus: VUS,
    duration: `${SECONDS}s`,
    env: { URL: url },
    quiet: true,
    stdout: silent,
  });
  if (r.exitCode !== 0 || !r.summary) throw new Error(`the in-process run failed (exit ${r.exitCode})`);
  const m = r.summary.metrics;
  return { avgMs: m.http_req_duration.values.avg, rps: m.http_reqs.values.rate };
}

async function child(script: string, url: string, dir: string): Promise<Measured> {
  const summary = join(dir, 'child-summary.json');
  const proc = spawn(
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
      script,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const timer = setTimeout(() => proc.kill('SIGKILL'), (SECONDS + 60) * 1000);
  const code = await new Promise<number | null>((r) => proc.once('close', r));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`the child engine failed (exit ${code})`);
  return fromSummary(JSON.parse(readFileSync(summary, 'utf8')).metrics);
}

function mean(xs: Measured[]): Measured {
  return {
    avgMs: xs.reduce((s, x) => s + x.avgMs, 0) / xs.length,
    rps: xs.reduce((s, x) => s + x.rps, 0) / xs.length,
  };
}

if (!existsSync(FLASK_BUNDLE))
  execFileSync(process.execPath, ['--import', 'tsx', 'fixtures/build.ts'], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'bench-separation-'));
const key = randomBytes(16).toString('hex');
const standin = await startStandin({ apiKey: key });
try {
  const guid = await publishFlask(standin.url, key);
  const url = `${standin.url}/content/${guid}/stocks/AAPL`;
  const script = join(dir, 'fetch.js');
  writeFileSync(
    script,
    `import http from 'k6/http';
     export default async function () { await http.get(__ENV.URL); }`,
  );
  console.log(`${VUS} VUs through the stand-in to gunicorn Flask, ${ROUNDS} rounds of ${SECONDS} s each way`);
  await fetch(url); // the app starts on its first request
  const inside: Measured[] = [];
  const outside: Measured[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      inside.push(await inProcess(script, url));
      outside.push(await child(script, url, dir));
    } else {
      outside.push(await child(script, url, dir));
      inside.push(await inProcess(script, url));
    }
  }
  const a = mean(inside);
  const b = mean(outside);
  const fmt = (m: Measured) => `avg ${m.avgMs.toFixed(2)} ms, ${Math.round(m.rps)} req/s`;
  console.log(`in process with the stand-in: ${fmt(a)}`);
  console.log(`as a child process:           ${fmt(b)}`);
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  console.log(
    JSON.stringify({
      in_process: { avg_ms: round(a.avgMs, 3), rps: round(a.rps, 1) },
      child: { avg_ms: round(b.avgMs, 3), rps: round(b.rps, 1) },
    }),
  );
} finally {
  await standin.stop();
  rmSync(dir, { recursive: true, force: true });
}
