// Finds the k6 scripts of a corpus folder and reads what the runner needs from their text: which
// files are entry scripts (an `export default` or `export const options`, not imported by another
// file of the folder), what they import (scope: browser, gRPC, extensions, websockets; remote
// modules; npm packages that need a bundler), whether they sleep, and a rough length of their plan.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface CorpusScript {
  /** Absolute path. */
  path: string;
  /** Path relative to the corpus folder (the name in the tables). */
  name: string;
  /** Out-of-scope area (browser, grpc, extension, websockets), if any import needs one. */
  outOfScope?: string;
  /** Why the runner does not start it at all (e.g. a bare npm import that needs a bundler). */
  notRunnable?: string;
  /** https:// module URLs imported by the script or its relative imports. */
  remoteImports: string[];
  /** Sum of the duration literals in the script's files, in seconds (a rough upper bound of its plan). */
  plannedSeconds: number;
  /** The script's files name a default export (so `-u 1 -i 2` can bound it). */
  hasDefault: boolean;
  sleeps: boolean;
  abortCall: boolean;
  failCall: boolean;
}

const SCRIPT_EXT = /\.(js|mjs|ts)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);
const IMPORT_RE =
  /(?:import|export)\s+(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

const SCOPES: [RegExp, string][] = [
  [/^k6\/(experimental\/)?browser$/, 'browser'],
  [/^k6\/(net\/grpc|experimental\/grpc)$/, 'grpc'],
  [/^k6\/x\//, 'extension (xk6)'],
  [/^k6\/(ws|websockets|experimental\/websockets)$/, 'websockets'],
];

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!SKIP_DIRS.has(name)) walk(p, out);
    } else if (SCRIPT_EXT.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
}

export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const p of [base, `${base}.js`, `${base}.ts`, join(base, 'index.js')]) {
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds named by the duration literals ('1m30s', "500ms") in `source`. */
export function durationSeconds(source: string): number {
  let total = 0;
  for (const m of source.matchAll(/['"`]((?:\d+(?:\.\d+)?(?:ms|s|m|h))+)['"`]/g)) {
    for (const part of m[1].matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(part[1]) * UNITS[part[2]];
  }
  return total;
}

/** Every entry script under `root`, with what its own files and relative imports show. */
export function findScripts(root: string): CorpusScript[] {
  const files: string[] = [];
  walk(root, files);
  const imported = new Set<string>();
  const deps = new Map<string, string[]>();
  for (const f of files) {
    const specs = importsOf(readFileSync(f, 'utf8'));
    deps.set(f, specs);
    for (const s of specs) {
      if (!s.startsWith('.')) continue;
      const target = resolveRelative(f, s);
      if (target && target !== f) imported.add(target);
    }
  }
  const scripts: CorpusScript[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    if (imported.has(f) || !/export\s+(default\b|(const|let|var)\s+options\b)/.test(text)) continue;
    const closure = new Set<string>([f]);
    const queue = [f];
    const specs: string[] = [];
    while (queue.length > 0) {
      const cur = queue.pop() as string;
      for (const s of deps.get(cur) ?? importsOf(readFileSync(cur, 'utf8'))) {
        specs.push(s);
        if (!s.startsWith('.')) continue;
        const target = resolveRelative(cur, s);
        if (target && !closure.has(target)) {
          closure.add(target);
          queue.push(target);
        }
      }
    }
    const all = [...closure].map((p) => readFileSync(p, 'utf8')).join('\n');
    const scope = specs.map((s) => SCOPES.find(([re]) => re.test(s))?.[1]).find(Boolean);
    const bare = specs.find(
      (s) => !s.startsWith('.') && !s.startsWith('/') && !/^(k6$|k6\/|https?:\/\/)/.test(s),
    );
    scripts.push({
      path: f,
      name: relative(root, f),
      outOfScope: scope,
      notRunnable: bare
        ? `imports the npm package '${bare}', which k6 cannot load either without a bundler`
        : undefined,
      remoteImports: specs.filter((s) => /^https?:\/\//.test(s)),
      plannedSeconds: durationSeconds(all),
      hasDefault: /export\s+default\b|export\s*\{[^}]*\bas\s+default\b/.test(text),
      sleeps: /\bsleep\s*\(/.test(all),
      abortCall: /\babort\s*\(/.test(all),
      failCall: /\bexec\.test\.fail\s*\(|\btest\.fail\s*\(/.test(all),
    });
  }
  return scripts;
}
