import { existsSync } from 'node:fs';
import type { Manifest } from '../archive/manifest.ts';
import { type LaunchPlan, type ProcessSettings, processCount } from './launch-plan.ts';

const modulePattern = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;
const objectPattern = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\(\))?$/;
/** The names Connect tries, in order, when the entrypoint names only a module. */
const conventionalObjects = [
  { pattern: /^app\s*(:[^=\n]*)?=/m, target: 'app' },
  { pattern: /^application\s*(:[^=\n]*)?=/m, target: 'application' },
  { pattern: /^def\s+create_app\s*\(/m, target: 'create_app()' },
  { pattern: /^def\s+make_app\s*\(/m, target: 'make_app()' },
];

/** The module file an entrypoint names, as a bundle path; throws when the entrypoint is not a module name. */
export function entrypointModuleFile(entrypoint: string | null, files: ReadonlySet<string>): string {
  const module = (entrypoint ?? 'app').split(':')[0];
  if (!modulePattern.test(module)) {
    throw new Error(
      `The manifest entrypoint "${entrypoint}" is not a Python module name; use "module" or "module:object".`,
    );
  }
  const base = module.replaceAll('.', '/');
  const file = [`${base}.py`, `${base}/__init__.py`].find((f) => files.has(f));
  if (!file)
    throw new Error(`The bundle has no ${base}.py for the manifest entrypoint "${entrypoint ?? 'app'}".`);
  return file;
}

/** gunicorn's `module:object` for the manifest entrypoint, inferring the object as Connect does. */
export function wsgiTarget(entrypoint: string | null, moduleSource: string): string {
  const [module, object] = (entrypoint ?? 'app').split(':', 2);
  if (object !== undefined) {
    if (!objectPattern.test(object))
      throw new Error(`The entrypoint object "${object}" is not a Python name.`);
    return `${module}:${object}`;
  }
  const found = conventionalObjects.find((c) => c.pattern.test(moduleSource));
  if (!found) {
    throw new Error(
      `Module ${module} defines none of app, application, create_app() or make_app(); name the object in the entrypoint ("${module}:name").`,
    );
  }
  return `${module}:${found.target}`;
}

/**
 * Debian's gunicorn runs Debian's Python with python3-flask, whatever `python3` on PATH is (a
 * pyenv or venv Python may lack Flask); elsewhere the gunicorn on PATH. GUNICORN overrides both.
 */
export function gunicornCommand(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GUNICORN) return env.GUNICORN;
  return existsSync('/usr/bin/gunicorn') ? '/usr/bin/gunicorn' : 'gunicorn';
}

export function pythonApiPlan(manifest: Manifest, target: string, settings: ProcessSettings): LaunchPlan {
  const workers = processCount(settings);
  // Threads serve keep-alive connections without holding a worker each; a few per worker suit a GIL.
  const threads = Math.max(1, Math.floor(settings.max_conns_per_process ?? 4));
  return {
    kind: 'gunicorn',
    slots: 1,
    connectionsPerSlot: Math.max(workers * threads, 16),
    command: gunicornCommand(),
    args: (port) => [
      '--bind',
      `127.0.0.1:${port}`,
      '--workers',
      String(workers),
      '--worker-class',
      'gthread',
      '--threads',
      String(threads),
      // Longer than the proxy's idle timeout, so gunicorn never closes a socket the proxy is reusing.
      '--keep-alive',
      '75',
      '--graceful-timeout',
      '5',
      target,
    ],
    env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    portFromLine: (line) => {
      const m = /Listening at: http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      return m ? Number(m[1]) : undefined;
    },
    buildLines: [
      `Bundle requested Python version ${manifest.pythonVersion ?? 'unspecified'}`,
      'Using system Python /usr/bin/python3 with the packages installed on this machine',
      'Building Python API...',
    ],
    launchLine: `Launching Python API... (gunicorn ${target}, ${workers} workers x ${threads} threads)`,
  };
}
