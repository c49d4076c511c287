import type { LaunchPlan } from './launch-plan.ts';

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
 * One gunicorn (one worker, threads = max_conns_per_process) run by the bundle's own environment's
 * Python, so the app imports what its environment holds.
 */
export function pythonApiPlan(target: string, python: string): LaunchPlan {
  return {
    kind: 'gunicorn',
    command: python,
    args: (port, limits) => [
      '-m',
      'gunicorn',
      '--bind',
      `127.0.0.1:${port}`,
      '--workers',
      '1',
      '--worker-class',
      'gthread',
      '--threads',
      String(Math.min(64, limits.maxConnsPerProcess)),
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
    wantsBasePath: true,
    buildLine: 'Building Python API...',
  };
}
