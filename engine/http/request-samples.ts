// The samples of one request hop, as k6 emits them: http_req_* in k6's order with one timestamp
// and one tag set, and the tag sets cached per VU (a loop repeats the same request).
import { RequestSamples } from '../metrics/sample-groups.ts';
import { sharedTagSet } from '../metrics/tag-sets.ts';
import type { Params } from './params.ts';
import type { HopResult } from './send.ts';
import type { HttpVU } from './settings.ts';
import type { HttpState } from './state.ts';

/** Tag sets are shared by all samples of a request and reused across requests with the same values. */
const TAG_CACHE_SIZE = 256;

/** What one hop's samples are tagged with. */
export interface Hop {
  /** The VU's tags when the request was made. */
  base: Record<string, string>;
  result: HopResult;
  method: string;
  /** The url/name tag (the URL, masked, or the name the script gave). */
  name: string;
  error: string;
  errorCode: number;
  /** expected_response; null when no response callback applies. */
  expected: boolean | null;
  userTags: Params['tags'];
}

function requestTags(state: HttpState, hop: Hop): Record<string, string> {
  const { base, result, method, name, error, expected, userTags } = hop;
  const status = result.status;
  const tlsVersion = result.tlsVersion;
  const system = state.systemTags;
  if (system !== null) return buildTags(system, hop);
  let key = '';
  if (!userTags && !error) {
    const last = state.lastTags;
    if (
      last !== null &&
      last.base === base &&
      last.status === status &&
      last.name === name &&
      last.method === method &&
      last.expected === expected &&
      last.tlsVersion === tlsVersion
    ) {
      return last.tags;
    }
    key = `${method} ${status} ${expected} ${tlsVersion} ${name}`;
    if (state.tagBase === base) {
      const hit = state.tagCache.get(key);
      if (hit) {
        state.lastTags = { base, method, status, expected, tlsVersion, name, tags: hit };
        return hit;
      }
    } else {
      state.tagBase = base;
      state.tagCache.clear();
    }
  }
  let tags = buildTags(null, hop);
  if (key) {
    tags = sharedTagSet(tags);
    if (state.tagCache.size >= TAG_CACHE_SIZE) state.tagCache.clear();
    state.tagCache.set(key, tags);
    state.lastTags = { base, method, status, expected, tlsVersion, name, tags };
  }
  return tags;
}

/**
 * A request's tag set: k6's default system tags (`system` null), or only those options.systemTags
 * chooses (`ip` among them if asked for). Sets of chosen tags are not cached: a test that narrows
 * its tags is rarely one that measures the engine's own speed.
 */
function buildTags(system: ReadonlySet<string> | null, hop: Hop): Record<string, string> {
  const { base, result, method, name, error, errorCode, expected, userTags } = hop;
  const has = (tag: string) => (system === null ? tag !== 'ip' : system.has(tag));
  const tags: Record<string, string> = { ...base };
  const status = result.status;
  if (status !== 0 && has('proto')) tags.proto = 'HTTP/1.1';
  if (has('status')) tags.status = String(status);
  if (has('method')) tags.method = method;
  if (has('url')) tags.url = name;
  if (has('name')) tags.name = name;
  if (expected !== null && has('expected_response')) tags.expected_response = expected ? 'true' : 'false';
  if (result.tlsVersion && has('tls_version')) tags.tls_version = result.tlsVersion;
  if (error && has('error')) tags.error = error;
  if (errorCode && has('error_code')) tags.error_code = String(errorCode);
  if (result.remoteAddress && has('ip')) tags.ip = result.remoteAddress;
  if (userTags) for (const k in userTags) tags[k] = String(userTags[k]);
  return tags;
}

export function emitRequestSamples(vu: HttpVU, state: HttpState, hop: Hop): void {
  const { result, expected } = hop;
  const tags = requestTags(state, hop);
  const failed = expected === null ? -1 : expected ? 0 : 1;
  const group = new RequestSamples(result.endTime, tags, result.timings, failed);
  group.metadata = vu.metadataOf();
  vu.test.emit(group);
  vu.test.countRequest(expected === false || result.status === 0);
}
