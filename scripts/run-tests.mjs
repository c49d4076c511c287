#!/usr/bin/env node
// Runs test/**/*.test.ts with Node's own test runner (tsx strips types; Node 20 has no glob support
// in --test, so the file list is built here).
//
//   npm run test:unit            the unit tier: pure code and in-process engine tests (the quick loop)
//   npm test                     everything: the unit tier first, then the rest (the full tier)
//   npm test -- test/foo.test.ts one or more files (other arguments go to node, e.g. --test-name-pattern)
//
// A file says where it belongs in its leading comment lines:
//   // test-tier: unit           also in the unit tier (a file without it is in the full tier only)
//   // test-serial: <why>        runs in the serial group: it signals or times processes, so it runs
//                                alone, one file at a time, and never beside another serial file
// Every other file runs in the parallel group, several files at once (--concurrency N, or the
// TEST_CONCURRENCY variable; default below). The two groups run at the same time, each through the
// tiers in order (unit first); each group's wall time per tier is printed.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Files of the parallel group at once. Most tests wait on child processes, servers and disk, not on
 * this process's CPU: two files per core kept a 2-core machine busy without a file's own waits timing
 * out (measured with `--concurrency` 1 to 6, see README.md "Tests").
 */
const defaultConcurrency = Math.max(2, availableParallelism() * 2);

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** The markers in a file's leading comment lines. */
function markers(text) {
  const found = { tier: 'full', serial: false };
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (l === '') continue;
    if (!l.startsWith('//')) break;
    const tier = /^\/\/\s*test-tier:\s*(\w+)/.exec(l);
    if (tier) found.tier = tier[1];
    if (/^\/\/\s*test-serial\b/.test(l)) found.serial = true;
  }
  return found;
}

function usage(message) {
  console.error(
    `${message}\nUsage: node scripts/run-tests.mjs [--tier unit|full] [--concurrency N] [files…] [node test flags…]`,
  );
  process.exit(2);
}

const argv = process.argv.slice(2);
let tier = 'full';
let concurrency = Number(process.env.TEST_CONCURRENCY || defaultConcurrency);
const nodeArgs = [];
const chosen = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = (name) => {
    if (a.includes('=')) return a.slice(a.indexOf('=') + 1);
    if (i + 1 >= argv.length) usage(`${name} needs a value.`);
    return argv[++i];
  };
  if (a === '--tier' || a.startsWith('--tier=')) tier = value('--tier');
  else if (a === '--concurrency' || a.startsWith('--concurrency='))
    concurrency = Number(value('--concurrency'));
  else if (a.endsWith('.ts') && !a.startsWith('-')) chosen.push(a);
  else nodeArgs.push(a);
}
if (tier !== 'unit' && tier !== 'full') usage(`--tier is "unit" or "full", not "${tier}".`);
if (!Number.isInteger(concurrency) || concurrency < 1)
  usage('--concurrency (or TEST_CONCURRENCY) is a whole number of files, at least 1.');

const files = (chosen.length > 0 ? chosen : findTests('test')).map((file) => {
  const m = markers(readFileSync(file, 'utf8'));
  if (m.tier !== 'unit' && m.tier !== 'full')
    usage(`${file}: "test-tier: ${m.tier}" is neither unit nor full.`);
  return { file, ...m };
});

// A run of chosen files is one tier; the whole suite is the unit tier first (its failures show in a
// minute or so), then the files only the full tier has.
const tiers =
  chosen.length > 0
    ? [['chosen files', files]]
    : tier === 'unit'
      ? [['unit', files.filter((f) => f.tier === 'unit')]]
      : [
          ['unit', files.filter((f) => f.tier === 'unit')],
          ['full (the rest)', files.filter((f) => f.tier !== 'unit')],
        ];

const hasTimeout = nodeArgs.some((a) => a.startsWith('--test-timeout'));
// A test that hangs fails after 10 minutes with its name instead of holding the suite forever.
const timeoutArgs = hasTimeout ? [] : ['--test-timeout=600000'];

/** One `node --test` over `group` files; serial output is prefixed so both groups can share the terminal. */
function runGroup(name, group, n) {
  if (group.length === 0) return Promise.resolve({ name, status: 0, seconds: 0, files: 0 });
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      `--test-concurrency=${n}`,
      ...timeoutArgs,
      ...nodeArgs,
      ...group.map((f) => f.file),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  const prefix = `[${name}] `;
  for (const [from, to] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    let partial = '';
    from.setEncoding('utf8');
    from.on('data', (text) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      if (lines.length) to.write(lines.map((l) => prefix + l).join('\n') + '\n');
    });
    from.on('end', () => partial && to.write(`${prefix}${partial}\n`));
  }
  return new Promise((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve({ name, status: code ?? 1, seconds: (Date.now() - started) / 1000, files: group.length });
    }),
  );
}

// Ctrl-C: the runners stop their files and report; this process waits for them, then prints the times.
const running = new Set();
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    stopping = true;
    for (const child of running) child.kill(signal);
  });

// The tests start the command lines from their bundle (test/helpers/cli.ts), built here from the
// sources as they are now (under a second).
const suiteStarted = Date.now();
const built = spawnSync(process.execPath, ['esbuild.config.mjs', '--cli-only'], {
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  stdio: 'inherit',
});
if (built.status !== 0) {
  console.error('The build of the command lines (node esbuild.config.mjs --cli-only) failed; no test ran.');
  process.exit(1);
}

// Each group goes through the tiers in order on its own: the serial group's full-tier files do not
// wait for the unit tier's parallel files (most of a serial file's time is waiting on processes,
// which overlaps well with the CPU work of the other group). The unit tier's files still come first
// in both groups, so their failures show first.
const lines = [];
let failed = false;
const chains = await Promise.all(
  [
    ['parallel', (f) => !f.serial, concurrency],
    ['serial', (f) => f.serial, 1],
  ].map(async ([kind, inGroup, n]) => {
    const results = [];
    for (const [name, group] of tiers) {
      // After Ctrl-C no further tier starts.
      if (stopping) break;
      results.push({
        tier: name,
        ...(await runGroup(`${name.split(' ')[0]} ${kind}`, group.filter(inGroup), n)),
      });
    }
    return results;
  }),
);
for (const [name, group] of tiers) {
  const results = chains.map((chain) => chain.find((r) => r.tier === name)).filter(Boolean);
  if (results.length < 2) failed = true;
  for (const r of results) {
    if (r.status !== 0) failed = true;
    if (r.files > 0)
      lines.push(
        `  ${r.name} group: ${r.files} files in ${r.seconds.toFixed(1)} s${r.status === 0 ? '' : ' (FAILED)'}`,
      );
  }
  lines.push(`tier ${name}: ${group.length} files (concurrency ${concurrency})`);
}
console.log('\nWall times:');
for (const l of lines) console.log(l);
console.log(
  `all: ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s${failed ? ' — some tests FAILED' : ''}`,
);
process.exit(failed ? 1 : 0);
