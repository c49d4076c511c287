// k6's jslib libraries (https://jslib.k6.io/<library>/<version>/index.js) that the engine can
// stand in for when the URL cannot be downloaded and is not in the module cache: the engine's own
// implementations of their documented APIs (./k6-utils.ts, ./k6-summary.ts, ./papaparse.ts), never
// jslib's code. Each is an internal k6 module name (registered in ../loader/register.ts MODULES and
// ../sync/bundle.ts SYNC_MODULES); the module source served in the download's place re-exports
// the names the requested version has and prints one info line per run (./notice.ts).

import { REPORTER_REFS } from './k6-reporter.ts';

interface Library {
  /** Versions jslib.k6.io serves that we stand in for. */
  versions: readonly string[];
  /** The internal module that implements the library. */
  module: string;
  /** The names a version exports: `name` or `internal as name`. */
  exports(version: string): string[];
  /** Whether the library's module has a default export (`import Papa from …`). */
  hasDefault?: boolean;
  /** What stands in for it, for the run's info line. */
  standIn: string;
  /** Further lines of the served module (its own exports), for a version. */
  body?(version: string): string[];
}

/** Whether `version` (`1.4.0`) is `min` or later. */
const at = (version: string, min: string): boolean => {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
};

const LIBRARIES: Readonly<Record<string, Library>> = {
  'k6-utils': {
    versions: ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0'],
    module: 'k6/x-engine-jslib/k6-utils',
    exports: (v) => [
      'randomIntBetween',
      'randomItem',
      // Before 1.2.0 randomString took no character set.
      at(v, '1.2.0') ? 'randomString' : 'randomLowercase as randomString',
      'uuidv4',
      // 1.1.0's findBetween takes no `repeat` and gives '' when nothing matches; later ones null.
      ...(v === '1.1.0' ? ['findBetweenFirst as findBetween'] : at(v, '1.2.0') ? ['findBetween'] : []),
      ...(at(v, '1.2.0') ? ['normalDistributionStages'] : []),
      ...(at(v, '1.3.0')
        ? ['getCurrentStageIndex', 'tagWithCurrentStageIndex', 'tagWithCurrentStageProfile', 'parseDuration']
        : []),
      // 1.6.0's check also awaits a Promise given as the value.
      ...(at(v, '1.6.0') ? ['checkAwaitingValue as check'] : at(v, '1.5.0') ? ['check'] : []),
    ],
    standIn: "the node engine's offline implementation of its documented API",
  },
  'k6-summary': {
    versions: ['0.0.1', '0.0.2', '0.0.3', '0.0.4', '0.1.0'],
    module: 'k6/x-engine-jslib/k6-summary',
    // Each version's own rendering (./k6-summary.ts): 0.0.1 sorts metric names plainly; the JUnit
    // failure messages changed in 0.0.3, 0.0.4 and 0.1.0.
    exports: (v) => [
      v === '0.0.1' ? 'textSummaryPlainOrder as textSummary' : 'textSummary',
      'humanizeValue',
      v === '0.0.3'
        ? 'jUnitTypedMessages as jUnit'
        : v === '0.0.4'
          ? 'jUnitAllValuesIndented as jUnit'
          : v === '0.1.0'
            ? 'jUnitWithClassname as jUnit'
            : 'jUnit',
    ],
    standIn: "the node engine's offline implementation of that version's text and JUnit output",
  },
  formdata: {
    versions: ['0.0.1', '0.0.2'],
    module: 'k6/x-engine-jslib/formdata',
    exports: (v) =>
      v === '0.0.1'
        ? ['FormDataFilesOnly as FormData', 'formDataFilesOnlyExports as default']
        : ['FormData', 'formDataExports as default'],
    standIn: "the node engine's offline implementation of that version's FormData",
  },
  url: {
    versions: ['1.0.0'],
    module: 'k6/x-engine-jslib/url',
    exports: () => ['URL', 'URLSearchParams', 'urlExports as default'],
    standIn: "Node's URL and URLSearchParams (the same URL Standard), narrowed to what that version has",
  },
  totp: {
    versions: ['1.0.0'],
    module: 'k6/x-engine-jslib/totp',
    exports: () => ['TOTP'],
    standIn: "the node engine's offline implementation of that version's TOTP",
  },
  'form-urlencoded': {
    versions: ['3.0.0'],
    module: 'k6/x-engine-jslib/form-urlencoded',
    exports: () => [],
    hasDefault: true,
    standIn: "the node engine's offline implementation of that version's encoder",
  },
  httpx: {
    versions: ['0.0.1', '0.0.2', '0.0.3', '0.0.4', '0.0.5', '0.0.6', '0.1.0'],
    module: 'k6/x-engine-jslib/httpx',
    // Each version's own session class (./httpx.ts); no version has a default export. Request
    // and its method classes take an `http.url` template from 0.0.5; 0.1.0 adds Head, Connect
    // and Trace.
    exports: (v) => [
      `Httpx${v.replaceAll('.', '')} as Httpx`,
      ...(at(v, '0.0.5')
        ? ['Request', 'Get', 'Post', 'Put', 'Patch', 'Delete', 'Options']
        : ['Request', 'Get', 'Post', 'Put', 'Patch', 'Delete', 'Options'].map((c) => `Plain${c} as ${c}`)),
      ...(at(v, '0.1.0') ? ['Head', 'Connect', 'Trace'] : []),
    ],
    standIn: "the node engine's offline implementation of that version's session",
  },
  k6chaijs: {
    versions: ['4.3.4.0', '4.3.4.1', '4.3.4.2', '4.3.4.3', '4.5.0.0', '4.5.0.1'],
    module: 'k6/x-engine-jslib/k6chaijs',
    // Each version's own glue and chai release (./k6chaijs.ts); 4.3.4.0 and 4.3.4.1 export `chai`
    // by name (and, being CommonJS without a `default`, their whole exports object as the default
    // import), later versions chai as the default export.
    exports: (v) => {
      const id = v.replaceAll('.', '');
      return [
        `describe${id} as describe`,
        `expect${id} as expect`,
        ...(at(v, '4.3.4.2') ? [`chai${id} as default`] : [`chai${id} as chai`, `module${id} as default`]),
      ];
    },
    standIn: "the npm package chai at the release that version bundles, with the node engine's k6 glue",
  },
  'k6-testing': {
    versions: ['0.1.0', '0.2.0', '0.3.0', '0.4.0', '0.5.0', '0.6.0', '0.6.1'],
    module: 'k6/x-engine-jslib/k6-testing',
    // Each version's own expect() (./k6-testing.ts), and the published colorize().
    exports: (v) => [`expect${v.replaceAll('.', '')} as expect`, 'colorize'],
    standIn: "the node engine's offline implementation of that version's expect() for plain values",
  },
  papaparse: {
    versions: ['5.1.1'],
    module: 'k6/x-engine-jslib/papaparse',
    exports: () => [],
    hasDefault: true,
    standIn: 'the npm package papaparse with what changed after 5.1.1 put back',
  },
  // Not a jslib library: benc-uk/k6-reporter's bundle (REPORTER_URL), by tag or branch name. The
  // served module binds the script's console, where `debug: true` prints (./k6-reporter.ts).
  'k6-reporter': {
    versions: REPORTER_REFS,
    module: 'k6/x-engine-jslib/k6-reporter',
    exports: () => [],
    body: (v) => [
      'import { reportFor } from "k6/x-engine-jslib/k6-reporter";',
      `export const htmlReport = reportFor(${JSON.stringify(v)}, (text) => console.log(text));`,
    ],
    standIn:
      "replaced: htmlReport() writes the node engine's own HTML report of the same summary data, not k6-reporter's layout",
  },
};

