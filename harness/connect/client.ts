// A small Connect Server API client for the harness: preflight checks and publishing the
// fixture bundles (the same calls Connect's own clients make, connect-api-facts §1.13).
import { createHash } from 'node:crypto';
import { request } from 'undici';
import type { Content, Task } from '../../scenarios/lib/connect-types.ts';
import { ConnectError, connectError } from './errors.ts';

export type { Content, Task };

export interface ConnectClientOptions {
  server: string;
  apiKey: string;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
}

export interface ConnectClient {
  server: string;
  serverSettings(): Promise<{ version?: string } & Record<string, unknown>>;
  currentUser(): Promise<{ guid: string; username: string; user_role: string }>;
  createContent(fields: { name: string; title?: string; access_type?: string }): Promise<Content>;
  findContentByName(name: string): Promise<Content | null>;
  getContent(guid: string): Promise<Content>;
  uploadBundle(guid: string, bytes: Uint8Array): Promise<{ id: string }>;
  deploy(guid: string, bundleId: string): Promise<{ task_id: string }>;
  /** Long-polls the task until it finishes; throws when it fails or `timeoutMs` passes. */
  waitForTask(taskId: string, timeoutMs?: number): Promise<Task>;
  deleteContent(guid: string): Promise<void>;
  /** GET of a content URL with the key; returns status and body, never throws on HTTP status. */
  fetchContent(url: string): Promise<{ status: number; body: string }>;
}

/** `https://connect.example.com/` → `https://connect.example.com` (Connect's clients add `/__api__`). */
export function normaliseServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new Error(`CONNECT_SERVER must be a URL such as https://connect.example.com, got '${server}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`CONNECT_SERVER must be an http or https URL, got '${url.protocol}'.`);
  }
  return url.toString().replace(/\/+$/, '');
}

export function createConnectClient(options: ConnectClientOptions): ConnectClient {
  const server = normaliseServer(options.server);
  const timeout = options.timeoutMs ?? 30_000;
  const headers = { authorization: `Key ${options.apiKey}` };

  async function call<T>(
    method: string,
    path: string,
    what: string,
    body?: unknown,
    raw?: Uint8Array,
  ): Promise<T> {
    const url = `${server}/__api__${path}`;
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: method as 'GET',
        headers: raw
          ? {
              ...headers,
              'content-type': 'application/gzip',
              // Connect rejects a bundle whose MD5 differs (code 104): a corrupted upload fails loudly.
              'x-content-checksum': createHash('md5').update(raw).digest('hex'),
            }
          : body === undefined
            ? headers
            : { ...headers, 'content-type': 'application/json' },
        body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (error) {
      throw new Error(
        `${what} failed: cannot reach ${server} (${(error as Error).message}); check CONNECT_SERVER and the network.`,
      );
    }
    const text = await response.body.text();
    if (response.statusCode >= 400) throw connectError(what, response.statusCode, text);
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(
        `${what} answered HTTP ${response.statusCode} with a body that is not JSON; is ${server} a Connect server?`,
      );
    }
  }

  return {
    server,
    serverSettings: () => call('GET', '/server_settings', 'Reading the server settings'),
    currentUser: () => call('GET', '/v1/user', 'Checking the API key (GET /v1/user)'),
    createContent: (fields) => call('POST', '/v1/content', `Creating content '${fields.name}'`, fields),
    async findContentByName(name) {
      const list = await call<Content[]>(
        'GET',
        `/v1/content?name=${encodeURIComponent(name)}`,
        `Looking up content '${name}'`,
      );
      return list.find((c) => c.name === name) ?? null;
    },
    getContent: (guid) => call('GET', `/v1/content/${guid}`, `Reading content ${guid}`),
    uploadBundle: (guid, bytes) =>
      call('POST', `/v1/content/${guid}/bundles`, `Uploading a bundle to ${guid}`, undefined, bytes),
    deploy: (guid, bundleId) =>
      call('POST', `/v1/content/${guid}/deploy`, `Deploying bundle ${bundleId} of ${guid}`, {
        bundle_id: bundleId,
      }),
    async waitForTask(taskId, timeoutMs = 10 * 60_000) {
      const deadline = Date.now() + timeoutMs;
      let first = 0;
      const output: string[] = [];
      while (Date.now() < deadline) {
        const task = await call<Task>(
          'GET',
          `/v1/tasks/${taskId}?first=${first}&wait=1`,
          `Polling task ${taskId}`,
        );
        output.push(...(task.output ?? []));
        first = task.last ?? first;
        if (task.finished) {
          if (task.code !== 0) {
            const tail = output.slice(-5).join(' | ');
            throw new ConnectError(
              `Deploy task ${taskId}`,
              200,
              task.code,
              `${task.error || 'the task failed'}; last output: ${tail}`,
            );
          }
          return { ...task, output };
        }
      }
      throw new Error(`Deploy task ${taskId} did not finish within ${Math.round(timeoutMs / 1000)} s.`);
    },
    async deleteContent(guid) {
      await call('DELETE', `/v1/content/${guid}`, `Deleting content ${guid}`);
    },
    async fetchContent(url) {
      try {
        const response = await request(url, { headers, headersTimeout: timeout, bodyTimeout: timeout });
        return { status: response.statusCode, body: await response.body.text() };
      } catch (error) {
        throw new Error(`Cannot reach ${url} (${(error as Error).message}).`);
      }
    },
  };
}
