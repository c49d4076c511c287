// A small Connect Server API client for the harness: preflight checks and publishing the
// fixture bundles (the same calls Connect's own clients such as rsconnect-python make).
import { createHash } from 'node:crypto';
import { request } from 'undici';
import type {
  Bundle,
  Content,
  ContentFields,
  DeployStarted,
  Job,
  ServerSettings,
  Task,
  User,
} from '../../scenarios/lib/connect-types.ts';
import { ConnectError, connectError } from './errors.ts';

export type { Bundle, Content, ContentFields, DeployStarted, Job, ServerSettings, Task, User };

export interface ConnectClientOptions {
  server: string;
  apiKey: string;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
}

export interface ConnectClient {
  server: string;
  serverSettings(): Promise<Partial<ServerSettings>>;
  currentUser(): Promise<User>;
  createContent(fields: ContentFields & { name: string }): Promise<Content>;
  /**
   * The content named `name` owned by `ownerGuid` (default: the API key's own user, from
   * `GET /v1/user`), or null. Names are unique per owner only and an administrator's key lists
   * every user's items, so the lookup sends `owner_guid` and checks it on the answer.
   */
  findContentByName(name: string, ownerGuid?: string): Promise<Content | null>;
  getContent(guid: string): Promise<Content>;
  uploadBundle(guid: string, bytes: Uint8Array): Promise<Pick<Bundle, 'id'>>;
  deploy(guid: string, bundleId: string): Promise<DeployStarted>;
  /** The content's processes, running and ended (`GET /v1/content/{guid}/jobs`). */
  listJobs(guid: string): Promise<Job[]>;
  /** Long-polls the task until it finishes; throws when it fails or `timeoutMs` passes. */
  waitForTask(taskId: string, timeoutMs?: number): Promise<Task>;
  deleteContent(guid: string): Promise<void>;
  /** GET of a content URL with the key; returns status and body, never throws on HTTP status. */
  fetchContent(url: string): Promise<{ status: number; body: string }>;
}

/** X-Content-Checksum of a bundle: the Base64 of the MD5 of its bytes, as Connect's API reference says. */
export function bundleChecksum(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('base64');
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
              // "The Base64-encoded MD5 sum of the archive file" (Connect's API reference, upload a
              // bundle): Connect rejects a bundle whose sum differs (HTTP 400, code 104).
              'x-content-checksum': bundleChecksum(raw),
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

  let ownGuid: Promise<string> | null = null;
  const ownUserGuid = (): Promise<string> => {
    ownGuid ??= call<User>('GET', '/v1/user', 'Checking the API key (GET /v1/user)').then((user) => {
      if (typeof user?.guid !== 'string' || user.guid === '') {
        throw new Error('GET /v1/user answered without a user guid; is this a Connect server?');
      }
      return user.guid;
    });
    ownGuid.catch(() => {
      ownGuid = null;
    });
    return ownGuid;
  };

  return {
    server,
    serverSettings: () => call('GET', '/server_settings', 'Reading the server settings'),
    currentUser: () => call('GET', '/v1/user', 'Checking the API key (GET /v1/user)'),
    createContent: (fields) => call('POST', '/v1/content', `Creating content '${fields.name}'`, fields),
    async findContentByName(name, ownerGuid) {
      const owner = ownerGuid ?? (await ownUserGuid());
      const list = await call<Content[]>(
        'GET',
        `/v1/content?name=${encodeURIComponent(name)}&owner_guid=${encodeURIComponent(owner)}`,
        `Looking up content '${name}'`,
      );
      if (!Array.isArray(list))
        throw new Error(`Looking up content '${name}' answered something not a list.`);
      // A server that ignores owner_guid still lists the others' items: never take one of those.
      return list.find((c) => c.name === name && c.owner_guid === owner) ?? null;
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
    listJobs: (guid) => call('GET', `/v1/content/${guid}/jobs`, `Listing the processes of ${guid}`),
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
