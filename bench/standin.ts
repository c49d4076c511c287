// Throughput through the stand-in's reverse proxy vs. straight at the same gunicorn, same load.
// The stand-in runs in this process; autocannon runs in a worker thread so that the load generator
// and the proxy do not share one event loop. Prints both rates, then one JSON line.
// BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 32) change the load.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import autocannon from 'autocannon';
import { startStandin } from '../standin/index.ts';
import { FLASK_BUNDLE, publishFlask } from './lib/publish-flask.ts';

const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = 4;

interface Rate {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function measure(url: string, duration = seconds): Promise<Rate> {
  const result = await autocannon({ url, connections, duration, pipelining: 1, workers: 1 });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Rounds of equal length: mean rate, worst latency percentiles, summed errors. */
function combine(rates: Rate[]): Rate {
  return {
    requestsPerSecond: rates.reduce((sum, r) => sum + r.requestsPerSecond, 0) / rates.length,
    p50: Math.max(...rates.map((r) => r.p50)),
    p99: Math.max(...rates.map((r) => r.p99)),
    errors: rates.reduce((sum, r) => sum + r.errors, 0),
    non2xx: rates.reduce((sum, r) => sum + r.non2xx, 0),
  };
}

function fmt(r: Rate): string {
  return `${Math.round(r.requestsPerSecond).toLocaleString('en-US')} req/s  (p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}, non-2xx ${r.non2xx})`;
}

if (!existsSync(FLASK_BUNDLE))
  execFileSync(process.execPath, ['--import', 'tsx', 'fixtures/build.ts'], { stdio: 'inherit' });
const key = randomBytes(16).toString('hex');
const standin = await startStandin({ apiKey: key });
try {
  const guid = await publishFlask(standin.url, key);
  // Apps start on their first request, as on Connect: one request through the proxy starts it.
  await fetch(`${standin.url}/content/${guid}/stocks/AAPL`, { headers: { Authorization: `Key ${key}` } });
  const app = standin.processes().find((p) => p.contentGuid === guid);
  if (!app) throw new Error('The Flask app is not running after its deploy.');
  const proxied = `${standin.url}/content/${guid}/stocks/AAPL`;
  const direct = `http://127.0.0.1:${app.port}/stocks/AAPL`;
  console.log(
    `${connections} connections, ${seconds} s each, GET /stocks/AAPL, ${rounds} interleaved rounds`,
  );
  await measure(direct, 2); // warm-up, not counted: first requests fill caches and connection pools
  await measure(proxied, 2);
  // Other work on a shared machine drifts over time; alternating the order (ABBA) spreads it evenly.
  const viaProxy: Rate[] = [];
  const straight: Rate[] = [];
  for (let round = 0; round < rounds; round++) {
    const slice = seconds / rounds;
    if (round % 2 === 0) {
      viaProxy.push(await measure(proxied, slice));
      straight.push(await measure(direct, slice));
    } else {
      straight.push(await measure(direct, slice));
      viaProxy.push(await measure(proxied, slice));
    }
  }
  const proxyRate = combine(viaProxy);
  const directRate = combine(straight);
  console.log(`through the stand-in proxy: ${fmt(proxyRate)}`);
  console.log(`straight to gunicorn:       ${fmt(directRate)}`);
  const ratio = proxyRate.requestsPerSecond / directRate.requestsPerSecond;
  console.log(JSON.stringify({ proxy_vs_direct: Math.round(ratio * 1000) / 1000 }));
} finally {
  await standin.stop();
}
