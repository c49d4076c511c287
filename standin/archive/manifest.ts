import { BundleProblem } from './bundle-problem.ts';

/** What the stand-in needs from a bundle's manifest.json (Connect's keys, §2 of the facts). */
export interface Manifest {
  appmode: string;
  entrypoint: string | null;
  pythonVersion: string | null;
  rVersion: string | null;
}

const invalid = (why: string) => new BundleProblem(38, `The bundle's manifest.json is invalid: ${why}.`);

export function parseManifest(text: string | undefined): Manifest {
  if (text === undefined) {
    throw new BundleProblem(
      38,
      'The bundle has no manifest.json at its root. Create one with rsconnect (write-manifest) and bundle it.',
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalid(`it is not JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) throw invalid('it must be a JSON object');
  const metadata = doc.metadata;
  if (!isObject(metadata)) throw invalid('"metadata" must be an object');
  const appmode = metadata.appmode;
  if (typeof appmode !== 'string' || appmode === '')
    throw invalid('"metadata.appmode" must be a non-empty string');
  const entrypoint = metadata.entrypoint;
  if (entrypoint !== undefined && entrypoint !== null && typeof entrypoint !== 'string') {
    throw invalid('"metadata.entrypoint" must be a string');
  }
  const python = isObject(doc.python) ? doc.python : {};
  return {
    appmode,
    entrypoint: entrypoint ?? null,
    pythonVersion: typeof python.version === 'string' ? python.version : null,
    rVersion: typeof doc.platform === 'string' ? doc.platform : null,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
