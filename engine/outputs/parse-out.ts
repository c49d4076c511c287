// `--out` values: which outputs to open. Anything not in the registry is refused up front so a
// run never silently drops the results the user asked for.
import { InvalidOptionsError } from '../metrics/errors.ts';
import type { OutputType } from './output.ts';

export interface OutputSpec {
  type: string;
  /** The text after "=": a file path for json ("-" or nothing means stdout). */
  target: string;
}

function supported(types: Record<string, OutputType>): string {
  const list = Object.entries(types).map(([name, t]) => `${name} (${t.usage})`);
  return list.length === 1
    ? `the supported output is ${list[0]}`
    : `the supported outputs are ${list.join(', ')}`;
}

/** Parses one `--out` value: `TYPE`, `TYPE=TARGET`. */
export function parseOut(value: string, types: Record<string, OutputType>): OutputSpec {
  const text = value.trim();
  const eq = text.indexOf('=');
  const type = (eq === -1 ? text : text.slice(0, eq)).trim();
  const target = eq === -1 ? '' : text.slice(eq + 1).trim();
  if (!Object.hasOwn(types, type)) {
    throw new InvalidOptionsError(
      type === ''
        ? `--out needs an output type; ${supported(types)}.`
        : `--out ${type} is not supported by this engine; ${supported(types)}.`,
    );
  }
  return { type, target };
}

/** Parses every `--out` flag given. */
export function parseOuts(values: string[], types: Record<string, OutputType>): OutputSpec[] {
  return values.map((v) => parseOut(v, types));
}
