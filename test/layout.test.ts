// The import graph follows the data flow: every import points down the layer list below (or stays
// inside its own folder), and no set of modules imports itself round a circle.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

/** Top to bottom. Folders on one line are siblings: neither may import the other. */
const LAYERS: string[][] = [
  ['commands'],
  ['pipeline'],
  ['nightly'],
  ['reports'],
  ['analysis'],
  ['ingest', 'node-metrics', 'connect', 'engine', 'k6-operator', 'standin'],
  ['scenarios', 'fixtures'],
  ['record', 'stops'],
];
const ROOT = join(import.meta.dirname, '..');
const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return /\.(ts|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^import\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(file), m[1] ?? m[2] ?? m[3])));
}

const files = LAYERS.flat().flatMap((folder) => sources(folder));
const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => !t.startsWith('..'))]));
const top = (path: string) => path.split('/')[0];

describe('layout', () => {
  it('finds the modules and their imports', () => {
    assert.ok(files.length > 150, `only ${files.length} modules found`);
    assert.ok(graph.get(join('commands', 'harness.ts'))?.length);
  });

  it('has no import that points back up the data flow or sideways between siblings', () => {
    const bad: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        if (top(from) === top(to)) continue;
        const [a, b] = [rank.get(top(from)), rank.get(top(to))];
        if (b === undefined || a === undefined || b <= a)
          bad.push(`${from} → ${relative(ROOT, join(ROOT, to))}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('has no import cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const to of graph.get(file) ?? []) visit(to, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });
});

/**
 * Inside engine/, top to bottom: each entry is a folder or a root file of engine/, and may import
 * only what stands on a lower line (nothing on its own line, nothing above). In import terms the
 * k6 modules stand above the VU (they ask their VU, api/module-vu.ts) and HTTP below it (it asks
 * for what http/settings.ts HttpVU names).
 */
const ENGINE_FLOORS: string[][] = [
  ['bin.mjs'],
  ['cli.ts', 'index.ts'], // the command and the library
  ['adapters', 'cli-args.ts'],
  ['run.ts'],
  ['lifecycle.ts'], // the main thread's side of a run
  ['worker', 'outputs'], // the VU thread; where samples go
  ['modules', 'sync'], // the k6 modules scripts import; synchronous VUs
  ['api', 'run-options.ts'], // the k6 modules' code, written once for both kinds of VU
  ['run-settings.ts'],
  ['loader'],
  ['jslib'],
  ['executors', 'registry.ts', 'vu-timers.ts'],
  ['vu.ts'], // one VU
  ['options.ts', 'test-context.ts', 'tls-options.ts'],
  ['http', 'limits.ts', 'progress.ts', 'samples.ts', 'summary'],
  [
    'console.ts',
    'exit-codes.ts',
    'health.ts',
    'log-sink.ts',
    'metrics',
    'open.ts',
    'own-file.ts',
    'vu-errors.ts',
  ],
];
const engineFloor = new Map(ENGINE_FLOORS.flatMap((units, i) => units.map((u) => [u, i] as const)));
/** engine/a/b/c.ts → its folder (or root file) `depth` levels below engine/: depth 1 → 'a', 2 → 'a/b'. */
const unitAt = (file: string, depth: number) =>
  file
    .split('/')
    .slice(1, depth + 1)
    .join('/');

/** The strongly connected sets (more than one node) of a graph: each is an import cycle. */
function cyclesOf(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) as number, order.get(w) as number));
    }
    if (low.get(v) === order.get(v)) {
      const set: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        set.push(w);
      } while (w !== v);
      if (set.length > 1) out.push(set.sort());
    }
  };
  for (const v of edges.keys()) if (!order.has(v)) visit(v);
  return out;
}

describe('engine layout', () => {
  const engineFiles = [...graph.keys()].filter((f) => top(f) === 'engine');

  it('imports nothing outside engine/ (the engine stays usable alone)', () => {
    const out = engineFiles.flatMap((from) =>
      (graph.get(from) ?? []).filter((to) => top(to) !== 'engine').map((to) => `${from} → ${to}`),
    );
    assert.deepEqual(out, []);
  });

  it('places every folder and root file of engine/ on a floor, and every import points down', () => {
    const unplaced = [...new Set(engineFiles.map((f) => unitAt(f, 1)))].filter((u) => !engineFloor.has(u));
    assert.deepEqual(unplaced, [], 'add these to ENGINE_FLOORS');
    const bad: string[] = [];
    for (const from of engineFiles) {
      for (const to of graph.get(from) ?? []) {
        if (top(to) !== 'engine') continue;
        const [a, b] = [unitAt(from, 1), unitAt(to, 1)];
        if (a === b) continue;
        if ((engineFloor.get(b) ?? -1) <= (engineFloor.get(a) ?? -1)) bad.push(`${from} → ${to}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  for (const depth of [1, 2, 3]) {
    it(`has no import cycle between engine's folders ${depth} level${depth > 1 ? 's' : ''} down`, () => {
      const edges = new Map<string, Set<string>>();
      for (const from of engineFiles) {
        for (const to of graph.get(from) ?? []) {
          if (top(to) !== 'engine') continue;
          const [a, b] = [unitAt(from, depth), unitAt(to, depth)];
          if (a === b) continue;
          if (!edges.has(a)) edges.set(a, new Set());
          edges.get(a)?.add(b);
        }
      }
      assert.deepEqual(cyclesOf(edges), []);
    });
  }
});
