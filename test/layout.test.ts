// test-tier: unit
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
