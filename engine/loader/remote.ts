// Remote modules (`import x from 'https://jslib.k6.io/...'`), for the loader hooks: downloaded at
// init like k6 does, and kept in a cache folder so a later run works offline. A cached copy is
// used as is (versioned URLs such as jslib's never change); delete the folder to fetch again.
// A jslib.k6.io library the engine implements itself (../jslib/registry.ts) stands in when its URL
// can be neither downloaded nor read from the cache; it is never written to the cache.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { offlineJslibSource } from '../jslib/registry.ts';

const DOWNLOAD_TIMEOUT_MS = 60_000;
/** Set (to anything but empty) to make every download fail as if offline: how the tests reach the offline path. */
export const NO_DOWNLOAD_ENV = 'CONNECT_PERF_ENGINE_NO_DOWNLOAD';
const inFlight = new Map<string, Promise<string>>();

/** The file that holds `url`'s source in `cacheDir`. */
export function cachedPath(cacheDir: string, url: string): string {
  return join(cacheDir, `${createHash('sha256').update(url).digest('hex')}.js`);
}

/** The source of the module at `url`: from the cache, else downloaded once and cached. */
export function remoteSource(url: string, cacheDir: string): Promise<string> {
  const key = `${cacheDir}\n${url}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = fetchOrCached(url, cacheDir);
    inFlight.set(key, pending);
    pending.catch(() => inFlight.delete(key));
  }
  return pending;
}

async function fetchOrCached(url: string, cacheDir: string): Promise<string> {
  const file = cachedPath(cacheDir, url);
  try {
    return await readFile(file, 'utf8');
  } catch {
    // Not cached yet: download it.
  }
  let source: string;
  try {
    if (process.env[NO_DOWNLOAD_ENV]) throw new Error(`downloads are switched off by ${NO_DOWNLOAD_ENV}`);
    const res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: 'follow' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    source = await res.text();
  } catch (err) {
    const why =
      err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    const offline = offlineJslibSource(url, why);
    if (offline !== null) return offline;
    throw new Error(
      `Cannot download the remote module ${url} (${why}), and it is not in the module cache ${cacheDir}. ` +
        'Run once with network access to cache it (--module-cache sets the folder), or bundle it into the script.',
    );
  }
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, source);
  await rename(tmp, file);
  return source;
}
