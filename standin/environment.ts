import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
 * Connect's Python restore: a virtualenv for the bundle, then pip installs the bundle's requirements
 * into it. pip runs offline (--no-index), so a requirement the machine already has is "already
 * satisfied" and one it lacks fails exactly as pip fails. Returns the environment's python.
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
  say(`Creating a virtual environment with ${python} -m venv --system-site-packages`);
  const venv = await run(python, ['-m', 'venv', '--system-site-packages', '--without-pip', envDir]);
  if (venv.code !== 0) {
    for (const line of venv.lines) say(line);
    throw new RestoreFailure(
      `Could not create the Python environment (python3 -m venv exited with ${venv.code}); on Debian install python3-venv.`,
    );
  }
  const envPython = join(envDir, 'bin', 'python');
  const requirements = safeEntryPath(manifest.pythonPackageFile ?? 'requirements.txt');
  if (!files.has(requirements)) {
    say(`No ${requirements} in the bundle: nothing to install`);
    return envPython;
  }
  const wanted = (await readFile(join(appDir, requirements), 'utf8'))
    .split('\n')
    .filter((l) => /^\s*[^#\s]/.test(l));
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
  return envPython;
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
