// Builds bundle archives byte by byte (ustar headers written here, not by node-tar, which would
// refuse or clean up the hostile paths these tests need), and the corpus of hostile bundles.
import { randomBytes } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  path: string;
  /** ustar type flag: '0' file, '1' hard link, '2' symlink, '3' char device, '4' block device, '5' dir, '6' FIFO, 'x' pax */
  type?: string;
  body?: Buffer | string;
  linkpath?: string;
  mode?: number;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(entry.path, 0, 100, 'utf8');
  octal(block, 100, 8, entry.mode ?? (entry.type === '5' ? 0o755 : 0o644));
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, size);
  octal(block, 136, 12, 1_700_000_000);
  block.fill(' ', 148, 156);
  block.write(entry.type ?? '0', 156, 1, 'ascii');
  block.write(entry.linkpath ?? '', 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return block;
}

/** A tar stream of the entries, in order, with the two closing zero blocks. */
export function tarOf(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    parts.push(header(entry, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A pax extended header that sets the next entry's path (how long or odd names travel in tar). */
export function paxPath(path: string): TarEntry {
  const record = (text: string) => {
    let len = text.length + 3;
    while (`${len} ${text}\n`.length !== len) len = `${len} ${text}\n`.length;
    return `${len} ${text}\n`;
  };
  return { path: 'PaxHeader', type: 'x', body: record(`path=${path}`) };
}

export const bundleOf = (entries: TarEntry[]) => gzipSync(tarOf(entries));

export function manifestEntry(metadata: Record<string, unknown>): TarEntry {
  return { path: 'manifest.json', body: JSON.stringify({ version: 1, metadata }) };
}

const flaskManifest = manifestEntry({ appmode: 'python-api', entrypoint: 'app' });
const flaskApp: TarEntry = {
  path: 'app.py',
  body: 'from flask import Flask\napp = Flask(__name__)\n\n@app.get("/")\ndef index():\n    return "ok"\n',
};

/** Limits small enough that oversize cases stay fast; the tests pass the same to the stand-in. */
export const testLimits = {
  archiveBytes: 6 * 1024 * 1024,
  fileBytes: 2 * 1024 * 1024,
  totalBytes: 4 * 1024 * 1024,
  entries: 200,
};

export interface HostileCase {
  name: string;
  archive: Buffer;
  /** Connect's error code for the upload. */
  code: 134 | 135 | 38;
  /** Text the error message must contain. */
  says: RegExp;
}

/**
 * Archives that must be refused at upload. `outside` is an absolute folder the archive tries to reach
 * (a sentinel the test watches).
 */
export function hostileCorpus(outside: string): HostileCase[] {
  const ok = [flaskManifest, flaskApp];
  const valid = tarOf(ok);
  return [
    {
      name: 'absolute path',
      archive: bundleOf([...ok, { path: `${outside}/abs.txt`, body: 'x' }]),
      code: 135,
      says: /absolute/,
    },
    {
      name: '../ traversal',
      archive: bundleOf([...ok, { path: '../escape.txt', body: 'x' }]),
      code: 135,
      says: /\.\./,
    },
    {
      name: 'nested traversal',
      archive: bundleOf([...ok, { path: 'static/css/../../../../escape.txt', body: 'x' }]),
      code: 135,
      says: /\.\./,
    },
    {
      name: 'traversal in a pax header',
      archive: bundleOf([...ok, paxPath('../../pax-escape.txt'), { path: 'harmless.txt', body: 'x' }]),
      code: 135,
      says: /\.\./,
    },
    {
      name: 'symlink to an absolute folder',
      archive: bundleOf([...ok, { path: 'link', type: '2', linkpath: outside }]),
      code: 135,
      says: /absolute/,
    },
    {
      name: 'symlink escaping with ..',
      archive: bundleOf([...ok, { path: 'sub/link', type: '2', linkpath: '../../../..' }]),
      code: 135,
      says: /outside the bundle/,
    },
    {
      name: 'symlink then write-through',
      archive: bundleOf([
        ...ok,
        { path: 'up', type: '2', linkpath: '../..' },
        { path: 'up/through.txt', body: 'x' },
      ]),
      code: 135,
      says: /outside the bundle|through the symbolic link/,
    },
    {
      name: 'inside symlink then write-through',
      archive: bundleOf([
        ...ok,
        { path: 'sub/', type: '5' },
        { path: 'alias', type: '2', linkpath: 'sub' },
        { path: 'alias/x.txt', body: 'x' },
      ]),
      code: 135,
      says: /through the symbolic link "alias"/,
    },
    {
      name: 'symlink chain escaping',
      archive: bundleOf([
        ...ok,
        { path: 'here', type: '2', linkpath: '.' },
        { path: 'there', type: '2', linkpath: 'here/../..' },
      ]),
      code: 135,
      says: /outside the bundle/,
    },
    {
      name: 'hard link escaping',
      archive: bundleOf([...ok, { path: 'hl', type: '1', linkpath: '../../etc/passwd' }]),
      code: 135,
      says: /hard link/,
    },
    {
      name: 'hard link to an absolute path',
      archive: bundleOf([...ok, { path: 'hl', type: '1', linkpath: '/etc/passwd' }]),
      code: 135,
      says: /hard link/,
    },
    {
      name: 'character device',
      archive: bundleOf([...ok, { path: 'tty', type: '3' }]),
      code: 135,
      says: /CharacterDevice/,
    },
    {
      name: 'block device',
      archive: bundleOf([...ok, { path: 'disk', type: '4' }]),
      code: 135,
      says: /BlockDevice/,
    },
    { name: 'fifo', archive: bundleOf([...ok, { path: 'pipe', type: '6' }]), code: 135, says: /FIFO/ },
    {
      name: 'oversize file',
      archive: bundleOf([...ok, { path: 'big.bin', body: Buffer.alloc(testLimits.fileBytes + 1) }]),
      code: 135,
      says: /big\.bin" is \d+ bytes/,
    },
    {
      name: 'oversize total',
      archive: bundleOf([
        ...ok,
        ...[1, 2, 3].map((i) => ({ path: `part${i}.bin`, body: Buffer.alloc(testLimits.fileBytes - 1) })),
      ]),
      code: 135,
      says: /add up to more than/,
    },
    {
      name: 'too many entries',
      archive: bundleOf([
        ...ok,
        ...Array.from({ length: testLimits.entries }, (_, i) => ({ path: `f${i}.txt`, body: '' })),
      ]),
      code: 135,
      says: /more than 200 entries/,
    },
    {
      name: 'gzip bomb',
      archive: gzipSync(
        Buffer.concat([valid.subarray(0, valid.length - 1024), Buffer.alloc(64 * 1024 * 1024)]),
        { level: 9 },
      ),
      code: 135,
      says: /inflates to more than/,
    },
    {
      name: 'oversize archive',
      archive: randomBytes(testLimits.archiveBytes + 1),
      code: 134,
      says: /larger than/,
    },
    { name: 'not gzip', archive: valid, code: 135, says: /not a gzip/ },
    {
      name: 'truncated gzip',
      archive: bundleOf(ok).subarray(0, 200),
      code: 135,
      says: /damaged or truncated/,
    },
    {
      name: 'truncated tar',
      archive: gzipSync(
        tarOf([flaskManifest, { path: 'data.bin', body: Buffer.alloc(4096, 1) }]).subarray(0, 2048),
      ),
      code: 135,
      says: /damaged or truncated/,
    },
    { name: 'missing manifest', archive: bundleOf([flaskApp]), code: 38, says: /no manifest\.json/ },
    {
      name: 'invalid manifest JSON',
      archive: bundleOf([{ path: 'manifest.json', body: '{"metadata": {"appmode": "python-api"' }, flaskApp]),
      code: 38,
      says: /not JSON/,
    },
    {
      name: 'manifest without appmode',
      archive: bundleOf([{ path: 'manifest.json', body: '{"version": 1, "metadata": {}}' }, flaskApp]),
      code: 38,
      says: /appmode/,
    },
  ];
}

/** Archives that upload fine but must fail their deploy task. */
export function undeployableCorpus(): Array<{ name: string; archive: Buffer; says: RegExp }> {
  return [
    {
      name: 'unsupported appmode',
      archive: bundleOf([manifestEntry({ appmode: 'shiny' }), { path: 'app.R', body: '1' }]),
      says: /appmode is "shiny"/,
    },
    {
      name: 'python entrypoint escaping',
      archive: bundleOf([manifestEntry({ appmode: 'python-api', entrypoint: '../../etc/passwd' }), flaskApp]),
      says: /not a Python module name/,
    },
    {
      name: 'plumber entrypoint escaping',
      archive: bundleOf([
        manifestEntry({ appmode: 'api', entrypoint: '../../../etc/passwd' }),
        { path: 'plumber.R', body: '' },
      ]),
      says: /outside the bundle/,
    },
    {
      name: 'entrypoint module missing',
      archive: bundleOf([manifestEntry({ appmode: 'python-api', entrypoint: 'server' }), flaskApp]),
      says: /no server\.py/,
    },
  ];
}

export { flaskApp, flaskManifest };

/** Every path under `dir` with its type and size, skipping `skip` (the folder allowed to change). */
export async function snapshot(dir: string, skip?: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      if (p === skip) continue;
      const s = await lstat(p);
      out.push(`${p} ${s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'link' : s.size}`);
      if (s.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}
