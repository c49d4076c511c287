// `--out` values: which outputs to open. Only k6's `json` output exists in this engine; anything
// else is refused up front so a run never silently drops the results the user asked for.
import { InvalidOptionsError } from '../metrics/errors.ts';

export interface OutputSpec {
  type: 'json';
  /** File path; "-" means stdout. A name ending in ".gz" is gzip-compressed. */
  target: string;
}

const SUPPORTED = 'json (--out json=results.json, --out json=results.json.gz, or --out json for stdout)';

/** Parses one `--out` value: `json`, `json=FILE`, `json=-`. */
export function parseOut(value: string): OutputSpec {
  const text = value.trim();
  const eq = text.indexOf('=');
  const type = (eq === -1 ? text : text.slice(0, eq)).trim();
  const target = eq === -1 ? '' : text.slice(eq + 1).trim();
  if (type !== 'json') {
    throw new InvalidOptionsError(
      type === ''
        ? `--out needs an output type; the supported output is ${SUPPORTED}.`
        : `--out ${type} is not supported by this engine; the supported output is ${SUPPORTED}.`,
    );
  }
  return { type, target: target === '' ? '-' : target };
}

/** Parses every `--out` flag given. */
export function parseOuts(values: string[]): OutputSpec[] {
  return values.map(parseOut);
}
