import { after, test } from 'node:test';
import { NODE_ONLY_GLOBALS } from '../engine/loader/require-prelude.ts';
import { assertChecksPassed, runOnBothKinds, tempDir } from './engine-fixtures.ts';

const files = tempDir();
after(() => files.cleanup());

test('Node-only globals are hidden, k6 globals stay, own declarations win', async () => {
  files.write('lib.js', 'export const URL = "mine"; export const seen = typeof Buffer + typeof Blob;');
  const runs = await runOnBothKinds(
    files,
    'globals',
    `import { check } from 'k6';
import { URL as ownURL, seen as libSeen } from './lib.js';
const names = ${JSON.stringify(NODE_ONLY_GLOBALS)};
// Bare names, read at init: each of them is written out so the module's text names it.
const bare = [${NODE_ONLY_GLOBALS.map((n) => `typeof ${n}`).join(', ')}];
const k6Own = [typeof crypto, typeof TextEncoder, typeof TextDecoder, typeof setTimeout, typeof clearInterval, typeof open, typeof console, typeof __ENV, typeof global];
export const options = { iterations: 1 };
export default FN () {
  let error = '';
  try { Buffer.from('x'); } catch (e) { error = e.name; }
  const onGlobal = names.filter((n) => n in globalThis || globalThis[n] !== undefined || Object.keys(globalThis).includes(n));
  globalThis.structuredClone = 'set by the script';
  check(null, {
    'no bare name': () => bare.every((t) => t === 'undefined'),
    'none on globalThis': () => onGlobal.length === 0,
    "k6's globals": () => k6Own.join() === 'object,function,function,function,function,function,object,object,object',
    'a use fails the iteration code': () => error === 'TypeError',
    "what a script sets on globalThis is its own": () => globalThis.structuredClone === 'set by the script' && 'structuredClone' in globalThis,
    'a module that declares the name keeps it': () => ownURL === 'mine' && libSeen === 'undefinedundefined',
  });
}`,
    {},
  );
  for (const [kind, r] of Object.entries(runs)) assertChecksPassed(r, 6, kind);
});
