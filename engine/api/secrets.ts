// k6's secret sources (`--secret-source TYPE=CONFIG`) and the `k6/secrets` API over them. The
// built-in sources k6 documents: `file` (key=value lines) and `mock` (key=value pairs on the command
// line). `name=N` names a source (its type by default) and `default` makes it the default one; a
// single source is the default. Every value a script gets is redacted from the test's log lines,
// as k6 does, by replacing it with ***SECRET_REDACTED***.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { settingsOfRun } from '../run-settings.ts';
import type { TestContext } from '../test-context.ts';

export const REDACTED = '***SECRET_REDACTED***';
const TYPES = ['file', 'mock'];

export interface SecretSourceSpec {
  type: 'file' | 'mock';
  name: string;
  isDefault: boolean;
  /** file: the path; mock: unused. */
  filename: string;
  /** mock: the secrets. */
  values: Map<string, string>;
}

/** Parses one --secret-source value; throws a sentence on a mistake (a command-line error). */
export function parseSecretSource(spec: string): SecretSourceSpec {
  const eq = spec.indexOf('=');
  const type = eq < 0 ? spec : spec.slice(0, eq);
  if (!TYPES.includes(type)) {
    throw new Error(
      `--secret-source "${type}" is not a secret source this engine has; use file=PATH or mock=KEY=VALUE,… (k6's built-in sources).`,
    );
  }
  const out: SecretSourceSpec = {
    type: type as 'file' | 'mock',
    name: type,
    isDefault: false,
    filename: '',
    values: new Map(),
  };
  const items = eq < 0 ? [] : spec.slice(eq + 1).split(',');
  for (const item of items) {
    const cut = item.indexOf('=');
    const key = cut < 0 ? item : item.slice(0, cut);
    const value = cut < 0 ? '' : item.slice(cut + 1);
    if (item === 'default') out.isDefault = true;
    else if (key === 'name' && cut > 0) out.name = value;
    else if (out.type === 'file' && cut < 0) out.filename = item;
    else if (out.type === 'file' && key === 'filename') out.filename = value;
    else if (out.type === 'file')
      throw new Error(`--secret-source file: unknown setting "${key}" (use PATH or filename=PATH).`);
    else if (cut < 0) throw new Error(`--secret-source mock: "${item}" needs KEY=VALUE.`);
    else out.values.set(key, value);
  }
  if (out.type === 'file' && !out.filename)
    throw new Error('--secret-source file needs the path of the secrets file: file=PATH.');
  return out;
}

/** The secrets of one test: sources by name, and the values handed out (to redact). */
export class SecretStore {
  private readonly sources = new Map<string, Map<string, string>>();
  private readonly handedOut = new Set<string>();

  /** Reads the sources (file paths from the working directory, as k6); a bad file throws a sentence. */
  constructor(specs: string[]) {
    const parsed = specs.map(parseSecretSource);
    for (const spec of parsed) {
      if (this.sources.has(spec.name)) {
        throw new Error(`two secret sources are named "${spec.name}"; give one of them name=….`);
      }
      const values = spec.type === 'file' ? readSecretsFile(resolve(spec.filename)) : spec.values;
      this.sources.set(spec.name, values);
    }
    const defaults = parsed.filter((s) => s.isDefault);
    if (defaults.length > 1) throw new Error('more than one secret source is marked default.');
    const def = defaults[0] ?? (parsed.length === 1 ? parsed[0] : undefined);
    if (def) this.sources.set('default', this.sources.get(def.name) as Map<string, string>);
  }

  get(sourceName: string, key: string): string {
    // k6's own sentences (grafana/k6 secretsource/manager.go and its file and mock sources).
    if (this.sources.size === 0) throw new Error('no secret sources are configured');
    const source = this.sources.get(sourceName);
    if (!source) throw new Error(`no secret source with name "${sourceName}" is configured`);
    const value = source.get(key);
    if (value === undefined) throw new Error('no value');
    if (value !== '') this.handedOut.add(value);
    return value;
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.handedOut) out = out.split(value).join(REDACTED);
    return out;
  }
}

function readSecretsFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the secrets file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const values = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line === '') return;
    const cut = line.indexOf('=');
    if (cut < 0) throw new Error(`the secrets file ${path}, line ${i + 1}: needs KEY=VALUE.`);
    values.set(line.slice(0, cut), line.slice(cut + 1));
  });
  return values;
}

const stores = new WeakMap<TestContext, SecretStore>();

/** The test's secret store, made on first use; from then on its log lines are redacted. */
export function secretStoreOf(test: TestContext, specs: string[]): SecretStore {
  let store = stores.get(test);
  if (!store) {
    store = new SecretStore(specs);
    stores.set(test, store);
    const s = store;
    test.redactWith((text) => s.redact(text));
  }
  return store;
}

/** `secrets.get(key)` / `secrets.source(name).get(key)` of a script in `test`. */
export function readSecret(test: TestContext, sourceName: string, key: string): string {
  return secretStoreOf(test, settingsOfRun(test.runId).secretSources ?? []).get(sourceName, key);
}
