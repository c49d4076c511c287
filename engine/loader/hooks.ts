// Module-loader hooks (run on Node's loader thread, registered by ./register.ts).
// A VU's copy of the script is imported as `file:///script.js?__run=R&__vu=N`. Every import made
// from such a module inherits that query, so each VU gets its own instance of every script module
// and of the k6 module facades. Script modules get a one-line prelude that shadows `__VU`, `__ITER`,
// `__ENV`, `console` and the timer functions (those the module does not declare itself) with
// per-VU bindings, so they stay right across awaits without any async-context tracking on the
// hot path.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface LoaderData {
  /** `k6/http` → file URL of the engine's facade module. */
  modules: Record<string, string>;
  /** Files under this URL (the engine itself) are never given the per-VU prelude. */
  engineUrl: string;
}

let modules: Record<string, string> = {};
let engineUrl = '';
const sourceCache = new Map<string, string>();

export function initialize(data: LoaderData): void {
  modules = data.modules;
  engineUrl = data.engineUrl;
}

function vuQuery(url: string | undefined): string | null {
  if (!url) return null;
  const q = url.indexOf('?');
  if (q < 0) return null;
  const query = url.slice(q + 1);
  return query.includes('__run=') ? query : null;
}

function withQuery(url: string, query: string): string {
  const q = url.indexOf('?');
  return `${q < 0 ? url : url.slice(0, q)}?${query}`;
}

type Resolve = (
  specifier: string,
  context: { parentURL?: string },
) => Promise<{ url: string; format?: string }>;

/** A file of the user's script, resolved as k6 does (exact path, ES module), not by the dev-time TypeScript loader. */
function scriptFile(url: URL): boolean {
  try {
    return url.protocol === 'file:' && statSync(fileURLToPath(url)).isFile();
  } catch {
    return false;
  }
}

export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  nextResolve: Resolve,
): Promise<{ url: string; format?: string; shortCircuit?: boolean }> {
  // The entry script of a VU: `file:///script.js?__run=R&__vu=N`.
  if (vuQuery(specifier) !== null && specifier.startsWith('file:') && scriptFile(new URL(specifier))) {
    return { url: specifier, format: 'module', shortCircuit: true };
  }
  const query = vuQuery(context.parentURL);
  if (query === null) return nextResolve(specifier, context);
  if (specifier === 'k6' || specifier.startsWith('k6/')) {
    const target = modules[specifier];
    if (!target) {
      throw new Error(
        `The module "${specifier}" is not available in the node engine; it supports ${Object.keys(modules)
          .filter((m) => !m.includes('x-engine'))
          .join(', ')}. Run this script with the k6 binary (--engine k6) instead.`,
      );
    }
    return { url: `${target}?${query}`, format: 'module', shortCircuit: true };
  }
  if (/^https?:\/\//.test(specifier)) {
    throw new Error(
      `Remote module "${specifier}" cannot be loaded by the node engine; bundle it into the script (esbuild --bundle).`,
    );
  }
  if (/^(\.{0,2}\/|file:)/.test(specifier) && context.parentURL) {
    const target = new URL(specifier, context.parentURL);
    if (scriptFile(target) && !target.href.startsWith(engineUrl) && !target.href.includes('/node_modules/')) {
      return { url: withQuery(target.href, query), format: 'module', shortCircuit: true };
    }
  }
  const resolved = await nextResolve(specifier, context);
  const own = resolved.url.startsWith(engineUrl) || resolved.url.includes('/node_modules/');
  if (resolved.url.startsWith('file:') && !own) {
    return { ...resolved, url: withQuery(resolved.url, query) };
  }
  return resolved;
}

type Load = (
  url: string,
  context: object,
) => Promise<{ format?: string; source?: string | ArrayBuffer | Uint8Array }>;

export async function load(
  url: string,
  context: { format?: string },
  nextLoad: Load,
): Promise<{ format?: string; source?: string | ArrayBuffer | Uint8Array; shortCircuit?: boolean }> {
  const query = vuQuery(url);
  if (query === null || url.startsWith(engineUrl) || !url.startsWith('file:')) return nextLoad(url, context);
  const plain = url.slice(0, url.indexOf('?'));
  let source = sourceCache.get(plain);
  let format = 'module';
  if (source === undefined) {
    if (/\.(m?js)$/.test(plain)) {
      source = await readFile(new URL(plain), 'utf8');
    } else {
      const loaded = await nextLoad(url, { ...context, format: context.format ?? 'module' });
      format = loaded.format ?? 'module';
      source = typeof loaded.source === 'string' ? loaded.source : new TextDecoder().decode(loaded.source);
    }
    sourceCache.set(plain, source);
  }
  return { format, source: withPrelude(source, query), shortCircuit: true };
}

const TIMERS = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'];

/** Whether the module declares or imports `name` itself (then the prelude must not bind it). */
function declares(source: string, name: string): boolean {
  return new RegExp(
    `\\b(?:const|let|var|function|class)\\s+${name}\\b|import\\s*\\{[^}]*\\b${name}\\b[^}]*\\}|\\{[^}]*\\b${name}\\b[^}]*\\}\\s*=[^=]`,
  ).test(source);
}

function withPrelude(source: string, query: string): string {
  const vu = /(?:^|&)__vu=(\d+)/.exec(query)?.[1] ?? '0';
  const timers = TIMERS.filter((name) => !declares(source, name));
  const names = ['__ITER', '__ENV', 'console', ...timers].join(',');
  const prelude = `import{${names}}from"k6/x-engine-context";const __VU=${vu};`;
  if (source.startsWith('#!')) {
    const nl = source.indexOf('\n');
    return `${source.slice(0, nl + 1)}${prelude}${source.slice(nl + 1)}`;
  }
  return prelude + source;
}
