// test-tier: unit
// The import graph follows the data flow: at the top level and inside the folders that have floors
// of their own (harness/, engine/), every import points down the layer list below (or stays inside
// its own folder), and nothing imports itself round a circle: neither files nor folders, at any
// depth from 1 to 3.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';

/**
 * Floors, top to bottom, per folder ('.' is the repository's top level). Folders on one line are
 * siblings: neither may import the other. Files directly inside a floored folder sit on the floor
 * named '.' when it is listed, else they may import anything below them.
 */
const FLOORS: Record<string, string[][]> = {
  '.': [['bench'], ['harness'], ['reports'], ['engine', 'standin'], ['scenarios', 'fixtures']],
  harness: [
    ['commands'],
    ['pipeline'],
    ['nightly'],
    ['reporting'],
    ['analysis'],
    ['ingest', 'node-metrics', 'connect', 'k6-operator'],
    ['record', 'stops'],
  ],
};
/** The product's top-level folders: the design card's four, plus the engine and the stand-in. */
const PRODUCT = ['scenarios', 'harness', 'reports', 'fixtures', 'engine', 'standin'];
const ROOT = join(import.meta.dirname, '..');

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

const files = FLOORS['.'].flat().flatMap((folder) => sources(folder));
const known = new Set(files);
const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => known.has(t))]));

/** The floor of `path` among the children of `parent`, or undefined when `parent` has no floors. */
function floor(parent: string, child: string): number | undefined {
  const floors = FLOORS[parent];
  if (!floors) return undefined;
  const i = floors.findIndex((line) => line.includes(child));
  return i === -1 ? undefined : i;
}

/** Strongly connected components with more than one node (Tarjan), each as a list of nodes. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return found;
}

/** The node a file belongs to at folder depth `depth`: its folder there, or the file itself. */
function nodeAt(file: string, depth: number): string {
  const parts = file.split('/');
  return parts.length > depth ? parts.slice(0, depth).join('/') : file;
}

describe('layout', () => {
  it('finds the modules and their imports', () => {
    assert.ok(files.length > 150, `only ${files.length} modules found`);
    assert.ok(graph.get(join('harness', 'commands', 'harness.ts'))?.length);
  });

  it('has exactly the product folders the design card names at the top level', () => {
    const top = readdirSync(ROOT).filter(
      (name) => !name.startsWith('.') && statSync(join(ROOT, name)).isDirectory(),
    );
    // Beside them: benchmarks, tests, scripts, and what installs, builds and runs leave (gitignored).
    const other = ['bench', 'test', 'scripts', 'node_modules', 'dist', 'runs', 'test-output'];
    assert.deepEqual(top.filter((name) => !other.includes(name)).sort(), [...PRODUCT].sort());
  });

  it('has no import that points back up the data flow or sideways between siblings', () => {
    const bad: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        const a = from.split('/');
        const b = to.split('/');
        // The deepest folder both sit in, and the child of it each one is in.
        let common = 0;
        while (common < a.length - 1 && common < b.length - 1 && a[common] === b[common]) common++;
        const parent = common === 0 ? '.' : a.slice(0, common).join('/');
        if (!FLOORS[parent]) continue;
        const [fa, fb] = [floor(parent, a[common]), floor(parent, b[common])];
        const fromRoot = a.length - 1 === common;
        if (fb === undefined && !(b.length - 1 === common)) bad.push(`${from} → ${to} (unknown floor)`);
        else if (fromRoot) continue;
        else if (fa === undefined || fb === undefined || fb <= fa) bad.push(`${from} → ${to}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('reports/ imports nothing from harness/', () => {
    const bad = [...graph].flatMap(([from, targets]) =>
      from.startsWith('reports/')
        ? targets.filter((t) => t.startsWith('harness/')).map((t) => `${from} → ${t}`)
        : [],
    );
    assert.deepEqual(bad, []);
  });

  it('has no import cycle between files', () => {
    const edges = new Map([...graph].map(([f, ts]) => [f, new Set(ts)]));
    assert.deepEqual(cycles(edges), []);
  });

  for (const depth of [1, 2, 3]) {
    it(`has no import cycle between folders at depth ${depth}`, () => {
      const edges = new Map<string, Set<string>>();
      for (const [from, targets] of graph) {
        const a = nodeAt(from, depth);
        if (!edges.has(a)) edges.set(a, new Set());
        for (const to of targets) {
          const b = nodeAt(to, depth);
          if (a !== b) edges.get(a)!.add(b);
        }
      }
      assert.deepEqual(cycles(edges), []);
    });
  }
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
  ['worker', 'outputs', 'rest-api.ts'], // the VU thread; where samples go; k6's REST API
  ['modules', 'sync'], // the k6 modules scripts import; synchronous VUs
  ['api', 'run-options.ts'], // the k6 modules' code, written once for both kinds of VU
  ['run-settings.ts'],
  ['loader'],
  ['jslib'],
  ['executors', 'registry.ts', 'vu-timers.ts'],
  ['vu.ts'], // one VU
  ['options.ts', 'test-context.ts', 'tls-options.ts'],
  ['http', 'limits.ts', 'progress.ts', 'samples.ts', 'segments.ts', 'setup-data.ts', 'summary'],
  [
    'console.ts',
    'exit-codes.ts',
    'go-time.ts',
    'health.ts',
    'log-sink.ts',
    'metrics',
    'open-promise.ts',
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

/** The top-level folder of a repository path. */
const top = (file: string) => file.split('/')[0];

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
      assert.deepEqual(cycles(edges), []);
    });
  }
});
