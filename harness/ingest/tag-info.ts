// What the aggregator needs from a sample's tag set, worked out once per distinct tag set (the
// nine samples of one request share it), not once per sample.

export interface TagInfo {
  scenario: string;
  /** The request name (`name` tag, else `url`). */
  name: string;
  method: string;
  status: string;
  /** status >= 400 or 0 (network error): how failures are counted when http_req_failed is absent. */
  statusFailed: boolean;
  errorCode: string;
  /** Endpoint-table key: name, scenario and method. */
  endpoint: string;
  check: string;
  cycle: string;
  step: string;
  error: string;
  /** This tag set as the aggregator counts it (values beyond its limits folded), set on first use. */
  counted?: TagInfo;
}

export function tagInfo(tags: Record<string, string> | null | undefined): TagInfo {
  const t = tags ?? {};
  const scenario = t.scenario ?? 'default';
  const name = t.name ?? t.url ?? '(unnamed)';
  const method = t.method ?? '';
  const status = t.status ?? '';
  const statusNumber = Number(status);
  return {
    scenario,
    name,
    method,
    status,
    statusFailed: status !== '' && (statusNumber >= 400 || statusNumber === 0),
    errorCode: t.error_code ?? '',
    endpoint: `${name}\u0000${scenario}\u0000${method}`,
    check: t.check ?? '',
    cycle: t.cycle ?? '',
    step: t.step ?? '',
    // The publisher names its failure `publish_error`; `error` is k6's tag for network errors.
    error: t.publish_error ?? t.error ?? '',
  };
}

/** Caches TagInfo by tags object, for the live stream where the engine reuses one object per request. */
export class TagObjectCache {
  private cache = new WeakMap<object, TagInfo>();

  get(tags: Record<string, string>): TagInfo {
    let info = this.cache.get(tags);
    if (!info) {
      info = tagInfo(tags);
      this.cache.set(tags, info);
    }
    return info;
  }
}
