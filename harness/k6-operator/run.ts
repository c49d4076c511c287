// One distributed run, start to end: create the Secret (stdin), the claim, the ConfigMap and the
// collector pod; read k6's version from the collector (same image as the runners); create the
// TestRun and follow status.stage to `finished` or `error`; on Ctrl-C, a stuck initialization or
// an overrun, delete the TestRun (k6 stops on the pods' SIGTERM and flushes its output); then copy
// the runners' NDJSON out through the collector (`kubectl exec … tar`) and delete what was created
// unless --keep. The Secret is deleted in every case.
import { mkdir, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { x as untar } from 'tar';
import { firstLine, type Kubectl, KubectlError } from './kubectl.ts';
import { collectorName, type K8sObject, type Manifests, secretManifest, secretName } from './manifests.ts';
import { repairCutShortGzip } from './repair.ts';

export interface RunTiming {
  /** Between two looks at the TestRun and its pods. */
  pollMs: number;
  /** Longest the TestRun may stay before `initialized` (initializer job, image pulls). */
  initTimeoutMs: number;
  /** Longest the collector pod may take to be Ready (claim bound, image pulled). */
  podReadyTimeoutMs: number;
  /** After deleting the TestRun, how long the runners get to flush and go. */
  stopWaitMs: number;
  /** Beyond the planned duration before the run counts as overrun. */
  finishMarginMs: number;
}

export const DEFAULT_TIMING: RunTiming = {
  pollMs: 2_000,
  initTimeoutMs: 5 * 60_000,
  podReadyTimeoutMs: 5 * 60_000,
  stopWaitMs: 90_000,
  finishMarginMs: 10 * 60_000,
};

export interface DistributedRunRequest {
  kubectl: Kubectl;
  name: string;
  manifests: Manifests;
  apiKey: string;
  /** The --k6-out outputs' variables, kept in the run's Secret. */
  outputEnv?: Record<string, string>;
  /** Local folder the runners' files are copied into. */
  resultsDir: string;
  keep: boolean;
  plannedSeconds: number;
  timing: RunTiming;
  log: (line: string) => void;
  /** Aborting it stops the run: the TestRun is deleted and what the runners wrote is collected. */
  signal: AbortSignal;
  /** Aborting it skips waiting for the runners to flush (second Ctrl-C). */
  hardStop: AbortSignal;
}

export interface RunnerEnd {
  pod: string;
  phase: string;
  exitCode: number | null;
  /** The signal that ended the container, when the runtime reports one (9: SIGKILL). */
  signal?: number;
  /** The container runtime's reason for the end (Completed, Error, OOMKilled). */
  reason?: string;
  /** When the container ended (ISO 8601), as the kubelet reports it. */
  finishedAt?: string;
  /** Whether the pod was Ready (k6's REST API answered its readiness probe) at the last look. */
  ready?: boolean;
}

export interface DistributedOutcome {
  /** The runners' NDJSON files, copied into resultsDir. */
  files: string[];
  k6Version: string | null;
  runners: RunnerEnd[];
  /** Runners that ended with an error before the run's end: pod → what ended it and when. */
  lost: Record<string, string>;
  lastStage: string | null;
  /** When the runners were started, epoch ms: k6-operator's TestRunRunning condition turning
   *  True, else the harness's first look at stage `started`. */
  loadStartedAt: number | null;
  interrupted: boolean;
  /** Set when the run did not reach `finished` cleanly or its files could not be read. */
  failure?: string;
}

/** k6's exit codes a runner may end with without having failed: 0, and 99 (its own thresholds). */
const RUNNER_OK = new Set([0, 99]);
/** How long reading the TestRun may keep failing before the run is given up. */
const READ_FAILURE_MS = 60_000;
/** Stages before the runners start; staying in one of them too long means something is stuck. */
const PRE_START = new Set(['', 'initialization', 'initialized', 'created']);
const RESULT_FILE = /^[A-Za-z0-9._-]+\.ndjson(\.gz)?$/;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

interface PodJson {
  metadata: { name: string };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{
      state?: {
        terminated?: { exitCode: number; signal?: number; reason?: string; finishedAt?: string };
        waiting?: { reason?: string; message?: string };
      };
    }>;
  };
}

