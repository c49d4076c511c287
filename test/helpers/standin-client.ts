// What the stand-in tests share: one server per file (or per test), a small client that speaks
// the Connect API the way its clients do, and helpers to deploy a bundle and look at processes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Standin } from '../../standin/index.ts';

export const key = 'test-key-0123456789';

export function readFixture(name: string): Buffer {
  const path = `dist/bundles/${name}.tar.gz`;
  if (!existsSync(path))
    execFileSync(process.execPath, ['--import', 'tsx', 'fixtures/build.ts'], { stdio: 'inherit' });
  return readFileSync(path);
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the server sent
  body: any;
}

let names = 0;
/** A content name no other test uses, so tests share a server but never each other's content. */
export const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++names}`;

/** A client of one stand-in. */
export function clientOf(server: () => Standin) {
  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: `Key ${key}` },
  ): Promise<Answer> {
    const raw = body === undefined || Buffer.isBuffer(body) || typeof body === 'string';
    const res = await fetch(`${server().url}${path}`, {
      method,
      headers,
      body: raw ? (body as RequestInit['body']) : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  const api = (method: string, path: string, body?: unknown) => call(method, `/__api__/${path}`, body);

  async function createContent(name: string, fields: Record<string, unknown> = {}): Promise<string> {
    const created = await api('POST', 'v1/content', { name, title: `Title of ${name}`, ...fields });
    assert.equal(created.status, 200, created.text);
    return created.body.guid;
  }

  /** Uploads with the checksum Connect's reference defines: the Base64 of the archive's MD5. */
  async function upload(guid: string, archive: Buffer, apiKey = key): Promise<Answer> {
    const md5 = createHash('md5').update(archive).digest('base64');
    return call('POST', `/__api__/v1/content/${guid}/bundles`, archive, {
      authorization: `Key ${apiKey}`,
      'x-content-checksum': md5,
    });
  }

  /** Polls the task the way rsconnect does (first = last, wait) until it finishes. */
  async function finish(
    taskId: string,
  ): Promise<{ code: number; error: string; output: string[]; polls: number }> {
    const output: string[] = [];
    for (let first = 0, polls = 1; polls <= 100; polls++) {
      const { body } = await api('GET', `v1/tasks/${taskId}?first=${first}&wait=5`);
      output.push(...body.output);
      first = body.last;
      if (body.finished) return { code: body.code, error: body.error, output, polls };
    }
    throw new Error('the task did not finish');
  }

  async function deploy(guid: string, archive: Buffer, extra: Record<string, unknown> = {}) {
    const uploaded = await upload(guid, archive);
    assert.equal(uploaded.status, 200, uploaded.text);
    const started = await api('POST', `v1/content/${guid}/deploy`, { bundle_id: uploaded.body.id, ...extra });
    assert.equal(started.status, 202, started.text);
    return { bundleId: uploaded.body.id as string, ...(await finish(started.body.task_id)) };
  }

  /** Creates content, deploys the bundle and checks the task succeeded. */
  async function deployed(archive: Buffer, fields: Record<string, unknown> = {}, prefix = 'app') {
    const guid = await createContent(uniqueName(prefix), fields);
    const result = await deploy(guid, archive);
    assert.equal(result.code, 0, result.error);
    return { guid, ...result };
  }

  return { call, api, createContent, upload, finish, deploy, deployed };
}

export function assertError(answer: Answer, status: number, code: number): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.body?.code, code, answer.text);
  assert.equal(typeof answer.body.error, 'string');
  assert.ok('payload' in answer.body);
}

export const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

/** A process's environment variable, read from /proc. */
export function environOf(pid: number, name: string): string | undefined {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return entries.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
}

/** PIDs of processes whose command line or working folder mentions `dir`. */
export function processesUsing(dir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (cmdline.includes(dir) || cwd.startsWith(dir)) found.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Waits until `ok()` holds, up to `ms`. */
export async function eventually(ok: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
