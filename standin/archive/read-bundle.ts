import { once } from 'node:events';
import { constants, createReadStream } from 'node:fs';
import { copyFile, mkdir, open, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { BundleProblem, unsafe } from './bundle-problem.ts';
import { entryKind, resolveSymlink, safeEntryPath, symlinkOnTheWay } from './entry-rules.ts';
import type { BundleLimits } from './limits.ts';
import { manifestMaxBytes } from './limits.ts';
import { type Manifest, parseManifest } from './manifest.ts';

export interface BundleContents {
  manifest: Manifest;
  /** Regular files (including hard-link copies), relative to the bundle root. */
  files: ReadonlySet<string>;
}

interface Seen {
  entries: number;
  totalBytes: number;
  files: Set<string>;
  dirs: Set<string>;
  symlinks: Map<string, string>;
  hardlinks: Map<string, string>;
  manifest?: string;
}

/**
 * Reads a bundle archive entry by entry and checks every header before any byte is written. With `into`
 * (an empty folder that must already exist) it also extracts: files and folders as they come, hard links
 * and symbolic links only after every file is written and every link is known to stay inside `into`,
 * so nothing can be written through a link or outside the folder.
 */
export async function readBundle(
  archive: string,
  limits: BundleLimits,
  into?: string,
): Promise<BundleContents> {
  const { size } = await stat(archive);
  if (size > limits.archiveBytes) {
    throw new BundleProblem(
      134,
      `The bundle is ${size} bytes, larger than the ${limits.archiveBytes} byte limit.`,
    );
  }
  if (!(await startsLikeGzip(archive))) throw unsafe('it is not a gzip-compressed tar archive (.tar.gz)');
  const seen: Seen = {
    entries: 0,
    totalBytes: 0,
    files: new Set(),
    dirs: new Set(),
    symlinks: new Map(),
    hardlinks: new Map(),
  };
  const writes: Promise<void>[] = [];
  const problems: unknown[] = [];
  // Aborted on the first problem: writers then stop waiting for entry data that will never come.
  const stop = new AbortController();
  try {
    await parse(archive, limits, seen, writes, problems, stop, into);
  } finally {
    await Promise.all(writes);
  }
  if (problems.length > 0) throw asProblem(problems[0]);
  checkLinks(seen);
  const manifest = parseManifest(seen.manifest);
  if (into) await placeLinks(seen, into);
  return { manifest, files: new Set([...seen.files, ...seen.hardlinks.keys()]) };
}

async function startsLikeGzip(archive: string): Promise<boolean> {
  const fh = await open(archive, 'r');
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

function parse(
  archive: string,
  limits: BundleLimits,
  seen: Seen,
  writes: Promise<void>[],
  problems: unknown[],
  stop: AbortController,
  into?: string,
) {
  return new Promise<void>((resolve, reject) => {
    const source = createReadStream(archive);
    const gunzip = createGunzip();
    const parser = new Parser({ strict: true });
    let settled = false;
    let inflated = 0;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      source.destroy();
      gunzip.destroy();
      stop.abort();
      reject(asProblem(err));
    };
    // Headers and padding add a little to the file sizes; a stream far beyond the cap is a gzip bomb.
    const inflateCap = limits.totalBytes + 512 * (limits.entries + 2) + 1024 * 1024;
    // After the tar's end-of-archive blocks the parser would keep buffering every byte it is given
    // (each chunk copied onto all before it), so a valid tar followed by gigabytes of zeros would
    // stall here. Those trailing bytes (tar tools pad with zeros) are counted to the end of the
    // gzip stream, so the cap still trips, but never handed to the parser.
    let tarEnded = false;
    parser.on('eof', () => {
      tarEnded = true;
      gunzip.resume();
    });
    gunzip.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
      if (inflated > inflateCap) {
        fail(unsafe(`it inflates to more than ${limits.totalBytes} bytes`));
        return;
      }
      if (tarEnded || settled) return;
      if (!parser.write(chunk)) {
        gunzip.pause();
        parser.once('drain', () => gunzip.resume());
      }
    });
    gunzip.on('end', () => {
      if (!settled) parser.end();
    });
    source.on('error', fail);
    gunzip.on('error', (err) => fail(unsafe(`the gzip stream is damaged or truncated (${err.message})`)));
    parser.on('error', fail);
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    parser.on('entry', (entry: ReadEntry) => {
      if (settled) {
        entry.resume();
        return;
      }
      // A failed write must still drain its entry, or the parser would wait for it forever.
      const track = (work: Promise<void>) =>
        writes.push(
          work.catch((err) => {
            entry.resume();
            problems.push(err);
            fail(err);
          }),
        );
      try {
        onEntry(entry, limits, seen, track, stop.signal, into);
      } catch (err) {
        entry.resume();
        fail(err);
      }
    });
    source.pipe(gunzip);
  });
}

