// Thread-wide lookup from a facade module's URL (`...?__run=R&__vu=N`) to the VU it belongs to
// (a VU thread runs one test, and ends with it).
// A global keyed by a registered symbol so it survives being reached through several module URLs.
import type { VU } from './vu.ts';

const KEY = Symbol.for('connect-perf-engine.vus');
type Store = Map<string, Map<string, VU>>;

function store(): Store {
  const g = globalThis as unknown as Record<symbol, Store>;
  g[KEY] ??= new Map();
  return g[KEY];
}

export function addVU(vu: VU): void {
  const s = store();
  let run = s.get(vu.test.runId);
  if (!run) {
    run = new Map();
    s.set(vu.test.runId, run);
  }
  run.set(vu.moduleKey, vu);
}

export function vuForModule(moduleUrl: string): VU {
  const query = new URL(moduleUrl).searchParams;
  const vu = store()
    .get(query.get('__run') ?? '')
    ?.get(query.get('__vu') ?? '');
  if (!vu) {
    throw new Error(
      'k6 modules can only be imported by a script that the engine runs (engine/index.ts runTest or the CLI).',
    );
  }
  return vu;
}
