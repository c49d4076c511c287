// Named imports of k6's built-in modules, for both kinds of VU (./hooks.ts for async VUs,
// ../sync/bundle.ts for synchronous ones).

/** `import [d,] { a, b as c } from 'k6…'` at the start of a line (a k6 module of ../modules/). */
const BUILTIN_NAMED_IMPORT =
  /^([ \t]*)import\s+(?:([A-Za-z_$][\w$]*)\s*,\s*)?\{([^}]*)\}\s*from\s*(['"])(k6(?:\/[^'"\n]*)?)\4[ \t]*;?/gm;

/**
 * k6 resolves a named import that a built-in module does not export (`import { exec } from 'k6'`)
 * to undefined and runs the script, where an ES module would fail to link. So the named imports
 * of a k6 module become a namespace import and a destructuring on the same lines
 * (`import * as ns from 'k6'; const { a, b: c } = ns;`): a missing name is undefined, the others
 * are the module's (constant) exports. Line numbers stay the same.
 */
export function builtinImportsAsBindings(source: string, modules: Readonly<Record<string, string>>): string {
  if (!source.includes('k6')) return source;
  let n = 0;
  return source.replace(
    BUILTIN_NAMED_IMPORT,
    (whole, indent: string, defaultName: string | undefined, names: string, q: string, spec: string) => {
      if (!Object.hasOwn(modules, spec) || spec.startsWith('k6/x-engine')) return whole;
      const bindings: string[] = [];
      for (const raw of names.split(',')) {
        const m = /^\s*([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?\s*$/.exec(raw);
        if (!m) {
          if (raw.trim() === '') continue;
          return whole; // a string export name or a syntax error: left to Node
        }
        bindings.push(m[2] ? `${m[1]}: ${m[2]}` : m[1]);
      }
      const ns = `__k6_builtin_${n++}`;
      const from = `from ${q}${spec}${q};`;
      const lines = '\n'.repeat(whole.split('\n').length - 1);
      const dflt = defaultName ? `import ${defaultName} ${from} ` : '';
      return `${indent}${dflt}import * as ${ns} ${from} const { ${bindings.join(', ')} } = ${ns};${lines}`;
    },
  );
}
