// Real Prometheus, node_exporter and InfluxDB 1.x for the monitoring tests, each on a free loopback
// port with its own temporary data folder, stopped (and the folder removed) by stop(). They are
// Debian's packages, installed by scripts/setup-system.sh; the system services those packages come
// with are never used.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Server {
  url: string;
  port: number;
  /** What the process wrote, for a failing assertion's message. */
  output(): string;
  stop(): Promise<void>;
}

/** A port the kernel had free a moment ago (the servers take it right away). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function launch(
  command: string,
  args: string[],
  dir: string,
  url: string,
  port: number,
  ready: string,
): Promise<Server> {
  const child: ChildProcess = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out = (out + d).slice(-20_000);
  });
  child.stderr?.on('data', (d) => {
    out = (out + d).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const server: Server = {
    url,
    port,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // Ready when its readiness URL answers 2xx; an exit before that is a failure with its output.
  return new Promise((resolve, reject) => {
    let done = false;
    void exited.then(() => {
      if (done) return;
      done = true;
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`${command} exited before it was ready:\n${out}`));
    });
    const poll = async () => {
      while (!done) {
        try {
          const res = await fetch(`${url}${ready}`);
          await res.arrayBuffer();
          if (res.ok) {
            done = true;
            resolve(server);
            return;
          }
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    void poll();
  });
}

/** node_exporter with its default collectors. */
export async function startNodeExporter(): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'node-exporter-'));
  return launch(
    'prometheus-node-exporter',
    [`--web.listen-address=127.0.0.1:${port}`],
    dir,
    `http://127.0.0.1:${port}`,
    port,
    '/metrics',
  );
}

/** Prometheus with the remote-write receiver on, scraping `scrape` (host:port) every second as job "node". */
export async function startPrometheus(scrape: string[] = []): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...(scrape.length
      ? [
          '  - job_name: node',
          '    static_configs:',
          `      - targets: [${scrape.map((s) => `'${s}'`).join(', ')}]`,
        ]
      : []),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  return launch(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ],
    dir,
    `http://127.0.0.1:${port}`,
    port,
    '/-/ready',
  );
}

/** InfluxDB 1.x with a temporary config: HTTP and RPC on loopback, no reporting, no self-monitoring. */
export async function startInfluxdb(): Promise<Server> {
  const port = await freePort();
  const rpc = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'influxdb-'));
  writeFileSync(
    join(dir, 'influxdb.conf'),
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpc}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${port}"`,
      '  log-enabled = false',
      '',
    ].join('\n'),
  );
  return launch(
    'influxd',
    ['run', '-config', join(dir, 'influxdb.conf')],
    dir,
    `http://127.0.0.1:${port}`,
    port,
    '/ping',
  );
}

/** An InfluxQL query's first series, as rows of column → value. */
export async function influxQuery(
  server: Server,
  db: string,
  q: string,
): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${server.url}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as {
    results: Array<{ error?: string; series?: Array<{ columns: string[]; values: unknown[][] }> }>;
  };
  const result = body.results[0];
  if (result.error) throw new Error(`InfluxDB: ${result.error}`);
  const series = result.series?.[0];
  if (!series) return [];
  return series.values.map((row) => Object.fromEntries(series.columns.map((c, i) => [c, row[i]])));
}

/** A PromQL instant query's result vector. */
export async function promQuery(
  server: Server,
  query: string,
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${server.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`Prometheus: ${body.error}`);
  return body.data.result;
}

/** Resolves once Prometheus has scraped job "node" twice (it starts scraping about 5 s after it is
 *  ready: its discovery sends the first targets then). Polls; the caller's test timeout bounds it. */
export async function scrapedTwice(server: Server): Promise<void> {
  for (;;) {
    const result = await promQuery(server, 'count_over_time(up{job="node"}[1m])');
    if (Number(result[0]?.value[1] ?? 0) >= 2) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
