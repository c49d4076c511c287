// test-serial: measures CPU and timing of process trees
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeInterval, type MachineFacts } from '../harness/node-metrics/interval.ts';
import { startLocalSampler } from '../harness/node-metrics/local.ts';
import { assignLabels } from '../harness/node-metrics/process-tree.ts';
import {
  type ProcStat,
  parseCpuCount,
  parseCpuTimes,
  parseMemory,
  parseNetDev,
  parseProcStat,
} from '../harness/node-metrics/procfs.ts';
import { SeriesBook } from '../harness/node-metrics/series-book.ts';
import type { Snapshot } from '../harness/node-metrics/snapshot.ts';
import type { NodeMetrics, NodeSeries } from '../harness/record/types.ts';

describe('/proc parsers', () => {
  test('a stat line whose command holds spaces and parentheses', () => {
    const line =
      '4242 (gunicorn: w (1)) S 4200 4200 7085 0 -1 4194304 101 0 0 0 250 30 0 0 20 0 1 0 31883 3133440 389 18446744073709551615';
    assert.deepEqual(parseProcStat(line), {
      pid: 4242,
      ppid: 4200,
      cpuTicks: 280,
      startTicks: 31883,
      rssPages: 389,
    });
    assert.equal(parseProcStat('garbage'), null);
  });

  test('cpu times fold nice into user and irq/softirq into system', () => {
    const stat =
      'cpu  100 5 20 1000 7 1 2 3 0 0\ncpu0 50 0 10 500 3 0 1 1 0 0\ncpu1 50 5 10 500 4 1 1 2 0 0\n';
    assert.deepEqual(parseCpuTimes(stat), { user: 105, system: 23, iowait: 7, idle: 1000, total: 1138 });
    assert.equal(parseCpuCount(stat), 2);
  });

  test('memory used is MemTotal minus MemAvailable, in bytes', () => {
    const meminfo = 'MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    400 kB\n';
    assert.deepEqual(parseMemory(meminfo), { totalBytes: 1024000, usedBytes: 614400 });
    assert.throws(() => parseMemory('MemTotal: 1 kB\n'), /MemAvailable/);
  });

  test('net/dev counters per interface', () => {
    const dev = `Inter-|   Receive |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 895 912 0 0 0 0 0 0 895 912 0 0 0 0 0 0
  eth0: 2930 75 0 0 0 0 0 0 452 41 0 0 0 0 0 0
`;
    assert.deepEqual(
      [...parseNetDev(dev)],
      [
        ['lo', { rx: 895, tx: 895 }],
        ['eth0', { rx: 2930, tx: 452 }],
      ],
    );
  });
});

const proc = (pid: number, ppid: number, cpuTicks = 0, startTicks = 0, rssPages = 0): ProcStat => ({
  pid,
  ppid,
  cpuTicks,
  startTicks,
  rssPages,
});

test('a process counts under its nearest labelled ancestor', () => {
  // 10 stand-in → 20 gunicorn master → 21 worker; 10 → 30 R; 10 → 40 helper; 99 unrelated.
  const procs = new Map(
    [proc(1, 0), proc(10, 1), proc(20, 10), proc(21, 20), proc(30, 10), proc(40, 10), proc(99, 1)].map(
      (p) => [p.pid, p],
    ),
  );
  const owners = assignLabels(procs, [
    { pid: 10, label: 'stand-in' },
    { pid: 20, label: 'gunicorn' },
    { pid: 30, label: 'R' },
    { pid: 77, label: 'gone' },
  ]);
  assert.deepEqual(Object.fromEntries(owners), {
    10: 'stand-in',
    20: 'gunicorn',
    21: 'gunicorn',
    30: 'R',
    40: 'stand-in',
  });
});

test('series book shares one time axis and back-fills late series with gaps', () => {
  const book = new SeriesBook();
  const a = { metric: 'a', label: 'A', unit: 'count' as const };
  const b = { metric: 'b', label: 'B', unit: 'count' as const };
  book.add(1, [{ ...a, v: 1 }]);
  book.add(2, [
    { ...a, v: 2 },
    { ...b, v: 5 },
  ]);
  book.add(3, [{ ...b, v: 6 }]);
  assert.deepEqual(
    book.series().map((s) => s.points),
    [
      [
        { t: 1, v: 1 },
        { t: 2, v: 2 },
        { t: 3, v: null },
      ],
      [
        { t: 1, v: null },
        { t: 2, v: 5 },
        { t: 3, v: 6 },
      ],
    ],
  );
});

