// A typed client for the part of the Connect Server API the workload uses (https://docs.posit.co/connect/api/),
// on k6's `http.asyncRequest`. Every request carries a low-cardinality `name` tag (k6 then sets the
// `url` tag to it too), so GUIDs and task ids do not multiply the time series. The API key lives
// only in this closure: never in tags, names, messages or the returned object.

import { sleep } from 'k6';
import http, { type Params, type RequestBody } from 'k6/http';
import { ConnectApiError, describeFailure } from './connect-errors.ts';
import type { Bundle, Content, ContentFields, ServerSettings, Task, User } from './connect-types.ts';
import { withoutTrailingSlash } from './inputs.ts';

export type { Bundle, Content, ContentFields, ServerSettings, Task, User };

export interface TaskResult {
  code: number;
  error: string;
  output: string[];
}

export interface ConnectClient {
  serverSettings(): Promise<ServerSettings>;
  currentUser(): Promise<User>;
  /**
   * The content named `name` owned by `ownerGuid`, or null. Names are unique per owner only and an
   * administrator's key lists every user's items, so the owner is sent and checked on the answer.
   */
  findContentByName(name: string, ownerGuid: string): Promise<Content | null>;
  /**
   * Creates the content (the key's user owns it); when that user already has an item of that name
   * (409, code 26) returns it instead. Another user's item is never returned.
   */
  createContent(fields: ContentFields & { name: string }, ownerGuid: string): Promise<Content>;
  getContent(guid: string): Promise<Content>;
  /** The updated content; null when the server answers 204 without a body. */
  updateContent(guid: string, fields: ContentFields): Promise<Content | null>;
  deleteContent(guid: string): Promise<void>;
  uploadBundle(guid: string, archive: ArrayBuffer, options?: { checksum?: string }): Promise<Bundle>;
  /** Starts deploying `bundleId`; returns the task id. */
  deploy(guid: string, bundleId: string): Promise<string>;
  getTask(id: string, first: number, wait: number): Promise<Task>;
  /** Long-polls the task (`first` = previous `last`) until it finishes; throws after `timeoutS`. */
  waitForTask(id: string, options?: { wait?: number; timeoutS?: number }): Promise<TaskResult>;
}

/** Connect's error code for "an object with that name already exists". */
const NAME_EXISTS = 26;

interface Call {
  method: string;
  path: string;
  /** The `name` tag and the name used in error messages. */
  name: string;
  body?: RequestBody | null;
  headers?: Record<string, string>;
  ok: number[];
  timeout?: string;
  responseCallback?: Params['responseCallback'];
}

