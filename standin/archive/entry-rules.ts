import { unsafe } from './bundle-problem.ts';

export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink';

const kinds: Record<string, EntryKind> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

/** Bundles hold files, folders and links only; devices, FIFOs and the like are refused. */
export function entryKind(type: string, path: string): EntryKind {
  const kind = kinds[type];
  if (!kind) throw unsafe(`entry "${path}" is a ${type}, and bundles may only hold files, folders and links`);
  return kind;
}

/** The entry's path relative to the bundle root ('' for the root itself); refuses absolute and `..` paths. */
export function safeEntryPath(raw: string): string {
  if (raw.includes('\0') || raw.includes('\\'))
    throw unsafe(`entry path "${printable(raw)}" has a NUL or backslash`);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw unsafe(`entry path "${raw}" is absolute`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafe(`entry path "${raw}" climbs out of the bundle with ".."`);
  return parts.join('/');
}

/** The first proper prefix of `path` that is a symbolic link, if any: writing there would follow the link. */
export function symlinkOnTheWay(path: string, symlinks: ReadonlyMap<string, string>): string | undefined {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if (symlinks.has(prefix)) return prefix;
  }
  return undefined;
}

/**
 * Where a symbolic link inside the bundle really points, following the bundle's other links the way the
 * kernel would; refuses targets that are absolute, leave the bundle or loop.
 */
export function resolveSymlink(linkPath: string, symlinks: ReadonlyMap<string, string>): string {
  const target = symlinks.get(linkPath) ?? '';
  const dir = linkPath.split('/').slice(0, -1);
  return walk(dir, target, symlinks, linkPath, 0).join('/');
}

function walk(
  from: string[],
  target: string,
  symlinks: ReadonlyMap<string, string>,
  linkPath: string,
  depth: number,
): string[] {
  if (depth > 40) throw unsafe(`symbolic link "${linkPath}" is part of a loop`);
  if (target.startsWith('/'))
    throw unsafe(`symbolic link "${linkPath}" points to the absolute path "${target}"`);
  const here = [...from];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (here.length === 0) throw unsafe(`symbolic link "${linkPath}" points outside the bundle`);
      here.pop();
      continue;
    }
    here.push(part);
    const next = symlinks.get(here.join('/'));
    if (next !== undefined) {
      here.pop();
      here.splice(0, here.length, ...walk(here, next, symlinks, linkPath, depth + 1));
    }
  }
  return here;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}
