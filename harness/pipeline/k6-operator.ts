// `--engine k6-operator`: the load runs in the cluster as a TestRun of `parallelism` runners.
// Opening it checks the cluster (a failure is one sentence, exit 2). A run does setup()'s lookups
// once here (k6-operator runs setup() and teardown() in every runner), passes what they found to
// the runners, and, when the run publishes, deletes the publisher's content here afterwards.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { terminalText } from '../../reports/inert.ts';
import { DEFAULT_PUBLISH_CONTENT_NAME } from '../../scenarios/lib/inputs.ts';
import { createConnectClient } from '../connect/client.ts';
import {
  buildManifests,
  DEFAULT_TIMING,
  type K6OperatorSettings,
  k8sName,
  kubectlFor,
  podOfFile,
  preflightCluster,
  type RunTiming,
  runDistributed,
  runnerInputs,
  runnerShare,
  secretName,
} from '../k6-operator/index.ts';
import type { RunMeta } from '../record/types.ts';

/** The part of the harness's engine contract (engine.ts) this engine uses; engine.ts opens it. */
interface DistributedRequest {
  script: string;
  env: Record<string, string>;
  /** Its folder is the run folder; the runners' files go to `runners/` in it. */
  summaryExport: string;
  signal: AbortSignal;
  plannedSeconds?: number;
  /** --k6-out outputs for the runners and the variables that configure them. */
  outputs?: { out: string[]; env: Record<string, string> };
}

export interface DistributedEngine {
  name: 'k6-operator';
  version: string;
  why: string;
  run(request: DistributedRequest): Promise<{
    exitCode: number;
    interrupted: boolean;
    sampleFiles: string[];
    failure?: string;
    engine: RunMeta['engine'];
  }>;
  stopNow(): boolean;
}

/** Tests shorten the waits through this variable (JSON of RunTiming fields, milliseconds). */
function timing(env: Record<string, string | undefined>): RunTiming {
  if (!env.K6_OPERATOR_TIMING) return DEFAULT_TIMING;
  try {
    return { ...DEFAULT_TIMING, ...(JSON.parse(env.K6_OPERATOR_TIMING) as Partial<RunTiming>) };
  } catch {
    throw new Error('K6_OPERATOR_TIMING must be JSON such as {"initTimeoutMs":600000}.');
  }
}

/**
 * Lookups setup() would do in each runner, done once; returned as runner environment, with the
 * key's user and the publisher's content that already exists before the run (kept afterwards).
 */
async function prepareOnce(
  env: Record<string, string>,
): Promise<{ env: Record<string, string>; userGuid: string; existingPublisherGuid: string | null }> {
  const client = createConnectClient({ server: env.CONNECT_SERVER, apiKey: env.CONNECT_API_KEY });
  const [user, settings] = await Promise.all([client.currentUser(), client.serverSettings()]);
  const name = env.PUBLISH_CONTENT_NAME || DEFAULT_PUBLISH_CONTENT_NAME;
  const existing = await client.findContentByName(name, user.guid);
  return {
    env: {
      PREPARED_RUN: 'true',
      PREPARED_USER_GUID: user.guid,
      PREPARED_CONNECT_VERSION: settings.version ?? 'unknown',
    },
    userGuid: user.guid,
    existingPublisherGuid: existing?.guid ?? null,
  };
}

/**
 * Deletes the publisher's content when this run created it: the key's own item of that name
 * (another user's item of the same name is never looked at) that did not exist before the run.
 */
export async function deletePublisherContent(
  env: Record<string, string>,
  before: { userGuid: string; existingPublisherGuid: string | null },
  log: (line: string) => void,
): Promise<void> {
  const client = createConnectClient({ server: env.CONNECT_SERVER, apiKey: env.CONNECT_API_KEY });
  const name = env.PUBLISH_CONTENT_NAME || DEFAULT_PUBLISH_CONTENT_NAME;
  try {
    const content = await client.findContentByName(name, before.userGuid);
    if (!content) return;
    if (content.guid === before.existingPublisherGuid) {
      log(`kept the publisher's content '${name}' (${content.guid}): it existed before the run`);
      return;
    }
    await client.deleteContent(content.guid);
    log(`deleted the publisher's content '${name}' (${content.guid})`);
  } catch (error) {
    log(`could not delete the publisher's content '${name}': ${(error as Error).message}`);
  }
}

