// A simulated Kubernetes cluster with k6-operator installed, for the tests: what the harness's
// kubectl talks to when test/helpers/fake-kubectl.mjs runs with FAKE_KUBE_SCENARIO=cluster (it
// forwards each call here, as kubectl sends it to an API server). It keeps the objects the harness
// creates and plays k6-operator's controller and the kubelet with real processes:
//
// - the initializer runs `inspect` of the script with the initializer's environment (k6-operator
//   runs `k6 archive` and `k6 inspect --execution-requirements`; the embedded engine has no
//   `archive`, so only the inspection runs): a script that does not load ends in stage `error`;
// - each runner is a real embedded-engine process (`node engine/bin.mjs run …`) with the command
//   line k6-operator builds for runner job i of N (runnerCommand below, learnt from k6-operator's
//   pkg/resources/jobs/runner.go and pkg/segmentation/segmentation.go), with the runner spec's
//   environment (values, Secret keys, the pod's name) and its volumes;
// - a runner pod is Ready when k6's REST API answers GET /v1/status (the readiness probe
//   k6-operator gives runner pods); once all are Running and Ready the starter un-pauses every
//   runner with PATCH /v1/status (as k6-operator's starter job does with curl), and the stage is
//   `started`; when every runner process has ended, `stopped` then `finished`;
// - deleting the TestRun sends SIGTERM to its runner processes and SIGKILL after the grace
//   period, as the kubelet does when Kubernetes garbage-collects the runner jobs.
//
// What differs from a cluster, on purpose: each runner listens on a loopback port of its own
// instead of 0.0.0.0:6565 (the pods share this machine's network), and paths under a container's
// mounts (/test, /results/<run id>) are rewritten to the host folders that back them (there is no
// container filesystem). Runners reach Connect (the local stand-in) directly.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';

export interface ClusterOptions {
  /** Folder for ConfigMaps, volumes, pod homes and logs. */
  dir: string;
  /** The embedded engine's CLI (engine/bin.mjs): the image of runners, initializer and collector. */
  engineBin: string;
  /** terminationGracePeriodSeconds of the runner pods, in ms (Kubernetes' default is 30 s). */
  graceMs?: number;
  /** Runner instances (1-based) whose process is frozen (SIGSTOP) as soon as it listens: its REST
   *  API accepts connections and never answers. */
  unresponsive?: number[];
}

/** One runner pod and its process. */
export interface SimRunner {
  index: number;
  pod: string;
  /** The command line k6-operator builds for this runner (`k6 run …`). */
  k6Argv: string[];
  /** What actually ran: the engine with the container paths mapped and the runner's own port. */
  hostArgv: string[];
  port: number;
  child: ChildProcess;
  logFile: string;
  startedAt: string;
  finishedAt: string | null;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  ready: boolean;
  frozen: boolean;
  /** PATCH /v1/status answered by this runner (the starter's un-pause). */
  unpaused: boolean;
  exited: Promise<void>;
}

interface Stored {
  kind: string;
  name: string;
  body: Record<string, unknown>;
}

interface TestRunState {
  name: string;
  spec: TestRunSpec;
  stage: string;
  conditions: Array<{
    type: string;
    status: string;
    reason?: string;
    message?: string;
    lastTransitionTime?: string;
  }>;
  deleted: boolean;
  runners: SimRunner[];
  initializer: ChildProcess | null;
  /** Stages in the order they were entered, with the time. */
  history: Array<{ stage: string; at: number }>;
  done: Promise<void>;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  configMap?: { name: string };
}

interface TestRunSpec {
  parallelism: number;
  script: { configMap: { name: string; file: string } };
  args?: string[];
  arguments?: string;
  initializer?: { env?: EnvVar[] };
  runner: { env?: EnvVar[]; volumes?: Volume[]; volumeMounts?: Array<{ name: string; mountPath: string }> };
}

