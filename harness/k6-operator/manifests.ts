// The Kubernetes objects of one distributed run: a ConfigMap with the scenario bundle and the
// files it opens, a ReadWriteMany PersistentVolumeClaim the runners write their NDJSON to, the
// k6-operator TestRun, and a small pod that mounts the claim so the harness can read the files
// back. The API key is only ever a secretKeyRef; its Secret is made at run time (secretManifest).
// Pure: no I/O.

/** Kubernetes refuses objects over 1 MiB (etcd's limit); leave room for metadata. */
export const CONFIGMAP_PAYLOAD_LIMIT = 1_000_000;
/** Where the runners and the collector mount the claim; the run id is the last path segment. */
export const RESULTS_ROOT = '/results';
/** Key of the API key in the run's Secret, and the variable name the scripts read. */
export const API_KEY_VAR = 'CONNECT_API_KEY';
/** What the initializer gets instead of the API key. */
export const INITIALIZER_KEY = 'not-used-by-the-initializer';
/** Set from the pod's name (downward API) so every runner writes a file of its own. */
const POD_NAME_VAR = 'RUNNER_POD';
/** k6-operator mounts a ConfigMap script, with every key of the ConfigMap, at /test. */
export const SCRIPT_MOUNT = '/test';

export class ManifestError extends Error {
  override name = 'ManifestError';
}

export interface BundleFile {
  /** Key in the ConfigMap, i.e. the file name under /test. */
  name: string;
  bytes: Uint8Array;
}

export interface ManifestInput {
  /** Base name of every object (DNS-1123 label), see k8sName. */
  name: string;
  namespace: string;
  /** The run folder's id: the runners write under /results/<runId>/. */
  runId: string;
  parallelism: number;
  /** The scenario bundle (.js). */
  script: BundleFile;
  /** Files the script opens (the Plumber fixture bundle), under /test. */
  files: BundleFile[];
  /** Runner environment without the API key. */
  env: Record<string, string>;
  /** Secret holding CONNECT_API_KEY, read through secretKeyRef. */
  apiKeySecret: string;
  image: string;
  storageClass?: string;
  storageSize: string;
  /** How long the collector pod may live before Kubernetes ends it. */
  collectorSeconds: number;
  /** --k6-out outputs for every runner, and the names of the variables that configure them
   *  (their values are in the run's Secret, next to the API key). */
  outputs?: { out: string[]; envNames: string[] };
}

export interface Manifests {
  pvc: K8sObject;
  configMap: K8sObject;
  testRun: K8sObject;
  collector: K8sObject;
  /** Path of the runners' files as the collector sees it. */
  resultsPath: string;
}

export type K8sObject = Record<string, unknown> & {
  kind: string;
  metadata: Record<string, unknown> & { name: string };
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Runner jobs are named `<testrun>-<index>` and pods add a suffix; keep room under 63. */
const NAME_MAX = 40;

/** `2026-11-30T14-35-43Z-load-soak` → `perf-load-soak-20261130-143543`. */
export function k8sName(runId: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})Z(?:-(\d+))?-([a-z-]+)$/.exec(runId);
  if (!match) throw new ManifestError(`Cannot derive a Kubernetes name from the run id '${runId}'.`);
  const [, y, mo, d, h, mi, s, n, kind] = match;
  return `perf-${kind}-${y}${mo}${d}-${h}${mi}${s}${n ? `-${n}` : ''}`;
}

export function checkNamespace(namespace: string): void {
  if (!DNS_LABEL.test(namespace)) {
    throw new ManifestError(
      `--namespace must be a Kubernetes namespace name (lowercase letters, digits and '-', 63 at most), got '${namespace}'.`,
    );
  }
}

function labels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'connect-perf', 'connect-perf/run': name };
}

function configMapPayload(files: BundleFile[]): {
  data: Record<string, string>;
  binaryData: Record<string, string>;
  bytes: number;
} {
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  let bytes = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const file of files) {
    if (!/^[-._a-zA-Z0-9]+$/.test(file.name)) {
      throw new ManifestError(`'${file.name}' cannot be a ConfigMap key (letters, digits, '-', '_', '.').`);
    }
    // Text stays readable in `kubectl get configmap -o yaml`; anything else goes base64 in binaryData.
    let text: string | null = null;
    try {
      text = decoder.decode(file.bytes);
    } catch {
      text = null;
    }
    if (text !== null && file.name.endsWith('.js')) {
      data[file.name] = text;
      bytes += file.bytes.byteLength;
    } else {
      const encoded = Buffer.from(file.bytes).toString('base64');
      binaryData[file.name] = encoded;
      bytes += encoded.length;
    }
  }
  return { data, binaryData, bytes };
}