export async function openK6Operator(
  settings: K6OperatorSettings,
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): Promise<DistributedEngine> {
  if (!env.CONNECT_SERVER?.trim()) {
    throw new Error(
      '--engine k6-operator runs the load inside the cluster: set CONNECT_SERVER and CONNECT_API_KEY to a Connect the cluster reaches (the local stand-in is not reachable from there).',
    );
  }
  if (/^https?:\/\/(localhost|127\.|\[::1\])/i.test(env.CONNECT_SERVER.trim())) {
    log(
      'warning: CONNECT_SERVER is a loopback address; pods in the cluster reach themselves there, not this machine.',
    );
  }
  const kubectl = kubectlFor(settings, env);
  const cluster = await preflightCluster(kubectl);
  log(
    `k6-operator: cluster ${cluster.serverVersion}${settings.kubeContext ? ` (context ${settings.kubeContext})` : ''}, namespace ${settings.namespace}, ${settings.parallelism} runners, image ${settings.image}`,
  );
  const waits = timing(env);
  const hardStop = new AbortController();
  return {
    name: 'k6-operator',
    version: `image ${settings.image}`,
    why: '--engine k6-operator',
    async run(request) {
      const dir = dirname(request.summaryExport);
      const runId = basename(dir);
      const name = k8sName(runId);
      const prepared = await prepareOnce(request.env);
      // The harness deletes the publisher's content once, after every runner has ended.
      const { PUBLISH_CLEANUP: cleanup, ...workloadEnv } = request.env;
      const inputs = await runnerInputs({ ...workloadEnv, ...prepared.env });
      const plannedSeconds = request.plannedSeconds ?? 3600;
      const manifests = buildManifests({
        name,
        namespace: settings.namespace,
        runId,
        parallelism: settings.parallelism,
        script: { name: basename(request.script), bytes: await readFile(request.script) },
        files: inputs.files,
        env: inputs.env,
        apiKeySecret: secretName(name),
        image: settings.image,
        storageClass: settings.storageClass,
        storageSize: settings.storageSize,
        collectorSeconds: Math.ceil(plannedSeconds + 3600),
        outputs: request.outputs?.out.length
          ? { out: request.outputs.out, envNames: Object.keys(request.outputs.env) }
          : undefined,
      });
      const outcome = await runDistributed({
        kubectl,
        name,
        manifests,
        apiKey: request.env.CONNECT_API_KEY,
        outputEnv: request.outputs?.env,
        resultsDir: join(dir, 'runners'),
        keep: settings.keep,
        plannedSeconds,
        timing: waits,
        log,
        signal: request.signal,
        hardStop: hardStop.signal,
      });
      if (cleanup === 'true') await deletePublisherContent(request.env, prepared, log);
      const failedRunner = outcome.runners.find(
        (r) => r.exitCode !== null && r.exitCode !== 0 && r.exitCode !== 99,
      );
      for (const runner of outcome.runners.filter((r) => r.exitCode === 99)) {
        log(
          `k6-operator: ${runner.pod} failed a threshold on its own share of the load; thresholds are judged on the merged data.`,
        );
      }
      // Each runner's share from its own file, so the record shows how the load was split and
      // which runner was lost when; a runner that wrote no file is listed from its pod alone.
      const ends = new Map(outcome.runners.map((r) => [r.pod, r]));
      const runners = await Promise.all(
        outcome.files.map((file) => {
          const pod = podOfFile(file);
          return runnerShare(file, { exitCode: ends.get(pod)?.exitCode ?? null, lost: outcome.lost[pod] });
        }),
      );
      for (const r of outcome.runners) {
        if (runners.some((s) => s.pod === r.pod)) continue;
        runners.push({
          pod: r.pod,
          instance: null,
          exitCode: r.exitCode,
          ...(outcome.lost[r.pod] ? { lost: outcome.lost[r.pod] } : {}),
          requests: 0,
          reqPerSec: null,
          maxVus: 0,
          scenarios: [],
        });
      }
      for (const runner of runners) {
        log(
          terminalText(
            `k6-operator: ${runner.pod}: ${runner.requests.toLocaleString('en')} requests, ${runner.reqPerSec === null ? 'no' : runner.reqPerSec.toFixed(1)} req/s, at most ${runner.maxVus} VUs${runner.lost ? `; LOST: ${runner.lost}` : ''}`,
          ),
        );
      }
      return {
        exitCode: failedRunner?.exitCode ?? 0,
        interrupted: outcome.interrupted,
        sampleFiles: outcome.files,
        failure: outcome.failure,
        engine: {
          name: 'k6-operator',
          version: outcome.k6Version ?? `unknown (${settings.image})`,
          parallelism: settings.parallelism,
          ...(runners.length ? { runners } : {}),
        },
      };
    },
    stopNow() {
      hardStop.abort();
      return true;
    },
  };
}