function onEntry(
  entry: ReadEntry,
  limits: BundleLimits,
  seen: Seen,
  track: (work: Promise<void>) => void,
  stop: AbortSignal,
  into?: string,
) {
  seen.entries += 1;
  if (seen.entries > limits.entries) throw unsafe(`it has more than ${limits.entries} entries`);
  const path = safeEntryPath(entry.path);
  const kind = entryKind(entry.type, path);
  if (path === '' && kind === 'directory') {
    entry.resume();
    return;
  }
  if (path === '') throw unsafe('an entry has an empty path');
  if (kind === 'file') {
    const size = entry.size ?? 0;
    if (size > limits.fileBytes)
      throw unsafe(`file "${path}" is ${size} bytes; the limit is ${limits.fileBytes}`);
    seen.totalBytes += size;
    if (seen.totalBytes > limits.totalBytes)
      throw unsafe(`its files add up to more than ${limits.totalBytes} bytes`);
    seen.files.add(path);
    if (path === 'manifest.json') {
      if (size > manifestMaxBytes)
        throw new BundleProblem(38, "The bundle's manifest.json is larger than 1 MiB.");
      track(readManifest(entry, seen, stop, into));
    } else if (into) track(writeEntry(entry, into, path, stop));
    else entry.resume();
    return;
  }
  entry.resume();
  if (kind === 'directory') {
    seen.dirs.add(path);
    if (into) track(mkdir(inside(into, path), { recursive: true }).then(() => undefined));
  } else if (kind === 'symlink') {
    if ((entry.linkpath ?? '').startsWith('/')) {
      throw unsafe(`symbolic link "${path}" points to the absolute path "${entry.linkpath}"`);
    }
    seen.symlinks.set(path, entry.linkpath ?? '');
  } else {
    seen.hardlinks.set(path, safeLinkTarget(path, entry.linkpath ?? ''));
  }
}

function safeLinkTarget(path: string, target: string): string {
  try {
    return safeEntryPath(target);
  } catch {
    throw unsafe(`hard link "${path}" points to "${target}", outside the bundle`);
  }
}

async function readManifest(entry: ReadEntry, seen: Seen, stop: AbortSignal, into?: string): Promise<void> {
  const chunks: Buffer[] = [];
  entry.on('data', (chunk: Buffer) => chunks.push(chunk));
  if ((await untilStopped(once(entry, 'end'), stop)) === stopped) return;
  const bytes = Buffer.concat(chunks);
  seen.manifest = bytes.toString('utf8');
  if (into) await writeFile(inside(into, 'manifest.json'), bytes, { flag: 'wx' });
}

async function writeEntry(entry: ReadEntry, into: string, path: string, stop: AbortSignal): Promise<void> {
  const dest = inside(into, path);
  await mkdir(dirname(dest), { recursive: true });
  if (stop.aborted) return;
  const mode = (entry.mode ?? 0o644) & 0o111 ? 0o755 : 0o644;
  // O_NOFOLLOW: never write through a link, even one this code did not create.
  const fh = await open(
    dest,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    mode,
  );
  const file = fh.createWriteStream();
  if ((await untilStopped(pipeline(entry, file), stop)) === stopped) {
    entry.resume();
    file.destroy();
    await once(file, 'close');
  }
}

const stopped = Symbol('stopped');

/** The work's result, or `stopped` as soon as the read is abandoned (the work's data will never come). */
function untilStopped<T>(work: Promise<T>, stop: AbortSignal): Promise<T | typeof stopped> {
  if (stop.aborted) {
    // The abandoned work still settles (a destroyed stream rejects): never leave that rejection unhandled.
    work.catch(() => undefined);
    return Promise.resolve(stopped);
  }
  // One listener per entry, removed when the entry is done: a bundle of many files must not pile them up.
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(stopped);
    stop.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        stop.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        stop.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Every link checked as a whole once all entries are known: order in the archive cannot hide an escape. */
function checkLinks(seen: Seen): void {
  const all = [...seen.files, ...seen.dirs, ...seen.symlinks.keys(), ...seen.hardlinks.keys()];
  for (const path of all) {
    const link = symlinkOnTheWay(path, seen.symlinks);
    if (link) throw unsafe(`entry "${path}" would be written through the symbolic link "${link}"`);
  }
  for (const [path, target] of seen.hardlinks) {
    if (!seen.files.has(target))
      throw unsafe(`hard link "${path}" points to "${target}", which is not a file in the bundle`);
  }
  const known = new Set(all);
  for (const path of all) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) known.add(parts.slice(0, i).join('/'));
  }
  for (const path of seen.symlinks.keys()) {
    const target = resolveSymlink(path, seen.symlinks);
    if (target !== '' && !known.has(target)) {
      throw unsafe(
        `symbolic link "${path}" points to "${seen.symlinks.get(path)}", which is not in the bundle`,
      );
    }
  }
}

async function placeLinks(seen: Seen, into: string): Promise<void> {
  for (const [path, target] of seen.hardlinks) {
    const dest = inside(into, path);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(inside(into, target), dest);
  }
  for (const [path, target] of seen.symlinks) {
    const dest = inside(into, path);
    await mkdir(dirname(dest), { recursive: true });
    await symlink(target, dest);
  }
  const root = await realpath(into);
  for (const path of seen.symlinks.keys()) {
    const real = await realpath(inside(into, path));
    if (real !== root && !real.startsWith(root + sep))
      throw unsafe(`symbolic link "${path}" resolves outside the bundle`);
  }
}

/** Joins a checked relative path to the extraction folder, and checks again that it stays inside. */
function inside(into: string, path: string): string {
  const full = join(into, path);
  if (!full.startsWith(into + sep)) throw unsafe(`entry "${path}" resolves outside the bundle`);
  return full;
}

function asProblem(err: unknown): BundleProblem {
  return err instanceof BundleProblem ? err : unsafe(describe(err));
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/ENOTDIR|EEXIST|ELOOP/.test(message)) return `two entries collide (${message})`;
  return `the tar data is damaged or truncated (${message})`;
}
