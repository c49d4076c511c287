// Runs a folder of public k6 scripts, unchanged, on the embedded engine against a local mock and
// says how each one went (bench/lib/corpus-classify.ts): the measure of issue "real-world k6
// scripts either run as k6 runs them or fail with a clear reason".
//
//   npm run bench:corpus -- DIR [--jobs 1] [--out DIR] [--sync-vus] [--jslib DIR | --offline] [--only TEXT]
//
// Each script runs as `node engine/bin.mjs run <script>` in its own folder, bounded in time; one
// whose options plan more than ~20 s runs with `-u 1 -i 2` instead (k6 lets those flags override
// the script's options), and with `-d 5s` when even that does not end in time. Loopback only:
// the engine starts with `--import bench/lib/corpus-preload.mjs` (on the command line, not in
// NODE_OPTIONS, so that its worker threads load it too), which sends every connection to a host
// name or loopback address to the mock and refuses any other address; the mock's throwaway CA
// reaches the engine through NODE_EXTRA_CA_CERTS. Remote
// modules are downloaded on Node's loader thread, which that preload cannot reach, so the run
// never downloads: `--jslib DIR` (a copy of jslib.k6.io's `lib/` tree) pre-fills a fresh module
// cache, and a script importing any other URL is not started; `--offline` instead tells the engine
// not to download at all (CONNECT_PERF_ENGINE_NO_DOWNLOAD), as on a machine without network, so
// jslib imports take the engine's offline implementations.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { cachedPath, NO_DOWNLOAD_ENV } from '../engine/loader/remote.ts';
import { blockerKey, classify, type RunClass, type RunFacts } from './lib/corpus-classify.ts';
import { startMock } from './lib/corpus-mock.ts';
import { type CorpusScript, findScripts } from './lib/corpus-scripts.ts';

type RowClass = RunClass | 'OUT-OF-SCOPE' | 'NOT-RUN';

interface Row {
  script: string;
  cls: RowClass;
  exit: number | null;
  seconds: number;
  bound: string;
  reason: string;
  /** For out-of-scope scripts: how the engine answered them. */
  outcome?: RunClass;
}

const BOUND_OVER_S = 20;
const BOUND_FLAGS = ['-u', '1', '-i', '2'];
const DURATION_FLAGS = ['-d', '5s'];
const BOUNDED_LIMIT_S = 60;
const LONGEST_UNBOUNDED_S = 150;
const BIN = process.env.ENGINE_BIN ?? new URL('../engine/bin.mjs', import.meta.url).pathname;
const PRELOAD = new URL('./lib/corpus-preload.mjs', import.meta.url).pathname;

function parseArgs(argv: string[]) {
  const opts = { dir: '', jobs: 1, out: '', syncVus: false, jslib: '', only: '', offline: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--jobs') opts.jobs = Math.min(8, Math.max(1, Number(next()) || 1));
    else if (a === '--out') opts.out = resolve(next());
    else if (a === '--sync-vus') opts.syncVus = true;
    else if (a === '--jslib') opts.jslib = resolve(next());
    else if (a === '--only') opts.only = next();
    else if (a === '--offline') opts.offline = true;
    else if (!a.startsWith('-') && !opts.dir) opts.dir = resolve(a);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.dir)
    throw new Error(
      'usage: npm run bench:corpus -- DIR [--jobs N] [--out DIR] [--sync-vus] [--jslib DIR | --offline] [--only TEXT]',
    );
  return opts;
}

/** Copies every file of a jslib `lib/` tree into `cacheDir` under the URL jslib.k6.io serves it at. */
function prefillModuleCache(jslib: string, cacheDir: string): Set<string> {
  const urls = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.js')) {
        const url = `https://jslib.k6.io/${relative(jslib, p).split('\\').join('/')}`;
        writeFileSync(cachedPath(cacheDir, url), readFileSync(p));
        urls.add(url);
      }
    }
  };
  mkdirSync(cacheDir, { recursive: true });
  if (jslib) walk(jslib);
  return urls;
}

interface Spawned {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
  seconds: number;
}

function runEngine(args: string[], cwd: string, env: NodeJS.ProcessEnv, limitS: number): Promise<Spawned> {
  const started = performance.now();
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, BIN, 'run', ...args], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = (c: Buffer) => {
      // The head and the tail carry the reasons; the middle of a chatty run does not.
      if (size < 2_000_000) chunks.push(c);
      size += c.length;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, limitS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // The whole group: the engine's own children (none today) end with it.
      if (child.pid && !timedOut) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      resolveRun({
        exitCode: code ?? (signal ? 128 : null),
        timedOut,
        output: Buffer.concat(chunks).toString('utf8'),
        seconds: (performance.now() - started) / 1000,
      });
    });
  });
}

