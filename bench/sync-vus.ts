// Throughput of synchronous VUs (each VU's code in its own blocking thread, ../engine/sync/)
// next to async VUs in the same run: empty iterations per second in all, then iterations of one
// request to a local server (its own process) per second in all. The engine records the full k6
// metric set; no --out output is written. Prints one line per mode and ends with one JSON line:
// {"empty":{"sync":x,"async":y},"request":{"sync":x,"async":y},"load":[1,5,15]} (iterations/s;
// load: the machine's load averages at the end, as the figures depend on what else runs).
// Target: empty sync ≥ 150,000 iterations/s with 8 VUs on 2 cores.
//
//   npm run bench:sync [-- --seconds 5] [--vus 8]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberArg } from './lib/args.ts';
import { engineRate, startTrivialServer } from './lib/trivial-server.ts';

const SECONDS = numberArg('--seconds', 5, 2, 60);
const VUS = numberArg('--vus', 8, 1, 100);

const BODY = '{"ok":true}';

function iterationsPerSecond(dir: string, sync: boolean, body: string, url: string): Promise<number> {
  return engineRate(
    join(dir, `bench-${sync ? 'sync' : 'async'}.js`),
    `import http from 'k6/http';
     export const options = { vus: ${VUS}, duration: '${SECONDS}s' };
     export default ${sync ? '' : 'async '}function () { ${body} }`,
    url,
    'iterations',
    sync,
  );
}

const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')} iterations/s`;
const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
const { url, child } = await startTrivialServer(BODY);
const out = { empty: { sync: 0, async: 0 }, request: { sync: 0, async: 0 } };
try {
  out.empty.sync = await iterationsPerSecond(dir, true, '', url);
  out.empty.async = await iterationsPerSecond(dir, false, '', url);
  console.log(
    `${VUS} VUs, ${SECONDS} s each, empty iterations: sync ${fmt(out.empty.sync)} · async ${fmt(out.empty.async)}`,
  );
  out.request.sync = await iterationsPerSecond(dir, true, 'http.get(__ENV.URL);', url);
  out.request.async = await iterationsPerSecond(dir, false, 'await http.get(__ENV.URL);', url);
  console.log(
    `${VUS} VUs, ${SECONDS} s each, one request per iteration: sync ${fmt(out.request.sync)} · async ${fmt(out.request.async)}`,
  );
} finally {
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
const round = (n: number) => Math.round(n);
console.log(
  JSON.stringify({
    empty: { sync: round(out.empty.sync), async: round(out.empty.async) },
    request: { sync: round(out.request.sync), async: round(out.request.async) },
    load: loadavg().map((l) => Math.round(l * 100) / 100),
  }),
);