export function connectClient(server: string, apiKey: string): ConnectClient {
  const base = withoutTrailingSlash(server);

  async function call(request: Call): Promise<{ status: number; body: string }> {
    const res = await http.asyncRequest(request.method, `${base}${request.path}`, request.body ?? null, {
      headers: { Authorization: `Key ${apiKey}`, ...request.headers },
      tags: { name: request.name },
      timeout: request.timeout ?? '60s',
      ...(request.responseCallback ? { responseCallback: request.responseCallback } : {}),
    });
    const body = typeof res.body === 'string' ? res.body : '';
    if (!request.ok.includes(res.status)) {
      throw describeFailure(request.name, res.status, body, res.error, apiKey);
    }
    return { status: res.status, body };
  }

  async function json<T>(request: Call): Promise<T> {
    const { body } = await call(request);
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new Error(
        `${request.name} answered with a body that is not JSON; is CONNECT_SERVER a Connect server?`,
      );
    }
  }

  const client: ConnectClient = {
    serverSettings: () =>
      json({
        method: 'GET',
        path: '/__api__/server_settings',
        name: 'GET /__api__/server_settings',
        ok: [200],
      }),

    currentUser: () =>
      json({ method: 'GET', path: '/__api__/v1/user', name: 'GET /__api__/v1/user', ok: [200] }),

    async findContentByName(name, ownerGuid) {
      const items = await json<Content[]>({
        method: 'GET',
        path: `/__api__/v1/content?name=${encodeURIComponent(name)}&owner_guid=${encodeURIComponent(ownerGuid)}`,
        name: 'GET /__api__/v1/content?name={name}',
        ok: [200],
      });
      if (!Array.isArray(items)) {
        throw new Error('GET /__api__/v1/content?name={name} answered something that is not a list.');
      }
      // A server that ignores owner_guid still lists the others' items: never take one of those.
      return items.find((item) => item.name === name && item.owner_guid === ownerGuid) ?? null;
    },

    async createContent(fields, ownerGuid) {
      try {
        return await json<Content>({
          method: 'POST',
          path: '/__api__/v1/content',
          name: 'POST /__api__/v1/content',
          body: JSON.stringify(fields),
          headers: { 'Content-Type': 'application/json' },
          ok: [200, 201],
          // A taken name is the normal "reuse" path, not a failed request.
          responseCallback: http.expectedStatuses({ min: 200, max: 399 }, 409),
        });
      } catch (err) {
        if (!(err instanceof ConnectApiError && err.status === 409 && err.code === NAME_EXISTS)) throw err;
        const existing = await client.findContentByName(fields.name, ownerGuid);
        if (!existing) {
          throw new Error(
            `Content named '${fields.name}' exists but this API key's user cannot see it; choose another PUBLISH_CONTENT_NAME.`,
          );
        }
        return existing;
      }
    },

    getContent: (guid) =>
      json({
        method: 'GET',
        path: `/__api__/v1/content/${guid}`,
        name: 'GET /__api__/v1/content/{guid}',
        ok: [200],
      }),

    async updateContent(guid, fields) {
      const { status, body } = await call({
        method: 'PATCH',
        path: `/__api__/v1/content/${guid}`,
        name: 'PATCH /__api__/v1/content/{guid}',
        body: JSON.stringify(fields),
        headers: { 'Content-Type': 'application/json' },
        ok: [200, 204],
      });
      return status === 204 || body === '' ? null : (JSON.parse(body) as Content);
    },

    async deleteContent(guid) {
      await call({
        method: 'DELETE',
        path: `/__api__/v1/content/${guid}`,
        name: 'DELETE /__api__/v1/content/{guid}',
        ok: [200, 204],
      });
    },

    uploadBundle: (guid, archive, options = {}) =>
      json({
        method: 'POST',
        path: `/__api__/v1/content/${guid}/bundles`,
        name: 'POST /__api__/v1/content/{guid}/bundles',
        body: archive,
        headers: {
          'Content-Type': 'application/gzip',
          ...(options.checksum ? { 'X-Content-Checksum': options.checksum } : {}),
        },
        ok: [200, 201],
        timeout: '5m',
      }),

    async deploy(guid, bundleId) {
      const { task_id } = await json<{ task_id: string }>({
        method: 'POST',
        path: `/__api__/v1/content/${guid}/deploy`,
        name: 'POST /__api__/v1/content/{guid}/deploy',
        body: JSON.stringify({ bundle_id: bundleId }),
        headers: { 'Content-Type': 'application/json' },
        ok: [200, 201, 202],
      });
      if (typeof task_id !== 'string' || task_id === '') {
        throw new Error('POST /__api__/v1/content/{guid}/deploy answered without a task_id.');
      }
      return task_id;
    },

    getTask: (id, first, wait) =>
      json({
        method: 'GET',
        path: `/__api__/v1/tasks/${encodeURIComponent(id)}?first=${first}&wait=${wait}`,
        name: 'GET /__api__/v1/tasks/{id}',
        ok: [200],
        // The server may hold the request for `wait` seconds before answering.
        timeout: `${wait + 60}s`,
      }),

    async waitForTask(id, options = {}) {
      const wait = Math.min(20, Math.max(1, Math.round(options.wait ?? 1)));
      const timeoutS = options.timeoutS ?? 900;
      const deadline = Date.now() + timeoutS * 1000;
      const output: string[] = [];
      let first = 0;
      for (;;) {
        const polledAt = Date.now();
        const task = await client.getTask(id, first, wait);
        output.push(...(task.output ?? []));
        if (task.finished) return { code: task.code, error: task.error ?? '', output };
        if (Date.now() >= deadline) {
          throw new Error(
            `Deployment task ${id} did not finish within ${timeoutS}s; last output: ${tail(output)}`,
          );
        }
        first = task.last ?? first;
        // A server that ignores `wait` answers at once; do not spin on it.
        if (Date.now() - polledAt < 200) await sleep(0.5);
      }
    },
  };
  return client;
}

/** The last few task output lines, for error messages. */
export function tail(lines: string[], count = 5): string {
  return lines.length ? lines.slice(-count).join(' | ') : '(none)';
}
