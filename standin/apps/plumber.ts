import { safeEntryPath } from '../archive/entry-rules.ts';
import type { LaunchPlan } from './launch-plan.ts';

/** R's argument to plumber::plumb() for this bundle: an explicit entry file, or the folder (plumber.R / entrypoint.R). */
export function plumbArgument(entrypoint: string | null, files: ReadonlySet<string>): string {
  if (entrypoint !== null && entrypoint !== '') {
    let path: string;
    try {
      path = safeEntryPath(entrypoint);
    } catch {
      throw new Error(`The manifest entrypoint "${entrypoint}" points outside the bundle.`);
    }
    if (!/^[\w./-]+\.[Rr]$/.test(path) || !files.has(path)) {
      throw new Error(`The manifest entrypoint "${entrypoint}" is not an R file of the bundle.`);
    }
    return `file = "${path}"`;
  }
  if (!files.has('plumber.R') && !files.has('entrypoint.R')) {
    throw new Error(
      'The bundle has neither plumber.R nor entrypoint.R at its root; add one for a Plumber API.',
    );
  }
  return 'dir = "."';
}

export function plumberPlan(plumb: string): LaunchPlan {
  const script = [
    'options(warn = 1)',
    `pr <- plumber::plumb(${plumb})`,
    'pr$run(host = "127.0.0.1", port = as.integer(Sys.getenv("STANDIN_PORT")), docs = FALSE, quiet = TRUE)',
  ].join('; ');
  return {
    kind: 'R',
    command: 'Rscript',
    args: () => ['-e', script],
    env: {},
    wantsBasePath: false,
    buildLine: 'Building Plumber API...',
  };
}