export function buildManifests(input: ManifestInput): Manifests {
  checkNamespace(input.namespace);
  if (!DNS_LABEL.test(input.name) || input.name.length > NAME_MAX) {
    throw new ManifestError(`'${input.name}' is not a usable object name (DNS label, ${NAME_MAX} at most).`);
  }
  if (!Number.isInteger(input.parallelism) || input.parallelism < 1) {
    throw new ManifestError(`--parallelism must be a whole number of at least 1, got ${input.parallelism}.`);
  }
  for (const key of Object.keys(input.env)) {
    if (key === API_KEY_VAR) {
      throw new ManifestError('The API key must not be part of the runner environment in clear.');
    }
  }
  const meta = (name: string) => ({ name, namespace: input.namespace, labels: labels(input.name) });
  const payload = configMapPayload([input.script, ...input.files]);
  if (payload.bytes > CONFIGMAP_PAYLOAD_LIMIT) {
    throw new ManifestError(
      `The ConfigMap would hold ${payload.bytes.toLocaleString('en')} bytes with the script and the files it opens, over Kubernetes' 1 MiB object limit; build a smaller bundle or shrink the fixture.`,
    );
  }
  const configMap: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(input.name),
    ...(Object.keys(payload.data).length ? { data: payload.data } : {}),
    ...(Object.keys(payload.binaryData).length ? { binaryData: payload.binaryData } : {}),
  };
  const pvc: K8sObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(input.name),
    spec: {
      accessModes: ['ReadWriteMany'],
      ...(input.storageClass ? { storageClassName: input.storageClass } : {}),
      resources: { requests: { storage: input.storageSize } },
    },
  };
  const resultsPath = `${RESULTS_ROOT}/${input.runId}`;
  const volume = { name: 'results', persistentVolumeClaim: { claimName: input.name } };
  // The claim is this run's alone, mounted at /results/<run id>: the directory exists without a
  // subPath (whose directory kubelet would create as root, not writable by the k6 user).
  const mount = { name: 'results', mountPath: resultsPath };
  const plainEnv = Object.entries(input.env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
  const env = [
    ...plainEnv,
    { name: API_KEY_VAR, valueFrom: { secretKeyRef: { name: input.apiKeySecret, key: API_KEY_VAR } } },
    ...[...(input.outputs?.envNames ?? [])]
      .sort()
      .map((name) => ({ name, valueFrom: { secretKeyRef: { name: input.apiKeySecret, key: name } } })),
    { name: POD_NAME_VAR, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
  // The initializer only archives and inspects the script (its init context never calls
  // Connect), and k6-operator hands it its environment as `-e NAME=value` on k6's command line:
  // it gets a placeholder, never the key.
  const initializerEnv = [...plainEnv, { name: API_KEY_VAR, value: INITIALIZER_KEY }];
  const testRun: K8sObject = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: meta(input.name),
    spec: {
      parallelism: input.parallelism,
      script: { configMap: { name: input.name, file: input.script.name } },
      // kubelet expands $(RUNNER_POD) from the container's environment: one file per runner.
      args: [
        '--out',
        `json=${resultsPath}/$(${POD_NAME_VAR}).ndjson.gz`,
        ...(input.outputs?.out ?? []).flatMap((o) => ['--out', o]),
      ],
      initializer: {
        image: input.image,
        metadata: { labels: labels(input.name) },
        env: initializerEnv,
      },
      runner: {
        image: input.image,
        metadata: { labels: labels(input.name) },
        env,
        volumes: [volume],
        volumeMounts: [mount],
      },
    },
  };
  const collector: K8sObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(collectorName(input.name)),
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: input.collectorSeconds,
      containers: [
        {
          name: 'collect',
          image: input.image,
          command: ['sleep', String(input.collectorSeconds)],
          volumeMounts: [mount],
        },
      ],
      volumes: [volume],
    },
  };
  return { pvc, configMap, testRun, collector, resultsPath };
}

export function collectorName(name: string): string {
  return `${name}-collect`;
}

export function secretName(name: string): string {
  return `${name}-key`;
}

/** The Secret with the API key (and the --k6-out outputs' variables), for `kubectl create -f -` on
 *  stdin only: never written to disk. */
export function secretManifest(
  name: string,
  namespace: string,
  apiKey: string,
  outputEnv: Record<string, string> = {},
): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName(name), namespace, labels: labels(name) },
    type: 'Opaque',
    stringData: { ...outputEnv, [API_KEY_VAR]: apiKey },
  };
}
