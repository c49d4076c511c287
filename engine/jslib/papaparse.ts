// `https://jslib.k6.io/papaparse/5.1.1/index.js` offline: jslib serves the Papa Parse library
// itself (MIT), 5.1.1; this is the npm package papaparse (5.x), with what changed since 5.1.1 (its
// changelog, github.com/mholt/PapaParse releases) put back so that a script gets what 5.1.1 gives:
// - 5.4 renames repeated header names (`a`, `a_1`), adds `meta.renamedHeaders` and warns on the
//   console; 5.1.1 keeps the names (the later column's value wins in a row object).
// - 5.2 added `escapeFormulae` to unparse(); 5.1.1 does not know it.
// - 5.2 passes transformHeader the column index as a second argument; 5.1.1 passes the name only.
import Papa from 'papaparse';

type Row = Record<string, unknown> | unknown[];
interface Results {
  data: Row[] | Row;
  errors: unknown[];
  meta: { fields?: string[]; renamedHeaders?: unknown } & Record<string, unknown>;
}
type Config = Record<string, unknown>;

const isFunction = (f: unknown): f is (...args: unknown[]) => unknown => typeof f === 'function';

/**
 * A header name no CSV holds: the position is kept in it so that the npm papaparse sees every
 * name once and renames none.
 */
const REPEAT = '\u0000papaparse-5.1.1-repeat-';

function originalName(name: string): string {
  const at = name.indexOf(REPEAT);
  return at < 0 ? name : name.slice(0, at);
}

function restoreRow(row: Row): Row {
  if (Array.isArray(row) || row === null || typeof row !== 'object') return row;
  if (!Object.keys(row).some((k) => k.includes(REPEAT))) return row;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[originalName(key)] = value;
  return out;
}

function restoreResults(results: Results): Results {
  if (results === null || typeof results !== 'object') return results;
  if (Array.isArray(results.data)) results.data = (results.data as Row[]).map(restoreRow);
  else if (results.data && typeof results.data === 'object') results.data = restoreRow(results.data);
  if (results.meta) {
    if (Array.isArray(results.meta.fields)) results.meta.fields = results.meta.fields.map(originalName);
    delete results.meta.renamedHeaders;
  }
  return results;
}

function parseConfig(config: Config | undefined): Config | undefined {
  if (!config || typeof config !== 'object') return config;
  const out: Config = { ...config };
  if (out.header) {
    const seen = new Set<string>();
    const transform = config.transformHeader;
    // Called once per header, in order, before the npm package's renaming.
    out.transformHeader = (name: string, index: number) => {
      const given = isFunction(transform) ? transform(name) : name;
      const text = String(given);
      if (!seen.has(text)) {
        seen.add(text);
        return given;
      }
      return `${text}${REPEAT}${index}`;
    };
    const dynamic = config.dynamicTyping;
    if (isFunction(dynamic)) out.dynamicTyping = (field: unknown) => dynamic(fieldName(field));
    else if (dynamic && typeof dynamic === 'object') {
      out.dynamicTyping = (field: unknown) =>
        (dynamic as Record<string, unknown>)[fieldName(field) as string] === true;
    }
    const transformValue = config.transform;
    if (isFunction(transformValue))
      out.transform = (value: unknown, field: unknown) => transformValue(value, fieldName(field));
  }
  for (const name of ['step', 'chunk'] as const) {
    const callback = config[name];
    if (isFunction(callback))
      out[name] = (results: Results, parser: unknown) => callback(restoreResults(results), parser);
  }
  const complete = config.complete;
  if (isFunction(complete)) {
    out.complete = (results: Results, file: unknown) =>
      complete(results ? restoreResults(results) : results, file);
  }
  return out;
}

function fieldName(field: unknown): unknown {
  return typeof field === 'string' ? originalName(field) : field;
}

const Papa511 = Object.create(Papa) as typeof Papa;
Object.assign(Papa511, {
  parse(input: unknown, config?: Config): unknown {
    const results = (Papa.parse as (i: unknown, c?: Config) => unknown)(input, parseConfig(config));
    return results && typeof results === 'object' && 'meta' in results
      ? restoreResults(results as Results)
      : results;
  },
  unparse(data: unknown, config?: Config): string {
    const options = config && typeof config === 'object' ? { ...config, escapeFormulae: false } : config;
    return (Papa.unparse as (d: unknown, c?: Config) => string)(data, options);
  },
});

export default Papa511;
