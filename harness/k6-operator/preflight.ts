// Before anything is created in the cluster: kubectl answers, the TestRun CRD is installed, the
// namespace exists and this user may do what the run needs. Each failure is one sentence
// (K8sPreflightError, exit 2 at the command line).
import { firstLine, type Kubectl, KubectlError } from './kubectl.ts';

export class K8sPreflightError extends Error {
  override name = 'K8sPreflightError';
}

/** What a run does in its namespace, as `kubectl auth can-i` verbs and resources (`/` a subresource). */
export const NEEDED_PERMISSIONS: Array<[verb: string, resource: string]> = [
  ['create', 'testruns.k6.io'],
  ['get', 'testruns.k6.io'],
  ['delete', 'testruns.k6.io'],
  ['create', 'configmaps'],
  ['delete', 'configmaps'],
  ['create', 'secrets'],
  ['delete', 'secrets'],
  ['create', 'persistentvolumeclaims'],
  ['delete', 'persistentvolumeclaims'],
  ['create', 'pods'],
  ['get', 'pods'],
  ['list', 'pods'],
  ['delete', 'pods'],
  ['create', 'pods/exec'],
];

export interface ClusterInfo {
  serverVersion: string;
}

export async function preflightCluster(kubectl: Kubectl): Promise<ClusterInfo> {
  const { namespace, context } = kubectl.options;
  const where = context ? ` (context ${context})` : '';
  const fail = (sentence: string): never => {
    throw new K8sPreflightError(sentence);
  };
  const call = async (args: string[]) => {
    try {
      return await kubectl.run(args, { timeoutMs: 30_000 });
    } catch (error) {
      if (error instanceof KubectlError) return fail(error.message);
      throw error;
    }
  };

  const version = await call(['version', '-o', 'json', '--request-timeout=20s']);
  let serverVersion = '';
  try {
    serverVersion = JSON.parse(version.stdout).serverVersion?.gitVersion ?? '';
  } catch {
    serverVersion = '';
  }
  if (version.code !== 0 || !serverVersion) {
    fail(
      `kubectl cannot reach the cluster${where}: ${firstLine(version.stderr) || 'no server version'}; check KUBECONFIG or --kube-context.`,
    );
  }

  const crd = await call(['api-resources', '--api-group=k6.io', '-o', 'name']);
  if (crd.code !== 0) fail(`Listing the cluster's k6.io resources failed: ${firstLine(crd.stderr)}.`);
  if (!crd.stdout.split('\n').some((line) => line.trim() === 'testruns.k6.io')) {
    fail(
      `The TestRun CRD (testruns.k6.io) is not installed in the cluster${where}: install k6-operator first (README, "Distributed runs on Kubernetes").`,
    );
  }

  const ns = await call(['get', 'namespace', namespace, '-o', 'name']);
  // A user limited to one namespace may not read namespaces at all; the permission checks below
  // then say what is missing.
  if (ns.code !== 0 && /NotFound|not found/i.test(ns.stderr)) {
    fail(
      `The namespace '${namespace}' does not exist: create it (kubectl create namespace ${namespace}) or pass --namespace.`,
    );
  }

  const answers = await Promise.all(
    NEEDED_PERMISSIONS.map(([verb, resource]) => {
      const [type, subresource] = resource.split('/');
      return call(['auth', 'can-i', verb, type, ...(subresource ? [`--subresource=${subresource}`] : [])]);
    }),
  );
  const denied: string[] = [];
  answers.forEach((answer, i) => {
    const said = answer.stdout.trim().toLowerCase();
    if (said.startsWith('yes')) return;
    if (said.startsWith('no')) denied.push(NEEDED_PERMISSIONS[i].join(' '));
    else
      fail(
        `Checking permissions with kubectl auth can-i failed: ${firstLine(answer.stderr) || `exit ${answer.code}`}.`,
      );
  });
  if (denied.length) {
    fail(
      `This Kubernetes user may not ${denied.join(', ')} in namespace '${namespace}' (kubectl auth can-i): ask for a Role that grants them.`,
    );
  }
  return { serverVersion };
}