// benc-uk/k6-reporter's bundle (not a jslib library) from GitHub or jsDelivr, by tag or branch.
const REPORTER_URL =
  /^https:\/\/(?:raw\.githubusercontent\.com\/benc-uk\/k6-reporter\/|cdn\.jsdelivr\.net\/gh\/benc-uk\/k6-reporter@)([\w.-]+)\/dist\/bundle\.js$/;

const JSLIB_URL = /^https:\/\/jslib\.k6\.io\/([a-z0-9-]+)\/(\d+(?:\.\d+)+)\/index\.js$/;

/** The library and version a jslib URL names, when the engine has an implementation of it. */
function jslibLibrary(url: string): { name: string; version: string } | null {
  const reporter = REPORTER_URL.exec(url);
  // jsDelivr reads `@latest` as the newest release, which may be newer than the refs known here.
  const moving = reporter?.[1] === 'latest' && url.startsWith('https://cdn.jsdelivr.net/');
  if (reporter && !moving && LIBRARIES['k6-reporter'].versions.includes(reporter[1]))
    return { name: 'k6-reporter', version: reporter[1] };
  const m = JSLIB_URL.exec(url);
  if (!m) return null;
  if (!Object.hasOwn(LIBRARIES, m[1])) return null;
  return LIBRARIES[m[1]].versions.includes(m[2]) ? { name: m[1], version: m[2] } : null;
}

/**
 * The module source served in place of `url` when it cannot be downloaded (`why`) and is not
 * cached, or null when the engine has no implementation of that library and version.
 */
export function offlineJslibSource(url: string, why: string): string | null {
  const found = jslibLibrary(url);
  if (!found) return null;
  const lib = LIBRARIES[found.name];
  const from = JSON.stringify(lib.module);
  const names = lib.exports(found.version);
  const label = `${found.name} ${found.version}`;
  const lines = ['import { offline } from "k6/x-engine-jslib";'];
  if (names.length > 0) lines.push(`export { ${names.join(', ')} } from ${from};`);
  if (lib.hasDefault) lines.push(`export { default } from ${from};`);
  if (lib.body) lines.push(...lib.body(found.version));
  lines.push(`offline(${[label, url, why, lib.standIn].map((s) => JSON.stringify(s)).join(', ')});`);
  return `${lines.join('\n')}\n`;
}
