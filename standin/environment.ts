import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { safeEntryPath } from './archive/entry-rules.ts';
import type { Manifest } from './archive/manifest.ts';

/** A restore step that failed: Connect's task error, with the tool's own lines already in the task output. */
export class RestoreFailure extends Error {}

type Say = (line: string) => void;

/**
 * The Python that builds each bundle's virtualenv. Debian's /usr/bin/python3 carries python3-flask and
 * gunicorn, which the environment sees through --system-site-packages (no network needed); PYTHON
 * overrides it.
 */
export function basePython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PYTHON) return env.PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/**
 * Where environments shared by bundles with identical requirements live: CONNECT_STANDIN_PYTHON_ENVS,
 * or a folder of this user's under the system temp folder (kept between stand-ins, as Connect keeps
 * its environments between deployments).
 */
export function pythonEnvCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONNECT_STANDIN_PYTHON_ENVS || join(tmpdir(), `connect-standin-python-envs-${userInfo().uid}`);
}

/** Builds in progress in this process, by key: a second deploy of the same requirements waits for the first. */
const building = new Map<string, Promise<string>>();

/**
 * Connect's Python restore: a virtualenv for the bundle, then pip installs the bundle's requirements
 * into it. pip runs offline (--no-index), so a requirement the machine already has is "already
 * satisfied" and one it lacks fails exactly as pip fails. Returns the environment's python.
 *
 * Like Connect, a bundle whose requirements file is identical to one already restored (same text,
 * same Python) reuses that environment instead of building another: `envDir` is then a link to it,
 * and the task output says so. Requirements that point at other files (`-r`, `-c`, local paths) are
 * never shared, since their text alone does not say what gets installed.
 */
export async function restorePython(
  manifest: Manifest,
  appDir: string,
  files: ReadonlySet<string>,
  envDir: string,
  say: Say,
): Promise<string> {
  const python = basePython();
  const version = await pythonVersion();
  say(`Bundle requested Python version ${manifest.pythonVersion ?? 'unspecified'}; using Python ${version}`);
  const requirements = safeEntryPath(manifest.pythonPackageFile ?? 'requirements.txt');
  const text = files.has(requirements) ? await readFile(join(appDir, requirements), 'utf8') : null;
  const shareable = text === null || !text.split('\n').some((l) => /^\s*(-|\.|\/|file:)|@\s*file:/.test(l));
  if (!shareable) {
    say(`${requirements} refers to other files: this bundle gets an environment of its own`);
    await build(python, appDir, requirements, text, envDir, say);
    return join(envDir, 'bin', 'python');
  }
  const key = createHash('sha256')
    .update(`${python}\0${version}\0${requirements}\0${text ?? ''}`)
    .digest('hex')
    .slice(0, 24);
  const cache = pythonEnvCache();
  const published = join(cache, key);
  for (;;) {
    const existing = await readyEnv(published);
    if (existing) {
      say(
        `Reusing the Python environment ${key} built for identical requirements (${text === null ? `no ${requirements}` : `sha256 of ${requirements} and Python ${version}`})`,
      );
      await symlink(existing, envDir);
      return join(envDir, 'bin', 'python');
    }
    const pending = building.get(key);
    if (!pending) break;
    // Another deploy of the same requirements is building it: wait, then reuse it (or build our own
    // if that build failed, so that this task's output shows why).
    say(`Waiting for the Python environment ${key} another deploy is building for identical requirements`);
    if (!(await pending.then(() => true).catch(() => false))) break;
  }
  const job = (async () => {
    await mkdir(cache, { recursive: true });
    const own = await mkdtemp(join(cache, `${key}-`));
    try {
      await build(python, appDir, requirements, text, own, say);
      await writeFile(join(own, readyMarker), `${requirements} sha256 key ${key}\n`);
    } catch (err) {
      await rm(own, { recursive: true, force: true });
      throw err;
    }
    try {
      // Publishing is one symlink: atomic, and it fails if another process published first.
      await symlink(own, published);
      return own;
    } catch {
      const theirs = await readyEnv(published);
      if (!theirs) return own;
      await rm(own, { recursive: true, force: true });
      return theirs;
    }
  })();
  building.set(key, job);
  try {
    const dir = await job;
    say(`Python environment ${key} kept for bundles with identical requirements`);
    await symlink(dir, envDir);
    return join(envDir, 'bin', 'python');
  } finally {
    building.delete(key);
  }
}

const readyMarker = '.connect-standin-ready';

/** The environment a published link points to, if it is complete; a dangling link is removed. */
async function readyEnv(published: string): Promise<string | undefined> {
  let target: string;
  try {
    target = await readlink(published);
  } catch {
    return undefined;
  }
  if (existsSync(join(target, readyMarker)) && existsSync(join(target, 'bin', 'python'))) return target;
  await rm(published, { force: true });
  return undefined;
}

