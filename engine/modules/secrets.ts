// `import secrets from 'k6/secrets'`: `await secrets.get(key)` from the default source,
// `await secrets.source(name).get(key)` from a named one (default export only, as in k6).
import { secretStoreOf } from '../api/secrets.ts';
import { vuForModule } from '../registry.ts';
import { settingsOfRun } from '../run-settings.ts';

const vu = vuForModule(import.meta.url);

function store() {
  return secretStoreOf(vu.test, settingsOfRun(vu.test.runId).secretSources ?? []);
}

function sourceNamed(name: string) {
  return { get: async (key: string): Promise<string> => store().get(name, String(key)) };
}

export default { ...sourceNamed('default'), source: (name: string) => sourceNamed(String(name)) };