/** Where k6-operator mounts a ConfigMap script. */
const SCRIPT_MOUNT = '/test';
/** The address k6-operator gives every runner's REST API. */
const K6_ADDRESS = '0.0.0.0:6565';

/**
 * k6-operator's `--execution-segment` and `--execution-segment-sequence` for runner `index` of
 * `total` (1-based): equal segments, `0,1/N,…,(N-1)/N,1`.
 */
export function segmentFlags(index: number, total: number): string[] {
  const point = (i: number) => (i === 0 ? '0' : i === total ? '1' : `${i}/${total}`);
  const sequence = Array.from({ length: total + 1 }, (_, i) => point(i)).join(',');
  return [
    `--execution-segment=${point(index - 1)}:${point(index)}`,
    `--execution-segment-sequence=${sequence}`,
  ];
}

/**
 * The runner container's command as k6-operator builds it for runner `index` (1-based) of a
 * TestRun named `name`: `k6 run --quiet`, the segment flags when parallelism > 1, the spec's
 * arguments (`args`, else `arguments` split on whitespace), the script's path, the REST API's
 * address, `--paused`, and the `instance_id` and `testrun_name` tags.
 */
export function runnerCommand(name: string, spec: TestRunSpec, index: number): string[] {
  const argv = ['k6', 'run', '--quiet'];
  if (spec.parallelism > 1) argv.push(...segmentFlags(index, spec.parallelism));
  argv.push(...(spec.args?.length ? spec.args : (spec.arguments ?? '').split(/\s+/).filter(Boolean)));
  argv.push(`${SCRIPT_MOUNT}/${spec.script.configMap.file}`, `--address=${K6_ADDRESS}`, '--paused');
  argv.push('--tag', `instance_id=${index}`, '--tag', `testrun_name=${name}`);
  return argv;
}

/** kubelet's `$(VAR)` expansion in a container's command and arguments (`$$` escapes). */
export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) =>
    whole === '$$' ? '$' : name !== undefined && name in env ? env[name] : whole,
  );
}

/** A container path under one of the mounts, as the host folder that backs it (also after `x=`). */
function hostPath(text: string, mounts: Array<[string, string]>): string {
  for (const [mountPath, hostDir] of mounts) {
    const escaped = mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`(^|=)${escaped}(?=/|$)`);
    if (pattern.test(text)) return text.replace(pattern, `$1${hostDir}`);
  }
  return text;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One HTTP call to a runner's REST API; null when it does not answer within `timeoutMs`. */
function restCall(
  port: number,
  method: string,
  path: string,
  body: string | null,
  timeoutMs: number,
): Promise<{ status: number; text: string } | null> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: body ? { 'content-type': 'application/json' } : {},
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', () => resolve(null));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end(body ?? undefined);
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const SIGNALS: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGSEGV: 11, SIGABRT: 6 };

export class SimCluster {
  readonly url: string;
  /** Every kubectl call: its arguments (after --context/--namespace) and the kinds on stdin. */
  readonly calls: Array<{ args: string[]; globals: Record<string, string>; stdinKinds: string[] }> = [];
  private readonly objects = new Map<string, Stored>();
  private readonly testRuns = new Map<string, TestRunState>();
  private readonly graceMs: number;

  private constructor(
    private readonly server: Server,
    private readonly options: ClusterOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.graceMs = options.graceMs ?? 30_000;
  }