/** python -m venv, then pip install -r (when the bundle has the requirements file), into `envDir`. */
async function build(
  python: string,
  appDir: string,
  requirements: string,
  text: string | null,
  envDir: string,
  say: Say,
): Promise<void> {
  say(`Creating a virtual environment with ${python} -m venv --system-site-packages`);
  const venv = await run(python, ['-m', 'venv', '--system-site-packages', '--without-pip', envDir]);
  if (venv.code !== 0) {
    for (const line of venv.lines) say(line);
    throw new RestoreFailure(
      `Could not create the Python environment (python3 -m venv exited with ${venv.code}); on Debian install python3-venv.`,
    );
  }
  const envPython = join(envDir, 'bin', 'python');
  if (text === null) {
    say(`No ${requirements} in the bundle: nothing to install`);
    return;
  }
  const wanted = text.split('\n').filter((l) => /^\s*[^#\s]/.test(l));
  say(
    `Installing ${wanted.length} requirement${wanted.length === 1 ? '' : 's'} from ${requirements} with pip`,
  );
  const pip = await run(
    python,
    [
      '-m',
      'pip',
      '--python',
      envPython,
      'install',
      '--no-index',
      '--disable-pip-version-check',
      '--no-input',
      '-r',
      requirements,
    ],
    appDir,
    say,
  );
  if (pip.code !== 0) {
    const reason = pip.lines.findLast((l) => l.startsWith('ERROR:')) ?? `pip exited with code ${pip.code}`;
    throw new RestoreFailure(`Error code: python-package-install-failed (${reason})`);
  }
}

let pythonInstallation: Promise<string> | undefined;

/** The version of the Python that builds environments, asked once. */
export function pythonVersion(): Promise<string> {
  const python = basePython();
  pythonInstallation ??= run(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']).then(
    ({ code, lines }) => {
      if (code !== 0 || !/^\d/.test(lines[0] ?? '')) {
        pythonInstallation = undefined;
        throw new RestoreFailure(`Cannot run ${python}: install python3 (or set PYTHON to a Python 3).`);
      }
      return lines[0];
    },
  );
  return pythonInstallation;
}

/** The version of the R that runs Plumber content. */
export async function rVersion(): Promise<string> {
  return (await rInstallation()).version;
}

let rLibrary: Promise<{ version: string; libPaths: string[] }> | undefined;

/** R's version and library folders, asked of R once. */
function rInstallation(): Promise<{ version: string; libPaths: string[] }> {
  rLibrary ??= run('Rscript', [
    '-e',
    'cat(paste(R.version$major, R.version$minor, sep = "."), .libPaths(), sep = "\\n")',
  ]).then(({ code, lines }) => {
    if (code !== 0 || lines.length === 0) {
      rLibrary = undefined;
      throw new RestoreFailure('Cannot run Rscript: install R (r-base-core) to run Plumber content.');
    }
    return { version: lines[0], libPaths: lines.slice(1) };
  });
  return rLibrary;
}

/**
 * Connect restores the manifest's R packages with renv; offline, the stand-in can only use the packages
 * installed on this machine. Each one the manifest names must be there, or the task fails as a restore
 * that cannot find a package fails.
 */
export async function restoreR(manifest: Manifest, say: Say): Promise<void> {
  const { version, libPaths } = await rInstallation();
  say(`Bundle created with R version ${manifest.rVersion ?? 'unspecified'}; using R ${version}`);
  say(
    `Restoring ${manifest.rPackages.length} R package${manifest.rPackages.length === 1 ? '' : 's'} from the library (${libPaths.join(', ')})`,
  );
  const missing: string[] = [];
  for (const { name, version: wanted } of manifest.rPackages) {
    const installed = await installedVersion(name, libPaths);
    const asked = wanted ? ` (${wanted})` : '';
    if (installed === undefined) {
      say(
        `Error: package '${name}'${asked} is not available from the library and cannot be installed offline`,
      );
      missing.push(name);
    } else {
      say(`Using ${name} ${installed}${wanted && wanted !== installed ? ` (bundle has ${wanted})` : ''}`);
    }
  }
  if (missing.length > 0) {
    throw new RestoreFailure(
      `Error code: r-package-install-failed (failed to restore ${missing.map((m) => `'${m}'`).join(', ')}: not installed on this server)`,
    );
  }
}

async function installedVersion(name: string, libPaths: string[]): Promise<string | undefined> {
  if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(name)) return undefined;
  for (const lib of libPaths) {
    try {
      const description = await readFile(join(lib, name, 'DESCRIPTION'), 'utf8');
      return /^Version:\s*(\S+)/m.exec(description)?.[1] ?? 'unknown version';
    } catch {
      // Not in this library folder; try the next.
    }
  }
  return undefined;
}

/** Runs a tool to its end; its output lines (stdout and stderr) go to `say` as they come and are returned. */
function run(
  command: string,
  args: string[],
  cwd?: string,
  say?: Say,
): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    // No pip.conf of this machine: pip sees only what a fresh offline server would.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
      PIP_NO_INDEX: '1',
      PIP_CONFIG_FILE: '/dev/null',
    };
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const parts = (partial + text).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          say?.(line);
        }
      });
      stream.on('end', () => {
        if (partial) {
          lines.push(partial);
          say?.(partial);
        }
      });
    }
    child.on('error', (err) => resolve({ code: null, lines: [...lines, err.message] }));
    child.on('close', (code) => resolve({ code, lines }));
  });
}
