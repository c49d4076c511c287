// Shared by the engine tests: a local HTTP server, scripts in a temp dir, and runTest with its
// samples and console output captured.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Sample } from '../engine/metrics/types.ts';
import { type RunOptions, type RunResult, runTest } from '../engine/run.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export async function startServer(
  handler: Handler,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function tempDir(): {
  dir: string;
  write(name: string, text: string | Buffer): string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'engine-test-'));
  return {
    dir,
    write(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface Captured extends RunResult {
  samples: Sample[];
  stdout: string;
  stderr: string;
}

export async function run(opts: Omit<RunOptions, 'stdout' | 'stderr'>): Promise<Captured> {
  const samples: Sample[] = [];
  const stdout = new Collect();
  const stderr = new Collect();
  const result = await runTest({
    quiet: true,
    ...opts,
    stdout,
    stderr,
    onSamples: (batch) => samples.push(...batch),
  });
  return { ...result, samples, stdout: stdout.text, stderr: stderr.text };
}

/** The two kinds of VU one script can run on: plain exported functions, and the same made async. */
export const VU_KINDS = [
  { kind: 'synchronous', fn: 'function' },
  { kind: 'async', fn: 'async function' },
] as const;

/**
 * Runs `source` once on each kind of VU: `FN` replaced by `function` (synchronous VUs) or by
 * `async function` (async VUs), and `AWAIT ` before a blocking call by `await ` on async VUs.
 */
export async function runOnBothKinds(
  files: { write(name: string, text: string): string },
  name: string,
  source: string,
  opts: Omit<RunOptions, 'stdout' | 'stderr' | 'script'>,
): Promise<Record<(typeof VU_KINDS)[number]['kind'], Captured>> {
  const out: Partial<Record<(typeof VU_KINDS)[number]['kind'], Captured>> = {};
  for (const { kind, fn } of VU_KINDS) {
    const script = files.write(
      `${name}-${kind}.js`,
      source.replaceAll('FN', fn).replaceAll('AWAIT ', kind === 'async' ? 'await ' : ''),
    );
    out[kind] = await run({ script, ...opts });
  }
  return out as Record<(typeof VU_KINDS)[number]['kind'], Captured>;
}

export function count(
  samples: Sample[],
  metric: string,
  filter: (s: Sample) => boolean = () => true,
): number {
  return samples.filter((s) => s.metric === metric && filter(s)).length;
}

export function sum(samples: Sample[], metric: string): number {
  return samples.filter((s) => s.metric === metric).reduce((a, s) => a + s.value, 0);
}

/** A throwaway self-signed certificate made with openssl: `<dir>/<prefix>key.pem` and `<prefix>cert.pem`. */
export function selfSignedCert(dir: string, prefix: string, commonName: string, altName?: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${dir}/${prefix}key.pem`,
      '-out',
      `${dir}/${prefix}cert.pem`,
      '-days',
      '1',
      '-subj',
      `/CN=${commonName}`,
      ...(altName ? ['-addext', `subjectAltName=${altName}`] : []),
    ],
    { stdio: 'ignore' },
  );
}

/** A local server that keeps each request's body as text, in order, and answers `reply(body)`. */
export async function startBodyServer(
  reply: (body: string) => string = () => 'ok',
): Promise<Awaited<ReturnType<typeof startServer>> & { bodies: string[] }> {
  const bodies: string[] = [];
  const server = await startServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push(body);
      res.end(reply(body));
    });
  });
  return { ...server, bodies };
}

/** The engine's info lines saying that it stood in for `library` ("totp 1.0.0") offline. */
export function offlineLines(stderr: string, library: string): string[] {
  return stderr.split('\n').filter((l) => l.includes('cannot be downloaded') && l.includes(`${library} is `));
}

/** The names of the checks that failed in `r`, one per failed check sample. */
export function failedChecks(r: Captured): string[] {
  return r.samples.filter((s) => s.metric === 'checks' && s.value === 0).map((s) => s.tags.check);
}

/** `r` ended with exit 0 and `checks` checks, every one passed (`label` goes in the messages). */
export function assertChecksPassed(r: Captured, checks: number, label = ''): void {
  const at = label ? `${label}: ${r.stderr}` : r.stderr;
  assert.equal(r.exitCode, 0, at);
  assert.deepEqual(failedChecks(r), [], at);
  assert.equal(count(r.samples, 'checks'), checks, at);
}

/** A module cache folder of its own under `dir`, so that no run reuses another's downloads. */
export const freshModuleCache = (dir: string): string =>
  `${dir}/modules-${Math.random().toString(36).slice(2)}`;

/** assertChecksPassed(), and the run said once that it stood in for `library`. */
export function assertOfflineRun(r: Captured, checks: number, library: string, label = ''): void {
  assertChecksPassed(r, checks, label);
  assert.equal(offlineLines(r.stderr, library).length, 1, label ? `${label}: ${r.stderr}` : r.stderr);
}
