// k6-operator as the distributed engine: manifests for a TestRun of the built scenario bundle,
// the cluster preflight, and one run driven with kubectl (KUBECTL selects the binary).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { stringify } from 'yaml';
import { Kubectl } from './kubectl.ts';
import { type BundleFile, type K8sObject, ManifestError, SCRIPT_MOUNT } from './manifests.ts';

export {
  buildManifests,
  checkNamespace,
  collectorName,
  k8sName,
  ManifestError,
  type ManifestInput,
  secretManifest,
  secretName,
} from './manifests.ts';
export { preflightCluster } from './preflight.ts';
export { DEFAULT_TIMING, type DistributedOutcome, type RunTiming, runDistributed } from './run.ts';
export { podOfFile, runnerShare } from './runner-files.ts';

/** The distributed engine's settings, as the command line gives them. */
export interface K6OperatorSettings {
  parallelism: number;
  namespace: string;
  kubeContext?: string;
  storageClass?: string;
  storageSize: string;
  image: string;
  keep: boolean;
}

export const DEFAULT_IMAGE = 'grafana/k6:latest';
export const DEFAULT_STORAGE_SIZE = '10Gi';

export function kubectlFor(settings: K6OperatorSettings, env: Record<string, string | undefined>): Kubectl {
  return new Kubectl({
    bin: env.KUBECTL?.trim() || 'kubectl',
    context: settings.kubeContext,
    namespace: settings.namespace,
  });
}

/**
 * The runners' environment from the workload's: without the API key (a secretKeyRef instead) and
 * with the Plumber bundle's path as mounted from the ConfigMap. Returns the files to ship too.
 */
export async function runnerInputs(
  env: Record<string, string>,
): Promise<{ env: Record<string, string>; files: BundleFile[] }> {
  const { CONNECT_API_KEY: _key, ...rest } = env;
  const files: BundleFile[] = [];
  if (rest.PLUMBER_BUNDLE) {
    const name = basename(rest.PLUMBER_BUNDLE);
    files.push({ name, bytes: await readInput(rest.PLUMBER_BUNDLE) });
    rest.PLUMBER_BUNDLE = `${SCRIPT_MOUNT}/${name}`;
  }
  return { env: rest, files };
}

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch {
    throw new ManifestError(`${path} is missing; run \`npm run build\` first.`);
  }
}

/** One manifest as YAML, with a header line saying what it is. */
export function toYaml(object: K8sObject, comment: string): string {
  return `# ${comment}\n${stringify(object, { lineWidth: 0 })}`;
}
