import { BundleProblem } from './bundle-problem.ts';

/** What the stand-in needs from a bundle's manifest.json (the keys rsconnect-python writes, posit-dev/rsconnect-python rsconnect/bundle.py). */
export interface Manifest {
  appmode: string;
  entrypoint: string | null;
  pythonVersion: string | null;
  rVersion: string | null;
  /** R packages the bundle was made with (`packages` keys and their DESCRIPTION versions). */
  rPackages: Array<{ name: string; version: string | null }>;
  /** The Python requirements file (`python.package_manager.package_file`), if the manifest names one. */
  pythonPackageFile: string | null;
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
  const packageManager = isObject(python.package_manager) ? python.package_manager : {};
  const packages = isObject(doc.packages) ? doc.packages : {};
  const rPackages = Object.entries(packages).map(([name, record]) => {
    const description = isObject(record) && isObject(record.description) ? record.description : {};
    return { name, version: typeof description.Version === 'string' ? description.Version : null };
  });
  return {
    appmode,
    entrypoint: entrypoint ?? null,
    pythonVersion: typeof python.version === 'string' ? python.version : null,
    rVersion: typeof doc.platform === 'string' ? doc.platform : null,
    rPackages,
    pythonPackageFile: typeof packageManager.package_file === 'string' ? packageManager.package_file : null,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
