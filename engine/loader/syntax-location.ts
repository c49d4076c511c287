// Where a script's syntax error is. V8's SyntaxError for a module that does not compile names
// neither the file nor the line (Node prints them only when such an error goes uncaught), so when
// one stops a script, the engine parses the script's local modules again with esbuild, from the
// entry script down its relative imports, and takes the first error esbuild reports.
import { dirname, isAbsolute, resolve } from 'node:path';

export interface SyntaxLocation {
  /** The module's path on disk. */
  file: string;
  /** 1-based line and column, as editors count them. */
  line: number;
  column: number;
}

/** Whether `err` is a module that did not compile (not a SyntaxError thrown by running code, e.g. JSON.parse). */
export function isCompileError(err: unknown): err is SyntaxError {
  if (!(err instanceof SyntaxError)) return false;
  // A SyntaxError thrown while code runs has that code's frames; a module's compile error has only
  // Node's own (node:internal/…) frames.
  return !/\n\s+at .*(?:file:|https?:)\/\//.test(err.stack ?? '');
}

/** The first syntax error in the script's local modules, or null when esbuild finds none. */
export async function syntaxErrorLocation(scriptPath: string): Promise<SyntaxLocation | null> {
  const { build } = await import('esbuild');
  const dir = dirname(scriptPath);
  try {
    await build({
      entryPoints: [scriptPath],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      logLevel: 'silent',
      format: 'esm',
      platform: 'neutral',
      plugins: [
        {
          name: 'local-modules-only',
          setup(b) {
            // Only the script's own files are parsed: k6 modules, remote modules and anything else
            // are left to the engine's loader.
            b.onResolve({ filter: /.*/ }, (args) =>
              /^(\.{1,2}\/|\/|file:)/.test(args.path) || args.kind === 'entry-point'
                ? undefined
                : { path: args.path, external: true },
            );
          },
        },
      ],
    });
    return null;
  } catch (err) {
    const errors = (
      err as {
        errors?: Array<{ text: string; location: { file: string; line: number; column: number } | null }>;
      }
    ).errors;
    const first = errors?.find((e) => e.location !== null && !/^Could not resolve/.test(e.text));
    if (!first?.location) return null;
    const { file, line, column } = first.location;
    return { file: isAbsolute(file) ? file : resolve(dir, file), line, column: column + 1 };
  }
}