function summaryFacts(file: string): Partial<RunFacts> {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')).metrics ?? {};
    const crossed: string[] = [];
    for (const [name, metric] of Object.entries<Record<string, unknown>>(m)) {
      const th = (metric.thresholds ?? {}) as Record<string, boolean>;
      for (const [expr, failed] of Object.entries(th)) if (failed) crossed.push(`${name}: ${expr}`);
    }
    return {
      iterations: m.iterations?.count,
      iterationsPerSecond: m.iterations?.rate,
      vusMax: m.vus_max?.max ?? m.vus_max?.value,
      httpReqs: m.http_reqs?.count,
      httpReqFailedRate: m.http_req_failed?.value,
      crossedThresholds: crossed,
    };
  } catch {
    return {};
  }
}

async function runOne(
  s: CorpusScript,
  ctx: {
    syncVus: boolean;
    env: NodeJS.ProcessEnv;
    cacheDir: string;
    jslib: Set<string>;
    offline: boolean;
    logs: string;
  },
): Promise<Row> {
  const base: Row = { script: s.name, cls: 'NOT-RUN', exit: null, seconds: 0, bound: '', reason: '' };
  // Out of scope wins: such a script is counted apart whether or not it could start.
  const notRun = (reason: string): Row =>
    s.outOfScope
      ? { ...base, cls: 'OUT-OF-SCOPE', reason: `${s.outOfScope}: not run, ${reason}` }
      : { ...base, reason };
  if (s.notRunnable) return notRun(s.notRunnable);
  // --offline: the engine is told not to download (as on a machine without network), so remote
  // imports take its offline path; otherwise only what the local jslib copy holds may be imported.
  const offline = ctx.offline ? undefined : s.remoteImports.find((u) => !ctx.jslib.has(u));
  if (offline)
    return notRun(`imports ${offline}, which is not in the local jslib copy (the run never downloads)`);
  if (s.plannedSeconds > LONGEST_UNBOUNDED_S && !s.hasDefault) {
    return notRun(
      `plans about ${Math.round(s.plannedSeconds)} s and has no default function to bound with -u/-i`,
    );
  }
  const work = mkdtempSync(join(tmpdir(), 'corpus-run-'));
  const attempt = async (flags: string[]) => {
    const summary = join(work, `summary-${flags.length}.json`);
    const args = [...flags, ...(ctx.syncVus ? ['--sync-vus'] : [])];
    args.push('--module-cache', ctx.cacheDir, '--summary-export', summary, basename(s.path));
    const limit =
      flags.length > 0 ? BOUNDED_LIMIT_S : Math.min(LONGEST_UNBOUNDED_S, Math.max(45, s.plannedSeconds + 40));
    const res = await runEngine(args, dirname(s.path), ctx.env, limit);
    return {
      res,
      facts: {
        ...summaryFacts(summary),
        exitCode: res.exitCode,
        timedOut: res.timedOut,
        output: res.output,
        script: s,
      },
    };
  };
  try {
    const bound = s.plannedSeconds > BOUND_OVER_S && s.hasDefault;
    let { res, facts } = await attempt(bound ? BOUND_FLAGS : []);
    let how = bound ? BOUND_FLAGS.join(' ') : '';
    if (!bound && res.timedOut && s.hasDefault) {
      ({ res, facts } = await attempt(BOUND_FLAGS));
      how = `${BOUND_FLAGS.join(' ')} (unbounded run timed out)`;
    }
    // An iteration that never ends (k6 would stop it at its 10-minute maxDuration): bound by time.
    if (res.timedOut && how) {
      ({ res, facts } = await attempt(DURATION_FLAGS));
      how = `${DURATION_FLAGS.join(' ')} (${BOUND_FLAGS.join(' ')} timed out)`;
    }
    if (ctx.logs) {
      const log = join(ctx.logs, `${s.name.replace(/[\\/]/g, '__')}.log`);
      writeFileSync(
        log,
        `${how ? `bounded: ${how}\n` : ''}exit ${res.exitCode}${res.timedOut ? ' (timed out)' : ''}\n${res.output}`,
      );
    }
    const v = classify(facts);
    const row: Row = {
      ...base,
      cls: v.cls,
      exit: res.exitCode,
      seconds: Math.round(res.seconds * 10) / 10,
      bound: how,
      reason: v.reason,
    };
    if (s.outOfScope)
      return { ...row, cls: 'OUT-OF-SCOPE', outcome: v.cls, reason: `${s.outOfScope}: ${v.reason}` };
    return row;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function report(rows: Row[], title: string): string {
  const order: RowClass[] = [
    'PASS',
    'REFUSED-CLEAR',
    'FAIL-UNCLEAR',
    'HANG',
    'SUSPECT-WRONG',
    'OUT-OF-SCOPE',
    'NOT-RUN',
  ];
  const count = (c: RowClass) => rows.filter((r) => r.cls === c).length;
  const inScope = rows.filter((r) => r.cls !== 'OUT-OF-SCOPE' && r.cls !== 'NOT-RUN');
  const pass = count('PASS');
  const lines = [`# ${title}`, '', '| class | scripts |', '| --- | --- |'];
  for (const c of order) lines.push(`| ${c} | ${count(c)} |`);
  lines.push(
    '',
    `PASS ${pass} of ${inScope.length} in-scope scripts (${inScope.length ? ((100 * pass) / inScope.length).toFixed(1) : '0'} %).`,
    '',
  );
  const blockers = new Map<string, string[]>();
  for (const r of inScope.filter((x) => x.cls !== 'PASS')) {
    const key = `${r.cls}: ${blockerKey(r.reason)}`;
    blockers.set(key, [...(blockers.get(key) ?? []), r.script]);
  }
  lines.push(
    '## Blockers (in-scope scripts that did not pass)',
    '',
    '| count | class: blocker | scripts |',
    '| --- | --- | --- |',
  );
  for (const [key, names] of [...blockers].sort((a, b) => b[1].length - a[1].length)) {
    lines.push(`| ${names.length} | ${escapeCell(key)} | ${escapeCell(names.join(', '))} |`);
  }
  lines.push(
    '',
    '## Every script',
    '',
    '| script | class | exit | s | bound | reason |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const r of rows) {
    const cls = r.outcome ? `${r.cls} (${r.outcome})` : r.cls;
    lines.push(
      `| ${escapeCell(r.script)} | ${cls} | ${r.exit ?? ''} | ${r.seconds} | ${r.bound} | ${escapeCell(r.reason)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const scripts = findScripts(opts.dir).filter((s) => !opts.only || s.name.includes(opts.only));
  const mock = await startMock(opts.jslib || undefined);
  const cacheDir = mkdtempSync(join(tmpdir(), 'corpus-modules-'));
  const jslib = prefillModuleCache(opts.jslib, cacheDir);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_EXTRA_CA_CERTS: mock.caFile,
    CORPUS_MOCK_PORT: String(mock.port),
    CORPUS_MOCK_TLS_PORT: String(mock.tlsPort),
    ...(opts.offline ? { [NO_DOWNLOAD_ENV]: '1' } : {}),
  };
  // Each run's output, for reading a verdict's evidence afterwards.
  const logs = opts.out ? join(opts.out, 'logs') : '';
  if (logs) mkdirSync(logs, { recursive: true });
  const ctx = { syncVus: opts.syncVus, env, cacheDir, jslib, offline: opts.offline, logs };
  const rows: Row[] = new Array(scripts.length);
  let next = 0;
  const worker = async () => {
    while (next < scripts.length) {
      const i = next++;
      const row = await runOne(scripts[i], ctx);
      rows[i] = row;
      const cls = row.outcome ? `${row.cls}(${row.outcome})` : row.cls;
      process.stdout.write(
        `${cls.padEnd(28)} ${String(row.exit ?? '').padStart(3)} ${String(row.seconds).padStart(6)}s  ${row.script}${row.bound ? ` [${row.bound}]` : ''}  ${row.reason}\n`,
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.jobs }, worker));
  } finally {
    await mock.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
  const title = `Corpus run${opts.syncVus ? ' with --sync-vus' : ''}: ${basename(opts.dir)} (${scripts.length} scripts)`;
  const md = report(rows, title);
  process.stdout.write(`\n${md.split('\n## Every script')[0]}`);
  if (opts.out) {
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(join(opts.out, 'corpus.md'), md);
    writeFileSync(
      join(opts.out, 'corpus.json'),
      `${JSON.stringify({ title, syncVus: opts.syncVus, rows }, null, 2)}\n`,
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((err: Error) => {
    process.stderr.write(`bench:corpus: ${err.message}\n`);
    process.exit(255);
  });
}