describe('one interval', () => {
  const facts: MachineFacts = { clkTck: 100, pageSize: 4096, cores: 2 };
  const snap = (over: Partial<Snapshot>): Snapshot => ({
    atMs: 0,
    monoMs: 0,
    uptime: 100,
    cpu: { user: 0, system: 0, iowait: 0, idle: 0, total: 0 },
    memory: { totalBytes: 1000, usedBytes: 250 },
    net: new Map([
      ['lo', { rx: 0, tx: 0 }],
      ['eth0', { rx: 0, tx: 0 }],
    ]),
    load1: 0.5,
    procs: new Map(),
    owners: new Map(),
    labels: [],
    ...over,
  });
  const value = (values: ReturnType<typeof describeInterval>, metric: string, label?: string) =>
    values.find((v) => v.metric === metric && (label === undefined || v.label.startsWith(label)))?.v;

  test('machine CPU, memory, network rates and load', () => {
    const prev = snap({});
    const cur = snap({
      monoMs: 2000,
      cpu: { user: 60, system: 20, iowait: 20, idle: 100, total: 200 },
      net: new Map([
        ['lo', { rx: 4000, tx: 4000 }],
        ['eth0', { rx: 1000, tx: 200 }],
      ]),
    });
    const v = describeInterval(prev, cur, facts);
    assert.equal(value(v, 'cpu_percent'), 40);
    assert.equal(value(v, 'cpu_user_percent'), 30);
    assert.equal(value(v, 'cpu_iowait_percent'), 10);
    assert.equal(value(v, 'mem_used_bytes'), 250);
    assert.equal(value(v, 'mem_used_percent'), 25);
    assert.equal(value(v, 'net_rx_bytes_per_s'), 500);
    assert.equal(value(v, 'net_tx_bytes_per_s'), 100);
    assert.equal(value(v, 'net_loopback_bytes_per_s'), 2000);
    assert.equal(value(v, 'load1'), 0.5);
  });

  test('a counter that went backwards is a gap, not a negative rate', () => {
    const prev = snap({ net: new Map([['eth0', { rx: 5000, tx: 5000 }]]) });
    const cur = snap({ monoMs: 1000, net: new Map([['eth0', { rx: 10, tx: 10 }]]) });
    assert.equal(value(describeInterval(prev, cur, facts), 'net_rx_bytes_per_s'), null);
  });

  test('process CPU sums the tree, counts processes born in the interval, gaps a label with no process', () => {
    const prev = snap({
      uptime: 100,
      procs: new Map([[20, proc(20, 1, 1000, 500, 10)]]),
      owners: new Map([[20, 'gunicorn']]),
      labels: ['gunicorn', 'R'],
    });
    const cur = snap({
      monoMs: 1000,
      uptime: 101,
      // 20 used 30 ticks; 21 was born at 100.5 s and used 20 ticks; 22 is older than the
      // previous sample (it only just joined the tree), so its past CPU is not this interval's.
      procs: new Map([
        [20, proc(20, 1, 1030, 500, 10)],
        [21, proc(21, 20, 20, 10050, 5)],
        [22, proc(22, 20, 999, 600, 1)],
      ]),
      owners: new Map([
        [20, 'gunicorn'],
        [21, 'gunicorn'],
        [22, 'gunicorn'],
      ]),
      labels: ['gunicorn', 'R'],
    });
    const v = describeInterval(prev, cur, facts);
    assert.equal(value(v, 'proc_cpu_percent', 'gunicorn'), 50);
    assert.equal(value(v, 'proc_rss_bytes', 'gunicorn'), 16 * 4096);
    assert.equal(value(v, 'proc_cpu_percent', 'R'), null);
    assert.equal(value(v, 'proc_rss_bytes', 'R'), null);
  });
});

