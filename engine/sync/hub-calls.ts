// The hub's side of a synchronous VU's calls beyond the request itself: request arguments put back
// together as the async VU's http functions take them (./protocol.ts WireRequest), the VU's cookie
// jars, its response callback, secrets, and SharedArrays (one per test, ./shared-arrays.ts).
import { readSecret } from '../api/secrets.ts';
import { FileData } from '../http/body.ts';
import { CookieJar, type CookieOptions } from '../http/cookies.ts';
import { ExpectedStatuses } from '../http/expected-statuses.ts';
import type { Params } from '../http/params.ts';
import { stateOf } from '../http/state.ts';
import { TaggedURL } from '../http/tagged-url.ts';
import type { VU } from '../vu.ts';
import type { SyncCall, WireRequest } from './protocol.ts';
import { madeSharedArray, makeSharedArray } from './shared-arrays.ts';

/** The arguments of http.request() as the script gave them. */
export type RequestArgs = [method: string, url: unknown, body: unknown, params: Params | undefined];

export class HubCalls {
  /** The VU's cookie jars by number: 0 is the VU's own (http.cookieJar()). */
  private readonly jars = new Map<number, CookieJar>();

  constructor(private readonly vu: VU) {}

  requestArgs(w: WireRequest): RequestArgs {
    const url = w.name === undefined ? w.url : new TaggedURL(w.url, w.name);
    let body = w.body;
    if (w.files) {
      const parts = { ...(body as Record<string, FileData>) };
      for (const key of w.files) {
        const f = parts[key];
        parts[key] = new FileData(f.data, f.filename, f.content_type);
      }
      body = parts;
    }
    if (w.params === null && w.jar === undefined && w.expected === undefined)
      return [w.method, url, body, undefined];
    const params = { ...w.params } as Params;
    if (w.jar !== undefined) params.jar = w.jar === null ? null : this.jar(w.jar);
    if (w.expected !== undefined)
      params.responseCallback = w.expected === null ? null : new ExpectedStatuses(w.expected);
    return [w.method, url, body, params];
  }

  /** The calls other than requests and batches. */
  async perform(call: Exclude<SyncCall, { op: 'request' | 'batch' }>): Promise<unknown> {
    switch (call.op) {
      case 'jar-new': {
        const id = this.jars.size + 1;
        this.jars.set(id, new CookieJar());
        return id;
      }
      case 'jar': {
        const jar = this.jar(call.jar);
        const args = call.args as [string, string, string, CookieOptions | undefined];
        if (call.method === 'set') return jar.set(args[0], args[1], args[2], args[3]);
        if (call.method === 'cookiesForURL') return jar.cookiesForURL(args[0]);
        if (call.method === 'clear') return jar.clear(args[0]);
        return jar.delete(args[0], args[1]);
      }
      case 'response-callback':
        stateOf(this.vu).callback = call.expected === null ? null : new ExpectedStatuses(call.expected);
        return undefined;
      case 'secret':
        return readSecret(this.vu.test, call.source, call.key);
      case 'shared-array':
        return makeSharedArray(this.vu, call.name);
      case 'shared-array-made':
        madeSharedArray(this.vu, call.name, call.buffer, call.error);
        return undefined;
    }
  }

  private jar(id: number): CookieJar {
    if (id === 0) return stateOf(this.vu).jar;
    const jar = this.jars.get(id);
    if (!jar) throw new Error(`cookie jar ${id} does not exist`);
    return jar;
  }
}
