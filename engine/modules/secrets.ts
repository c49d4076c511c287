// `import secrets from 'k6/secrets'`: `await secrets.get(key)` from the default source,
// `await secrets.source(name).get(key)` from a named one (default export only, as in k6).
import { readSecret } from '../api/secrets.ts';
import { vuForModule } from '../registry.ts';

const vu = vuForModule(import.meta.url);

function sourceNamed(name: string) {
  return { get: async (key: string): Promise<string> => readSecret(vu.test, name, String(key)) };
}

export default { ...sourceNamed('default'), source: (name: string) => sourceNamed(String(name)) };