  static async start(options: ClusterOptions): Promise<SimCluster> {
    mkdirSync(options.dir, { recursive: true });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const cluster = new SimCluster(server, options);
    server.on('request', (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        cluster
          .kubectl(JSON.parse(body) as { args: string[]; globals: Record<string, string>; stdin: string })
          .catch((error: Error) => ({
            code: 1,
            stdout: Buffer.alloc(0),
            stderr: `simulator: ${error.stack}`,
          }))
          .then((answer) => {
            res.setHeader('content-type', 'application/json');
            res.end(
              JSON.stringify({
                code: answer.code,
                stdout: answer.stdout.toString('base64'),
                stderr: answer.stderr,
              }),
            );
          });
      });
    });
    return cluster;
  }

  /** The TestRun's runners (created once the initializer has passed). */
  runners(name?: string): SimRunner[] {
    const run = name ? this.testRuns.get(name) : [...this.testRuns.values()][0];
    return run?.runners ?? [];
  }

  /** The stages the (first, or named) TestRun went through, in order. */
  stages(name?: string): string[] {
    const run = name ? this.testRuns.get(name) : [...this.testRuns.values()][0];
    return run?.history.map((h) => h.stage) ?? [];
  }

  /** When the (first, or named) TestRun entered a stage, epoch ms; null if it never did. */
  stageAt(stage: string, name?: string): number | null {
    const run = name ? this.testRuns.get(name) : [...this.testRuns.values()][0];
    return run?.history.find((h) => h.stage === stage)?.at ?? null;
  }

  /** Whether an object of that kind and name exists (TestRuns: not deleted). */
  has(kind: string, name: string): boolean {
    if (kind === 'TestRun') return Boolean(this.testRuns.get(name) && !this.testRuns.get(name)?.deleted);
    return this.objects.has(`${kind}/${name}`);
  }

  kinds(): string[] {
    const live = [...this.testRuns.values()].filter((t) => !t.deleted).map(() => 'TestRun');
    return [...[...this.objects.values()].map((o) => o.kind), ...live].sort();
  }

  /** Resolves once every TestRun's controller is done and every process it started has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.testRuns.values()].map((t) => t.done));
    await Promise.all([...this.testRuns.values()].flatMap((t) => t.runners.map((r) => r.exited)));
  }

  /** Stops what is still running (SIGKILL) and the API server. */
  async stop(): Promise<void> {
    for (const run of this.testRuns.values()) {
      run.deleted = true;
      run.initializer?.kill('SIGKILL');
      for (const r of run.runners) if (r.finishedAt === null) r.child.kill('SIGKILL');
    }
    await this.settled().catch(() => {});
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- the API server, as kubectl sees it ----

  private async kubectl(call: {
    args: string[];
    globals: Record<string, string>;
    stdin: string;
  }): Promise<{ code: number; stdout: Buffer; stderr: string }> {
    const { args } = call;
    const items =
      args[0] === 'create' && call.stdin ? (JSON.parse(call.stdin).items as Stored['body'][]) : [];
    this.calls.push({ args, globals: call.globals, stdinKinds: items.map((i) => String(i.kind)) });
    const ok = (text: string) => ({ code: 0, stdout: Buffer.from(text), stderr: '' });
    const fail = (text: string) => ({ code: 1, stdout: Buffer.alloc(0), stderr: `${text}\n` });
    const [verb, ...rest] = args;
    switch (verb) {
      case 'version':
        return ok(
          JSON.stringify({
            clientVersion: { gitVersion: 'v1.31.2' },
            serverVersion: { gitVersion: 'v1.31.2-simulated' },
          }),
        );
      case 'api-resources':
        return ok('testruns.k6.io\n');
      case 'auth':
        return ok('yes\n');
      case 'create':
        return this.create(items);
      case 'get':
        return this.get(rest);
      case 'exec':
        return this.exec(rest);
      case 'delete':
        return this.delete(rest);
      default:
        return fail(`error: unknown command "${verb}" for "kubectl"`);
    }
  }

  private create(items: Stored['body'][]): { code: number; stdout: Buffer; stderr: string } {
    let out = '';
    for (const item of items) {
      const kind = String(item.kind);
      const name = String((item.metadata as { name: string }).name);
      const key = `${kind}/${name}`;
      if (this.objects.has(key) || (kind === 'TestRun' && this.testRuns.has(name))) {
        return {
          code: 1,
          stdout: Buffer.from(out),
          stderr: `Error from server (AlreadyExists): ${key} already exists\n`,
        };
      }
      if (kind === 'ConfigMap') this.writeConfigMap(name, item);
      if (kind === 'PersistentVolumeClaim') mkdirSync(this.volumeDir(name), { recursive: true });
      if (kind === 'TestRun') this.startTestRun(name, item.spec as TestRunSpec);
      else this.objects.set(key, { kind, name, body: item });
      out += `${kind.toLowerCase()}/${name} created\n`;
    }
    return { code: 0, stdout: Buffer.from(out), stderr: '' };
  }

  private get(rest: string[]): { code: number; stdout: Buffer; stderr: string } {
    const [what, name] = rest;
    const json = (value: unknown) => ({ code: 0, stdout: Buffer.from(JSON.stringify(value)), stderr: '' });
    const notFound = (type: string) => ({
      code: 1,
      stdout: Buffer.alloc(0),
      stderr: `Error from server (NotFound): ${type} "${name}" not found\n`,
    });
    if (what === 'namespace') return { code: 0, stdout: Buffer.from(`namespace/${name}\n`), stderr: '' };
    if (what === 'pod') {
      if (!this.objects.has(`Pod/${name}`)) return notFound('pods');
      return json({
        metadata: { name },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      });
    }
    if (what === 'testrun') {
      const run = this.testRuns.get(name);
      if (!run || run.deleted) return notFound('testruns.k6.io');
      return json({
        apiVersion: 'k6.io/v1alpha1',
        kind: 'TestRun',
        metadata: { name },
        spec: run.spec,
        status: { stage: run.stage, conditions: run.conditions },
      });
    }
    if (what === 'pods') {
      const selector = rest[rest.indexOf('-l') + 1] ?? '';
      const owner = /k6_cr=([^,]+)/.exec(selector)?.[1] ?? '';
      const run = this.testRuns.get(owner);
      return json({
        items: (run?.runners ?? []).filter((r) => this.podExists(run, r)).map((r) => podJson(r)),
      });
    }
    return {
      code: 1,
      stdout: Buffer.alloc(0),
      stderr: `error: the server doesn't have a resource type "${what}"\n`,
    };
  }

  /** A runner pod stays listed until its process has ended after its TestRun was deleted. */
  private podExists(run: TestRunState | undefined, runner: SimRunner): boolean {
    return !(run?.deleted && runner.finishedAt !== null);
  }

  private async exec(rest: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
    const pod = rest[0];
    const command = rest.slice(rest.indexOf('--') + 1);
    const stored = this.objects.get(`Pod/${pod}`);
    if (!stored) {
      return {
        code: 1,
        stdout: Buffer.alloc(0),
        stderr: `Error from server (NotFound): pods "${pod}" not found\n`,
      };
    }
    const spec = stored.body.spec as {
      containers: Array<{ volumeMounts?: Array<{ name: string; mountPath: string }> }>;
      volumes?: Volume[];
    };
    const mounts = this.mounts(spec.volumes ?? [], spec.containers[0].volumeMounts ?? []);
    if (command[0] === 'k6') {
      // The collector runs the runners' image: here, the embedded engine.
      return run(process.execPath, [this.options.engineBin, ...command.slice(1)], {
        PATH: process.env.PATH ?? '',
      });
    }
    if (command[0] === 'tar') {
      return run(
        'tar',
        command.slice(1).map((a) => hostPath(a, mounts)),
        { PATH: process.env.PATH ?? '' },
      );
    }
    return {
      code: 126,
      stdout: Buffer.alloc(0),
      stderr: `exec: "${command[0]}": not in the simulated image\n`,
    };
  }

  private delete(rest: string[]): { code: number; stdout: Buffer; stderr: string } {
    const refs = rest.filter((a) => !a.startsWith('-'));
    const pairs: Array<[string, string]> = refs[0]?.includes('/')
      ? refs.map((r) => r.split('/') as [string, string])
      : [[refs[0], refs[1]]];
    let out = '';
    for (const [type, name] of pairs) {
      const kind = KINDS[type.toLowerCase()] ?? type;
      if (kind === 'TestRun') {
        const run = this.testRuns.get(name);
        if (run && !run.deleted) this.deleteTestRun(run);
      } else this.objects.delete(`${kind}/${name}`);
      out += `${type}/${name} deleted\n`;
    }
    return { code: 0, stdout: Buffer.from(out), stderr: '' };
  }

  // ---- storage ----

  private volumeDir(claim: string): string {
    return join(this.options.dir, 'volumes', claim);
  }

  private configMapDir(name: string): string {
    return join(this.options.dir, 'configmaps', name);
  }

  private writeConfigMap(name: string, item: Stored['body']): void {
    const dir = this.configMapDir(name);
    mkdirSync(dir, { recursive: true });
    for (const [key, text] of Object.entries((item.data ?? {}) as Record<string, string>))
      writeFileSync(join(dir, key), text);
    for (const [key, b64] of Object.entries((item.binaryData ?? {}) as Record<string, string>))
      writeFileSync(join(dir, key), Buffer.from(b64, 'base64'));
  }

  /** [mountPath, host folder] for a pod's volume mounts. */
  private mounts(
    volumes: Volume[],
    volumeMounts: Array<{ name: string; mountPath: string }>,
  ): Array<[string, string]> {
    const byName = new Map(volumes.map((v) => [v.name, v]));
    const out: Array<[string, string]> = [];
    for (const m of volumeMounts) {
      const v = byName.get(m.name);
      if (v?.persistentVolumeClaim)
        out.push([m.mountPath, this.volumeDir(v.persistentVolumeClaim.claimName)]);
      else if (v?.configMap) out.push([m.mountPath, this.configMapDir(v.configMap.name)]);
    }
    // Longest first, so /results/x wins over /results.
    return out.sort((a, b) => b[0].length - a[0].length);
  }

  /** A container's environment: values, Secret keys, the pod's name. */
  private containerEnv(vars: EnvVar[], pod: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const v of vars) {
      if (v.value !== undefined) env[v.name] = expandVars(v.value, env);
      else if (v.valueFrom?.secretKeyRef) {
        const ref = v.valueFrom.secretKeyRef;
        const secret = this.objects.get(`Secret/${ref.name}`)?.body.stringData as
          | Record<string, string>
          | undefined;
        if (secret?.[ref.key] === undefined) throw new Error(`secret ${ref.name} has no key ${ref.key}`);
        env[v.name] = secret[ref.key];
      } else if (v.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[v.name] = pod;
    }
    return env;
  }

  // ---- k6-operator's controller ----

  private startTestRun(name: string, spec: TestRunSpec): void {
    const state: TestRunState = {
      name,
      spec,
      stage: '',
      conditions: [],
      deleted: false,
      runners: [],
      initializer: null,
      history: [],
      done: Promise.resolve(),
    };
    this.testRuns.set(name, state);
    state.done = this.operate(state).catch((error: Error) => {
      this.setStage(state, 'error');
      state.conditions = [
        { type: 'TestRunRunning', status: 'False', reason: 'Error', message: error.message },
      ];
    });
  }

  private setStage(run: TestRunState, stage: string): void {
    run.stage = stage;
    run.history.push({ stage, at: Date.now() });
    // Condition TestRunRunning: Unknown until the start, True from the start, False once stopped
    // (k6-operator's reconcile loop; lastTransitionTime in whole seconds, as metav1.Time).
    const status = { initialization: 'Unknown', started: 'True', stopped: 'False' }[stage];
    if (status) {
      run.conditions = [
        {
          type: 'TestRunRunning',
          status,
          reason: `TestRunRunning${status}`,
          lastTransitionTime: kubeTime(new Date().toISOString()),
        },
      ];
    }
  }

  private async operate(run: TestRunState): Promise<void> {
    const { spec, name } = run;
    this.setStage(run, 'initialization');
    const scriptDir = this.configMapDir(spec.script.configMap.name);
    const scriptMounts: Array<[string, string]> = [[SCRIPT_MOUNT, scriptDir]];
    const initEnv = this.containerEnv(spec.initializer?.env ?? [], `${name}-initializer`);
    for (const key of Object.keys(initEnv)) initEnv[key] = hostPath(initEnv[key], scriptMounts);
    const home = join(this.options.dir, 'pods', `${name}-initializer`);
    mkdirSync(home, { recursive: true });
    // k6-operator hands the initializer's environment to k6 as `-e NAME=value` flags: `k6 inspect`
    // (like archive) does not put the system environment into __ENV.
    const envFlags = Object.entries(initEnv).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    const init = spawn(
      process.execPath,
      [this.options.engineBin, 'inspect', ...envFlags, join(scriptDir, spec.script.configMap.file)],
      { env: { PATH: process.env.PATH ?? '', HOME: home, ...initEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    run.initializer = init;
    const initOut = collect(init);
    const initEnd = await exitOf(init);
    run.initializer = null;
    if (run.deleted) return;
    if (initEnd.code !== 0) {
      this.setStage(run, 'error');
      const line = (await initOut).split('\n').find((l) => l.trim()) ?? `exit ${initEnd.code}`;
      run.conditions = [
        { type: 'TestRunRunning', status: 'False', reason: 'Error', message: `initializer: ${line.trim()}` },
      ];
      return;
    }
    this.setStage(run, 'initialized');
    for (let index = 1; index <= spec.parallelism; index++)
      run.runners.push(await this.startRunner(run, index));
    this.setStage(run, 'created');
    // The starter: once every runner pod is Running and Ready, un-pause them all.
    const probes = run.runners.map((r) => this.probe(run, r));
    while (!run.deleted && !run.runners.every((r) => r.ready && r.finishedAt === null)) {
      if (run.runners.every((r) => r.finishedAt !== null)) break;
      await sleep(100);
    }
    if (run.deleted) return;
    if (run.runners.every((r) => r.ready)) {
      const body = JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } });
      await Promise.all(
        run.runners.map(async (r) => {
          // curl --retry 3, as the starter job does.
          for (let attempt = 0; attempt < 4 && !r.unpaused; attempt++) {
            const answer = await restCall(r.port, 'PATCH', '/v1/status', body, 5_000);
            r.unpaused = answer !== null && answer.status < 400;
          }
        }),
      );
      this.setStage(run, 'started');
    }
    await Promise.all(run.runners.map((r) => r.exited));
    await Promise.all(probes);
    if (run.deleted) return;
    if (run.stage === 'started') {
      this.setStage(run, 'stopped');
      this.setStage(run, 'finished');
    }
  }

  private async startRunner(run: TestRunState, index: number): Promise<SimRunner> {
    const { spec, name } = run;
    const pod = `${name}-${index}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const env = this.containerEnv(spec.runner.env ?? [], pod);
    const mounts = this.mounts(
      [
        ...(spec.runner.volumes ?? []),
        { name: 'k6-test-volume', configMap: { name: spec.script.configMap.name } },
      ],
      [...(spec.runner.volumeMounts ?? []), { name: 'k6-test-volume', mountPath: SCRIPT_MOUNT }],
    );
    for (const key of Object.keys(env)) env[key] = hostPath(env[key], mounts);
    const k6Argv = runnerCommand(name, spec, index);
    const port = await freePort();
    // Each runner listens on a loopback port of its own instead of 0.0.0.0:6565: the simulated
    // pods share this machine's network.
    const hostArgv = [
      this.options.engineBin,
      ...k6Argv
        .slice(1)
        .map((a) =>
          a === `--address=${K6_ADDRESS}`
            ? `--address=127.0.0.1:${port}`
            : hostPath(expandVars(a, env), mounts),
        ),
    ];
    const home = join(this.options.dir, 'pods', pod);
    mkdirSync(home, { recursive: true });
    const logFile = join(this.options.dir, 'pods', `${pod}.log`);
    const child = spawn(process.execPath, hostArgv, {
      env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(logFile);
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const runner: SimRunner = {
      index,
      pod,
      k6Argv,
      hostArgv,
      port,
      child,
      logFile,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      exitCode: null,
      signal: null,
      ready: false,
      frozen: false,
      unpaused: false,
      exited: Promise.resolve(),
    };
    runner.exited = exitOf(child).then(({ code, signal }) => {
      runner.finishedAt = new Date().toISOString();
      runner.exitCode = code ?? 128 + (SIGNALS[signal ?? ''] ?? 0);
      runner.signal = signal;
      runner.ready = false;
      log.end();
    });
    return runner;
  }

  /** The readiness probe (GET /v1/status), and the freeze of an unresponsive runner. */
  private async probe(run: TestRunState, runner: SimRunner): Promise<void> {
    const freeze = this.options.unresponsive?.includes(runner.index);
    while (runner.finishedAt === null) {
      if (freeze && !runner.frozen) {
        if (await listening(runner.port)) {
          runner.child.kill('SIGSTOP');
          runner.frozen = true;
        }
      } else {
        const answer = await restCall(runner.port, 'GET', '/v1/status', null, 1_000);
        if (runner.finishedAt === null) runner.ready = answer !== null && answer.status < 400;
      }
      await Promise.race([sleep(run.stage === 'started' ? 1_000 : 100), runner.exited]);
    }
  }

  private deleteTestRun(run: TestRunState): void {
    run.deleted = true;
    run.initializer?.kill('SIGKILL');
    for (const runner of run.runners) {
      if (runner.finishedAt !== null) continue;
      runner.child.kill('SIGTERM');
      const timer = setTimeout(() => runner.child.kill('SIGKILL'), this.graceMs);
      runner.exited.then(() => clearTimeout(timer));
    }
  }
}

const KINDS: Record<string, string> = {
  testrun: 'TestRun',
  testruns: 'TestRun',
  'testruns.k6.io': 'TestRun',
  secret: 'Secret',
  configmap: 'ConfigMap',
  pod: 'Pod',
  persistentvolumeclaim: 'PersistentVolumeClaim',
  pvc: 'PersistentVolumeClaim',
};

/** RFC 3339 in whole seconds, as the kubelet reports container times. */
const kubeTime = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');

function podJson(r: SimRunner): unknown {
  const phase = r.finishedAt === null ? 'Running' : r.exitCode === 0 ? 'Succeeded' : 'Failed';
  const state =
    r.finishedAt === null
      ? { running: { startedAt: kubeTime(r.startedAt) } }
      : {
          terminated: {
            exitCode: r.exitCode,
            ...(r.signal ? { signal: SIGNALS[r.signal] } : {}),
            reason: r.exitCode === 0 ? 'Completed' : 'Error',
            startedAt: kubeTime(r.startedAt),
            finishedAt: kubeTime(r.finishedAt),
          },
        };
  return {
    metadata: { name: r.pod, labels: { app: 'k6', runner: 'true' } },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: r.ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'k6', ready: r.ready, state }],
    },
  };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: 127, signal: null }));
  });
}

function collect(child: ChildProcess): Promise<string> {
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (text += d));
  return new Promise((resolve) => child.once('close', () => resolve(text)));
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', (e) => resolve({ code: 127, stdout: Buffer.alloc(0), stderr: e.message }));
    child.once('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(chunks), stderr }));
  });
}
