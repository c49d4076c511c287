import type { Manifest } from './archive/manifest.ts';
import type { Content } from './content.ts';
import { rfc3339 } from './content.ts';

export interface Bundle {
  id: string;
  contentGuid: string;
  created: Date;
  size: number;
  md5: string;
  sha1: string;
  archive: string;
  manifest: Manifest;
  /** Where the bundle came from, as a multipart upload's `metadata` field says (git source, etc.). */
  source: BundleSource;
}

/** The source fields of a bundle's `metadata` object (all null for a plain tar.gz upload). */
export interface BundleSource {
  source: string | null;
  source_repo: string | null;
  source_branch: string | null;
  source_commit: string | null;
}

export const noSource: BundleSource = {
  source: null,
  source_repo: null,
  source_branch: null,
  source_commit: null,
};

/** The stand-in's records, in memory (Connect keeps them in its database). */
export class Store {
  readonly content = new Map<string, Content>();
  readonly bundles = new Map<string, Bundle>();
  /** Each content item's environment variables (name to value); values never leave through the API. */
  readonly #environment = new Map<string, Map<string, string>>();
  #lastContentId = 0;
  #lastBundleId = 0;

  nextContentId(): string {
    this.#lastContentId += 1;
    return String(this.#lastContentId);
  }

  nextBundleId(): string {
    this.#lastBundleId += 1;
    return String(this.#lastBundleId);
  }

  /** Names are unique per owner, as on Connect. */
  byName(name: string, ownerGuid: string): Content | undefined {
    for (const c of this.content.values()) if (c.name === name && c.owner_guid === ownerGuid) return c;
    return undefined;
  }

  bundlesOf(guid: string): Bundle[] {
    return [...this.bundles.values()].filter((b) => b.contentGuid === guid);
  }

  environmentOf(guid: string): Map<string, string> {
    let vars = this.#environment.get(guid);
    if (!vars) {
      vars = new Map();
      this.#environment.set(guid, vars);
    }
    return vars;
  }

  deleteContent(guid: string): void {
    this.content.delete(guid);
    this.#environment.delete(guid);
    for (const b of this.bundlesOf(guid)) this.bundles.delete(b.id);
  }
}

/** The Bundle object as Connect's v1 API returns it. */
export function bundleJson(b: Bundle, active: boolean): Record<string, unknown> {
  return {
    id: b.id,
    content_guid: b.contentGuid,
    created_time: rfc3339(b.created),
    cluster_name: 'Local',
    image_name: null,
    r_version: b.manifest.appmode === 'api' ? b.manifest.rVersion : null,
    py_version: b.manifest.appmode === 'python-api' ? b.manifest.pythonVersion : null,
    quarto_version: null,
    r_environment_management: b.manifest.appmode === 'api' ? true : null,
    py_environment_management: b.manifest.appmode === 'python-api' ? true : null,
    active,
    size: b.size,
    metadata: {
      ...b.source,
      archive_md5: b.md5,
      archive_sha1: b.sha1,
    },
  };
}