interface TestRunJson {
  status?: {
    stage?: string;
    conditions?: Array<{
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }>;
  };
}

export async function runDistributed(request: DistributedRunRequest): Promise<DistributedOutcome> {
  const { kubectl, name, manifests, log, timing } = request;
  const outcome: DistributedOutcome = {
    files: [],
    k6Version: null,
    runners: [],
    lost: {},
    lastStage: null,
    loadStartedAt: null,
    interrupted: false,
  };
  const collector = collectorName(name);
  let collectorReady = false;
  let testRunLive = false;
  /** When the harness deleted the TestRun itself (Ctrl-C, a timeout): runners that end after
   *  that were stopped, not lost. */
  let deletedAt: number | null = null;
  const runners = new Map<string, RunnerEnd>();
  let failingSince: number | null = null;

  const create = (what: string, objects: K8sObject[]) =>
    kubectl.must(`Creating ${what}`, ['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    });

  const lookAtRunners = async () => {
    const pods = await kubectl.getJson<{ items: PodJson[] }>('Reading the runner pods', [
      'pods',
      '-l',
      `k6_cr=${name},runner=true`,
    ]);
    for (const pod of pods.items) {
      const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
      runners.set(pod.metadata.name, {
        pod: pod.metadata.name,
        phase: pod.status?.phase ?? 'Unknown',
        exitCode: terminated ? terminated.exitCode : null,
        ...(terminated?.signal ? { signal: terminated.signal } : {}),
        ...(terminated?.reason ? { reason: terminated.reason } : {}),
        ...(terminated?.finishedAt ? { finishedAt: terminated.finishedAt } : {}),
        ready: isReady(pod),
      });
    }
    return pods.items;
  };

  try {
    const secret = secretManifest(name, kubectl.options.namespace, request.apiKey, request.outputEnv);
    await create('the Secret with the API key', [secret]);
    await create('the claim, the ConfigMap and the collector pod', [
      manifests.pvc,
      manifests.configMap,
      manifests.collector,
    ]);
    log(
      `k6-operator: created ${name} (claim, ConfigMap, Secret, collector pod); waiting for the collector pod ...`,
    );
    collectorReady = await waitForPod(request, collector);
    if (!collectorReady) {
      if (request.signal.aborted) outcome.interrupted = true;
      else
        outcome.failure = `The collector pod ${collector} was not ready within ${clock(timing.podReadyTimeoutMs)}: is the claim bound (a storage class with ReadWriteMany) and the image pullable?`;
      return outcome;
    }
    const version = await kubectl.run(['exec', collector, '--', 'k6', 'version'], { timeoutMs: 30_000 });
    outcome.k6Version = version.code === 0 ? firstLine(version.stdout) || null : null;
    if (request.signal.aborted) {
      outcome.interrupted = true;
      return outcome;
    }
    await create('the TestRun', [manifests.testRun]);
    testRunLive = true;
    log(`k6-operator: TestRun ${name} created (${outcome.k6Version ?? 'k6 version unknown'})`);
    await follow();
  } catch (error) {
    if (!(error instanceof KubectlError)) throw error;
    outcome.failure = error.message;
  } finally {
    await finish();
  }
  return outcome;

  /** One look at the TestRun and its runners; an API hiccup is retried for a while, not fatal. */
  async function lookAt(): Promise<{ testRun: TestRunJson; pods: PodJson[] } | 'retry'> {
    try {
      const testRun = await kubectl.getJson<TestRunJson>('Reading the TestRun', ['testrun', name]);
      const pods = await lookAtRunners();
      failingSince = null;
      return { testRun, pods };
    } catch (error) {
      if (!(error instanceof KubectlError)) throw error;
      if (/NotFound/.test(error.message)) {
        testRunLive = false;
        throw new KubectlError(`The TestRun ${name} was deleted by someone else during the run.`);
      }
      failingSince ??= Date.now();
      if (Date.now() - failingSince > READ_FAILURE_MS) throw error;
      log(`k6-operator: ${error.message} Trying again.`);
      return 'retry';
    }
  }

  async function follow(): Promise<void> {
    const t0 = Date.now();
    let startedAt: number | null = null;
    let lastLine = 0;
    for (;;) {
      if (request.signal.aborted) {
        outcome.interrupted = true;
        return;
      }
      const look = await lookAt();
      if (look === 'retry') {
        await sleep(timing.pollMs, request.signal);
        continue;
      }
      const { testRun, pods } = look;
      const stage = testRun.status?.stage ?? null;
      if (stage !== outcome.lastStage) {
        log(`k6-operator: stage ${stage ?? '(none yet)'} after ${clock(Date.now() - t0)}`);
        outcome.lastStage = stage;
        if (stage === 'started') {
          startedAt = Date.now();
          // k6-operator sets condition TestRunRunning to True when it starts the runners: that
          // moment, when given, is more exact than this look.
          const running = testRun.status?.conditions?.find(
            (c) => c.type === 'TestRunRunning' && c.status === 'True',
          );
          const at = Date.parse(running?.lastTransitionTime ?? '');
          outcome.loadStartedAt = Number.isFinite(at) && at <= startedAt ? at : startedAt;
        }
      }
      if (stage === 'finished') return;
      if (stage === 'error') {
        const why = (testRun.status?.conditions ?? [])
          .filter((c) => c.message)
          .map((c) => `${c.type}: ${firstLine(c.message as string)}`)
          .join('; ');
        outcome.failure = `The TestRun ended in stage error${why ? ` (${why})` : ''}; see \`kubectl describe testrun ${name}\` and its initializer's log.`;
        return;
      }
      const elapsed = Date.now() - t0;
      if (startedAt === null && PRE_START.has(stage ?? '') && elapsed > timing.initTimeoutMs) {
        const unready = stage === 'created' ? notStarting(pods) : null;
        if (unready) {
          outcome.failure = `The TestRun stayed in created for ${clock(elapsed)}, longer than allowed: ${unready}`;
          return;
        }
        const where =
          stage === 'initialization'
            ? 'its initializer pod'
            : 'its runner pods (Pending? the claim must be ReadWriteMany and bound)';
        outcome.failure = `The TestRun stayed in ${stage ?? 'no stage'} for ${clock(elapsed)}, longer than allowed: check ${where} with kubectl get pods -l k6_cr=${name} and kubectl describe, and whether the image can be pulled.`;
        return;
      }
      if (elapsed > request.plannedSeconds * 1000 + timing.finishMarginMs + timing.initTimeoutMs) {
        outcome.failure = `The TestRun did not finish within ${clock(elapsed)} (planned ${clock(request.plannedSeconds * 1000)}); it was stopped.`;
        return;
      }
      if (Date.now() - lastLine >= 10_000) {
        lastLine = Date.now();
        const running = pods.filter((p) => p.status?.phase === 'Running').length;
        const parallelism = (manifests.testRun.spec as { parallelism: number }).parallelism;
        const progress = startedAt
          ? `, ${clock(Date.now() - startedAt)} of ${clock(request.plannedSeconds * 1000)}`
          : '';
        log(`k6-operator: ${stage ?? 'waiting'}, ${running}/${parallelism} runners running${progress}`);
      }
      await sleep(timing.pollMs, request.signal);
    }
  }

  async function finish(): Promise<void> {
    if (testRunLive && outcome.lastStage !== 'finished') await stopTestRun();
    outcome.runners = [...runners.values()].sort((a, b) => a.pod.localeCompare(b.pod));
    // A runner that ended with an error before the harness stopped the TestRun was lost: its
    // share of the load is missing from then on, so the merged figures are not the planned load.
    // One that ended after the deletion was stopped (exit 105, or SIGTERM/SIGKILL); the kubelet
    // reports finishedAt in whole seconds, hence the second of slack.
    const failed = outcome.runners.filter(
      (r) =>
        r.exitCode !== null &&
        !RUNNER_OK.has(r.exitCode) &&
        !(deletedAt !== null && (!r.finishedAt || Date.parse(r.finishedAt) >= deletedAt - 1000)),
    );
    for (const r of failed) outcome.lost[r.pod] = lostRunner(r, outcome.loadStartedAt);
    if (failed.length && !outcome.failure) {
      outcome.failure = `${failed.length} of ${outcome.runners.length} runners failed (${failed.map((r) => lostRunner(r, outcome.loadStartedAt)).join('; ')}; see kubectl logs); the record merges what every runner wrote, and the figures after a runner was lost lack its share, so the run is not judged as the planned load.`;
    }
    let collected = false;
    if (collectorReady) {
      try {
        outcome.files = await collect();
        collected = true;
        log(`k6-operator: copied ${outcome.files.length} runner file(s) into ${request.resultsDir}`);
        // Only a run that did not end cleanly can have a runner killed before closing its file.
        if (outcome.interrupted || outcome.failure) await repairFiles(outcome.files);
      } catch (error) {
        const message = `Copying the runners' files failed: ${(error as Error).message}`;
        outcome.failure ??= message;
        log(message);
      }
    }
    await cleanUp(collected);
  }

  async function repairFiles(files: string[]): Promise<void> {
    for (const file of files) {
      try {
        if (await repairCutShortGzip(file)) {
          log(
            `k6-operator: ${basename(file)} was cut short (its runner was stopped before closing it); kept its complete lines.`,
          );
        }
      } catch (error) {
        log(
          `k6-operator: ${basename(file)} is damaged and could not be repaired: ${(error as Error).message}`,
        );
      }
    }
  }

  async function stopTestRun(): Promise<void> {
    log(`k6-operator: deleting TestRun ${name} (the runners stop and flush their files) ...`);
    deletedAt = Date.now();
    const deleted = await kubectl
      .run(['delete', 'testrun', name, '--ignore-not-found', '--wait=false'], { timeoutMs: 60_000 })
      .catch((error: Error) => ({ code: 1, stdout: '', stderr: error.message }));
    if (deleted.code !== 0) {
      log(
        `Deleting the TestRun failed: ${firstLine(deleted.stderr)}; delete it by hand: kubectl delete testrun ${name}`,
      );
      return;
    }
    const until = Date.now() + timing.stopWaitMs;
    while (Date.now() < until && !request.hardStop.aborted) {
      const pods = await lookAtRunners().catch(() => null);
      if (pods?.every((p) => ['Succeeded', 'Failed'].includes(p.status?.phase ?? ''))) return;
      await sleep(timing.pollMs, request.hardStop);
    }
    if (!request.hardStop.aborted)
      log(
        `k6-operator: runner pods still there after ${clock(timing.stopWaitMs)}; collecting what they wrote.`,
      );
  }

  async function collect(): Promise<string[]> {
    await mkdir(request.resultsDir, { recursive: true });
    const result = await kubectl.stream(
      ['exec', collector, '--', 'tar', '-C', manifests.resultsPath, '-cf', '-', '.'],
      (stdout) =>
        pipeline(
          stdout,
          untar({
            cwd: request.resultsDir,
            strict: true,
            // Only the runners' NDJSON files, flat: nothing else from the volume lands here.
            filter: (path, entry) =>
              (entry as { type?: string }).type === 'File' && RESULT_FILE.test(path.replace(/^\.\//, '')),
          }),
        ),
      10 * 60_000,
    );
    if (result.code !== 0)
      throw new KubectlError(firstLine(result.stderr) || `kubectl exec exit ${result.code}`);
    return (await readdir(request.resultsDir))
      .filter((f) => RESULT_FILE.test(f))
      .sort()
      .map((f) => join(request.resultsDir, f));
  }

  async function cleanUp(collected: boolean): Promise<void> {
    // The Secret goes in every case: an API key is not left in the cluster.
    const refs = [`secret/${secretName(name)}`];
    // Without a copy of the runners' files, the claim (and what may read it) stays.
    const keep = request.keep || (collectorReady && !collected);
    if (!keep)
      refs.push(`testrun/${name}`, `configmap/${name}`, `pod/${collector}`, `persistentvolumeclaim/${name}`);
    const result = await kubectl
      .run(['delete', ...refs, '--ignore-not-found', '--wait=false'], { timeoutMs: 60_000 })
      .catch((error: Error) => ({ code: 1, stdout: '', stderr: error.message }));
    if (result.code !== 0)
      log(
        `Cleaning up failed: ${firstLine(result.stderr)}; delete by hand: kubectl delete ${refs.join(' ')}`,
      );
    if (keep) {
      log(
        `k6-operator: kept TestRun, ConfigMap, claim and collector pod ${name}${request.keep ? ' (--keep)' : " (the runners' files could not be copied)"}; delete them with: kubectl delete testrun/${name} configmap/${name} pod/${collector} persistentvolumeclaim/${name}`,
      );
    }
  }
}

function isReady(pod: PodJson): boolean {
  return Boolean(pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

const SIGNAL_NAMES: Record<number, string> = { 9: 'SIGKILL', 15: 'SIGTERM', 6: 'SIGABRT', 11: 'SIGSEGV' };

/** `<pod> exit 137 (SIGKILL), lost 0:07 into the load (at 12:03:04Z)`: what ended a runner, and when. */
export function lostRunner(r: RunnerEnd, loadStartedAt: number | null): string {
  const signal = r.signal ?? (r.exitCode !== null && r.exitCode > 128 ? r.exitCode - 128 : null);
  const how =
    r.reason === 'OOMKilled'
      ? ' (OOMKilled: out of memory)'
      : signal && SIGNAL_NAMES[signal]
        ? ` (${SIGNAL_NAMES[signal]})`
        : '';
  const ended = r.finishedAt ? Date.parse(r.finishedAt) : Number.NaN;
  let when = '';
  if (Number.isFinite(ended)) {
    const at = new Date(ended).toISOString().replace(/\.\d+Z$/, 'Z');
    when =
      loadStartedAt === null
        ? `, lost before the load started (at ${at})`
        : `, lost ${clock(Math.max(0, ended - loadStartedAt))} into the load (at ${at})`;
  }
  // The pod's name comes from the API server: one inert line, as every outside string.
  return `${firstLine(r.pod)} exit ${r.exitCode}${how}${when}`;
}

/**
 * Why a TestRun in `created` does not start: k6-operator un-pauses the runners only once every
 * runner pod is Running and Ready, Ready meaning k6's REST API answers its probe (GET /v1/status
 * on port 6565). Null when the pods are simply not running yet (scheduling, image pulls).
 */
function notStarting(pods: PodJson[]): string | null {
  const ended = pods.filter((p) => ['Failed', 'Succeeded'].includes(p.status?.phase ?? ''));
  if (ended.length) {
    const list = ended
      .map(
        (p) =>
          `${firstLine(p.metadata.name)} exit ${p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode ?? '?'}`,
      )
      .join(', ');
    return `runner pod(s) ${list} ended before the test was started, so k6-operator never un-paused the runners; see kubectl logs of those pods.`;
  }
  const unready = pods.filter((p) => p.status?.phase === 'Running' && !isReady(p));
  if (!unready.length) return null;
  return `runner pod(s) ${unready.map((p) => firstLine(p.metadata.name)).join(', ')} are running but not ready: k6's REST API (GET /v1/status on port 6565, their readiness probe) does not answer, so k6-operator cannot un-pause the runners; see kubectl describe pod and kubectl logs of those pods.`;
}

async function waitForPod(request: DistributedRunRequest, pod: string): Promise<boolean> {
  const until = Date.now() + request.timing.podReadyTimeoutMs;
  while (Date.now() < until && !request.signal.aborted) {
    const json = await request.kubectl.getJson<PodJson>('Reading the collector pod', ['pod', pod]);
    if (json.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return true;
    if (['Failed', 'Succeeded'].includes(json.status?.phase ?? '')) {
      throw new KubectlError(`The collector pod ${pod} ended (${json.status?.phase}) before it was used`);
    }
    await sleep(request.timing.pollMs, request.signal);
  }
  return false;
}
