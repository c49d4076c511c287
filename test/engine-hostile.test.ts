// The engine CLI (`node engine/bin.mjs run`, a real process) on scripts k6 would fail or refuse:
// a VU out of memory stops the test (exit 107) on both kinds of VU, teardown() throwing fails the
// run with 107 as k6 does, Node.js built-ins, packages and `process` are out of a script's reach,
// a summary export that cannot be written is one error line, and an output the engine does not
// have is a command-line mistake (255). Memory cases cap the heap of the engine process (and so
// of every VU thread) with --max-old-space-size.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the engine CLI to its exit (works whenever the child ends, even before we listen). */
function engine(args: string[], heapMb?: number): Promise<Ended> {
  const node = heapMb ? [`--max-old-space-size=${heapMb}`] : [];
  const child = spawn(process.execPath, [...node, 'engine/bin.mjs', 'run', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const noStack = (r: Ended) => assert.doesNotMatch(r.stderr, /\n\s+at |Node\.js v\d/, 'no stack trace');

/** `body` as the default function of a synchronous VU (plain function) or an async one. */
const kinds = [
  { kind: 'synchronous', fn: (body: string) => `export default function () { ${body} }` },
  { kind: 'async', fn: (body: string) => `export default async function () { ${body} }` },
];

describe('a VU out of memory stops the test', () => {
  for (const { kind, fn } of kinds) {
    test(`${kind} VU: exit 107 with a sentence, long before the planned 10 minutes`, async () => {
      const script = files.write(
        `oom-${kind}.js`,
        `export const options = { vus: 1, duration: '10m' };
const kept = [];
${fn('for (let i = 0; i < 100; i++) kept.push(new Array(100000).fill(i));')}`,
      );
      const r = await engine([script], 128);
      assert.equal(r.code, 107, r.stderr);
      assert.match(
        r.stderr,
        /ran out of memory \(its JavaScript heap reached the limit\), so the test stops/,
      );
      noStack(r);
    });
  }
});

describe('teardown() throwing fails the run as in k6', () => {
  for (const { kind, fn } of kinds) {
    test(`${kind} VU: exit 107, the error logged`, async () => {
      const teardown = kind === 'async' ? 'export async function teardown()' : 'export function teardown()';
      const script = files.write(
        `teardown-${kind}.js`,
        `export const options = { vus: 1, iterations: 2 };
${fn('')}
${teardown} { throw new Error('teardown broke'); }`,
      );
      const r = await engine([script]);
      assert.equal(r.code, 107, r.stderr);
      assert.match(r.stderr, /teardown\(\) failed: .*teardown broke/);
    });
  }
});

describe('no Node.js built-in, package or process in a script', () => {
  const imports: Array<[string, string]> = [
    ['node:fs', `import { readFileSync } from 'node:fs';`],
    ['fs', `import fs from 'fs';`],
    ['child_process', `import { execSync } from 'child_process';`],
    ['zx', `import { $ } from 'zx';`],
  ];
  for (const { kind, fn } of kinds) {
    for (const [name, line] of imports) {
      test(`${kind} VU: importing ${name} is refused at init with exit 107`, async () => {
        const script = files.write(
          `import-${name.replace(/\W/g, '_')}-${kind}.js`,
          `${line}\nexport const options = { vus: 1, iterations: 1 };\n${fn("console.log('iteration ran');")}`,
        );
        const r = await engine([script]);
        assert.equal(r.code, 107, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(
            `The module \\\\?"${name}\\\\?" cannot be imported: k6 scripts have no Node\\.js built-in modules`,
          ),
        );
        assert.doesNotMatch(r.stderr, /iteration ran/);
      });
    }

    test(`${kind} VU: there is no process; process.exit() fails the iteration, not the engine`, async () => {
      const script = files.write(
        `process-${kind}.js`,
        `export const options = { vus: 1, iterations: 2 };
${fn("console.log('process is ' + typeof process); process.exit(3);")}`,
      );
      const r = await engine([script]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr.match(/process is undefined/g)?.length, 2, r.stderr);
      assert.match(r.stderr, /TypeError: Cannot read properties of undefined \(reading 'exit'\)/);
    });
  }
});

describe('outputs and summary files the engine cannot write', () => {
  const ok = () =>
    files.write('ok.js', 'export const options = { iterations: 1 };\nexport default function () {}');

  test('--summary-export to a directory: one error line, the run keeps its exit code (as k6)', async () => {
    const dir = `${files.dir}/a-directory`;
    mkdirSync(dir, { recursive: true });
    const r = await engine(['--summary-export', dir, ok()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /failed to handle the end-of-test summary: Could not save the end-of-test summary to .*a-directory: it is a directory\./,
    );
    noStack(r);
  });

  test('--out statsd (an output k6 has, the engine not): exit 255 like any output k6 cannot create', async () => {
    const r = await engine(['--out', 'statsd', ok()]);
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stderr, /--out statsd is not supported by this engine/);
    noStack(r);
  });
});
