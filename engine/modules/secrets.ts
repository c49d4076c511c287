// `import secrets from 'k6/secrets'`, on both kinds of VU: `await secrets.get(key)` from the
// default source, `await secrets.source(name).get(key)` from a named one (default export only, as
// in k6).
import { moduleVU } from './module-vu.ts';

const vu = moduleVU(import.meta.url);

function sourceNamed(name: string) {
  return {
    get: async (key: string): Promise<string> => vu.secret(name, String(key)),
  };
}

export default { ...sourceNamed('default'), source: (name: string) => sourceNamed(String(name)) };