describe('sampling this machine', () => {
  const children: ChildProcess[] = [];
  after(() => {
    // Each tree has its own process group, so the busy grandchildren go too.
    for (const c of children) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // the whole group has already exited
      }
    }
  });

  /** A node process that starts a busy child and prints the child's pid; idle itself, so CPU
   *  seen under its label proves the child was counted. */
  async function startTree(lifetimeMs: number): Promise<{ parent: ChildProcess; childPid: number }> {
    const child = `const end = Date.now() + ${lifetimeMs}; while (Date.now() < end) {}`;
    const parentCode = `
      const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'ignore' });
      console.log(c.pid);
      c.on('exit', () => process.exit(0));
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentCode], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    children.push(parent);
    const childPid = await new Promise<number>((resolve, reject) => {
      parent.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
      parent.once('exit', () => reject(new Error('the test process tree exited before starting')));
    });
    return { parent, childPid };
  }

  const find = (m: NodeMetrics, metric: string, label: string): NodeSeries => {
    const s = m.series.find((x) => x.metric === metric && x.label.startsWith(label));
    assert.ok(s, `series ${metric} ${label}`);
    return s;
  };
  const numbers = (s: NodeSeries) => s.points.map((p) => p.v).filter((v): v is number => v !== null);

  test('process trees, an exit mid-run, a restart, and machine series', async () => {
    const busy = await startTree(5000);
    const shortLived = await startTree(500);
    let restarted: { parent: ChildProcess } | undefined;
    // Loopback traffic to see on lo.
    const body = Buffer.alloc(256 * 1024, 1);
    const server = createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    const sampler = startLocalSampler({
      intervalMs: 250,
      processes: () => [
        { pid: busy.parent.pid!, label: 'busy tree' },
        { pid: shortLived.parent.pid!, label: 'short-lived' },
        ...(restarted ? [{ pid: restarted.parent.pid!, label: 'short-lived' }] : []),
      ],
    });
    const until = Date.now() + 1000;
    while (Date.now() < until) await (await fetch(url)).arrayBuffer();
    // Like a redeploy: the label comes back with new processes.
    restarted = await startTree(5000);
    await sleep(800);
    const stopAt = performance.now();
    const metrics = await sampler.stop();
    const stopMs = performance.now() - stopAt;
    server.close();

    assert.equal(metrics.source, 'local');
    assert.equal(metrics.periodSeconds, 0.25);
    assert.deepEqual(metrics.warnings, []);
    assert.ok(stopMs < 1000, `stop took ${stopMs} ms`);

    const busyCpu = numbers(find(metrics, 'proc_cpu_percent', 'busy tree'));
    assert.ok(busyCpu.length >= 5, 'busy tree has CPU points');
    assert.ok(
      Math.max(...busyCpu) > 5, // the parent idles: ~0 %; a busy child on a shared runner gets 15-100 %
      `the busy child counts under its parent's label: ${busyCpu}`,
    );
    assert.ok(numbers(find(metrics, 'proc_rss_bytes', 'busy tree')).every((v) => v > 10 * 1024 * 1024));

    const short = find(metrics, 'proc_rss_bytes', 'short-lived').points.map((p) => p.v);
    const firstGap = short.indexOf(null);
    assert.ok(short[0] !== null && firstGap > 0, `short-lived has points then a gap: ${short}`);
    assert.ok(
      short.slice(firstGap).some((v) => v !== null),
      `the restarted process continues the series: ${short}`,
    );

    const cpu = numbers(find(metrics, 'cpu_percent', 'this machine'));
    assert.ok(cpu.length >= 5 && cpu.every((v) => v >= 0 && v <= 100), `machine CPU % ${cpu}`);
    assert.ok(Math.max(...cpu) > 10, 'the busy child shows in machine CPU');
    const mem = numbers(find(metrics, 'mem_used_percent', 'this machine'));
    assert.ok(mem.every((v) => v > 0 && v < 100));
    assert.ok(numbers(find(metrics, 'load1', 'this machine')).every((v) => v >= 0));
    const lo = numbers(find(metrics, 'net_loopback_bytes_per_s', 'this machine'));
    assert.ok(Math.max(...lo) > 256 * 1024, `loopback shows the HTTP traffic: ${lo}`);
    assert.ok(find(metrics, 'net_rx_bytes_per_s', 'this machine'));

    // Every series has the same time axis, on 250 ms boundaries, strictly increasing.
    const axis = metrics.series[0].points.map((p) => p.t);
    for (const s of metrics.series)
      assert.deepEqual(
        s.points.map((p) => p.t),
        axis,
      );
    assert.ok(axis.every((t, i) => (t * 4) % 1 === 0 && (i === 0 || t > axis[i - 1])));
  });

  test('samples on its interval and stops cleanly (its CPU cost is a figure of npm run bench:sampler, not a test)', async () => {
    const sampler = startLocalSampler({
      intervalMs: 50,
      processes: () => [{ pid: process.pid, label: 'test' }],
    });
    await sleep(1000);
    const metrics = await sampler.stop();
    const samples = metrics.series[0].points.length;
    // A busy machine delays timers; even then a second holds several 50 ms samples.
    assert.ok(samples >= 3, `${samples} samples`);
    const times = metrics.series[0].points.map((p) => p.t);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'points in time order',
    );
  });
});
