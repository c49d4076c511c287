import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppVersion } from './app-version.ts';
import type { LaunchPlan, ProcessLimits } from './apps/launch-plan.ts';
import { plumbArgument, plumberPlan } from './apps/plumber.ts';
import { entrypointModuleFile, pythonApiPlan, wsgiTarget } from './apps/python-api.ts';
import type { BundleLimits } from './archive/limits.ts';
import type { Manifest } from './archive/manifest.ts';
import { readBundle } from './archive/read-bundle.ts';
import type { Content } from './content.ts';
import { RestoreFailure, restorePython, restoreR } from './environment.ts';
import { exitCodeOf, JobBoard, type JobTag } from './jobs.ts';
import { maxTimeoutSeconds } from './scheduler.ts';
import type { Bundle, Store } from './store.ts';
import type { Task, TaskBoard } from './tasks.ts';

export interface RunningProcess {
  pid: number;
  contentGuid: string;
  contentName: string;
  kind: 'gunicorn' | 'R';
  port: number;
}

/** How long a replaced version may keep serving requests already in flight. */
const drainMs = 30_000;

/**
 * Connect's server defaults (Scheduler.*) for content settings left null. IdleTimeout is 5 s as
 * Posit's admin training states ("By default IdleTimeout is set to 5 seconds").
 */
export const schedulerDefaults = {
  minProcesses: 0,
  maxProcesses: 3,
  maxConnsPerProcess: 20,
  loadFactor: 0.5,
  idleTimeoutSeconds: 5,
  initTimeoutSeconds: 60,
};

/**
 * The content's process settings now (a PATCH applies at once, see Deployer.settingsChanged).
 * load_factor is a share (0 to 1); timeouts are capped at Connect's maximum, 2592000 s.
 */
export function limitsOf(c: Content): ProcessLimits {
  const whole = (v: number | null, fallback: number) => (v === null ? fallback : Math.floor(v));
  const seconds = (v: number | null, fallback: number) => Math.min(maxTimeoutSeconds, v ?? fallback);
  const max = Math.max(1, whole(c.max_processes, schedulerDefaults.maxProcesses));
  return {
    minProcesses: Math.min(max, whole(c.min_processes, schedulerDefaults.minProcesses)),
    maxProcesses: max,
    maxConnsPerProcess: Math.max(1, whole(c.max_conns_per_process, schedulerDefaults.maxConnsPerProcess)),
    loadFactor: Math.min(1, Math.max(0, c.load_factor ?? schedulerDefaults.loadFactor)),
    idleTimeoutMs: seconds(c.idle_timeout, schedulerDefaults.idleTimeoutSeconds) * 1000,
    initTimeoutMs: Math.max(1, seconds(c.init_timeout, schedulerDefaults.initTimeoutSeconds)) * 1000,
  };
}

const runTags: Record<LaunchPlan['kind'], JobTag> = { gunicorn: 'run_python_api', R: 'run_api' };

/**
 * Runs deploy tasks one at a time per content, as Connect does: unpack the bundle, restore its
 * environment, then activate it (or keep it as a draft). A task never starts the app: the first
 * request does (see AppVersion). Owns every built version: the active one per content, drafts, and
 * replaced ones draining.
 */
export class Deployer {
  readonly #active = new Map<string, AppVersion>();
  readonly #drafts = new Map<string, Map<string, AppVersion>>();
  readonly #versions = new Map<AppVersion, { guid: string; name: string; bundleId: string }>();
  readonly #queues = new Map<string, Promise<void>>();
  /** Every process run for each content item, as `GET /v1/content/{guid}/jobs` lists them. */
  readonly jobs = new JobBoard();

  constructor(
    private readonly store: Store,
    private readonly tasks: TaskBoard,
    private readonly limits: BundleLimits,
    private readonly contentDir: (guid: string) => string,
    private readonly log: (line: string) => void,
  ) {}

  /** The active version of the content. */
  serving(guid: string): AppVersion | undefined {
    return this.#active.get(guid);
  }

  /** The built version of one bundle (active or draft), for /content/{guid}/_bundle{id}/. */
  built(guid: string, bundleId: string): AppVersion | undefined {
    const active = this.#active.get(guid);
    if (active && this.#versions.get(active)?.bundleId === bundleId) return active;
    return this.#drafts.get(guid)?.get(bundleId);
  }

  /** Queues a build of `bundle` (activated unless `activate` is false) and returns its task at once. */
  deploy(content: Content, bundle: Bundle, activate: boolean): Task {
    const task = this.tasks.create();
    const previous = this.#queues.get(content.guid) ?? Promise.resolve();
    const run = previous.then(() => this.#run(task, content, bundle, activate));
    this.#queues.set(content.guid, run);
    run.finally(() => {
      if (this.#queues.get(content.guid) === run) this.#queues.delete(content.guid);
    });
    return task;
  }

  /** Stops and removes a draft built from the bundle (for DELETE of the bundle). */
  async dropBundle(guid: string, bundleId: string): Promise<void> {
    const draft = this.#drafts.get(guid)?.get(bundleId);
    if (draft) {
      this.#drafts.get(guid)?.delete(bundleId);
      await this.#discard(draft, 0);
    }
  }

  /** The content's settings changed: its versions apply them at once (min_processes, idle stops). */
  settingsChanged(guid: string): void {
    this.#active.get(guid)?.settingsChanged(true);
    for (const draft of this.#drafts.get(guid)?.values() ?? []) draft.settingsChanged(false);
  }

  /** The content's environment changed: new processes serve new requests, the old ones drain and stop. */
  recycle(guid: string): void {
    this.#active.get(guid)?.recycle(true);
    for (const draft of this.#drafts.get(guid)?.values() ?? []) draft.recycle(false);
  }

  /** Stops every process of the content and waits for its deploys to end (for DELETE). */
  async remove(guid: string): Promise<void> {
    this.jobs.forget(guid);
    this.#active.delete(guid);
    this.#drafts.delete(guid);
    const versions = [...this.#versions].filter(([, v]) => v.guid === guid).map(([version]) => version);
    await Promise.all([...versions.map((v) => v.stop()), this.#queues.get(guid)]);
    for (const version of versions) this.#versions.delete(version);
  }

  async stopAll(): Promise<void> {
    this.#active.clear();
    this.#drafts.clear();
    await Promise.all([...this.#versions.keys()].map((v) => v.stop()));
    await Promise.all(this.#queues.values());
  }

  processes(): RunningProcess[] {
    const list: RunningProcess[] = [];
    for (const [version, owner] of this.#versions) {
      for (const { pid, port } of version.running()) {
        list.push({ pid, contentGuid: owner.guid, contentName: owner.name, kind: version.plan.kind, port });
      }
    }
    return list;
  }

  async #run(task: Task, content: Content, bundle: Bundle, activate: boolean): Promise<void> {
    const say = (line: string) => {
      this.tasks.log(task, line);
      this.log(`[${content.name}] ${line}`);
    };
    const stillThere = () => {
      if (!this.store.content.has(content.guid))
        throw new Error('The content was deleted during the deploy.');
    };
    const versionDir = join(this.contentDir(content.guid), 'versions', `bundle-${bundle.id}-${task.id}`);
    let kept = false;
    try {
      say(`Building bundle ${bundle.id} of content ${content.guid}`);
      stillThere();
      const appDir = join(versionDir, 'app');
      await mkdir(appDir, { recursive: true });
      say(`Extracting bundle ${bundle.id} (${bundle.size} bytes)`);
      const { manifest, files } = await readBundle(bundle.archive, this.limits, appDir);
      const restore =
        manifest.appmode === 'api' || manifest.appmode === 'python-api'
          ? this.jobs.start(content.guid, {
              appId: content.id,
              bundleId: bundle.id,
              tag: manifest.appmode === 'api' ? 'packrat_restore' : 'python_restore',
              // The restore runs a few short tools in turn; the job shows the stand-in that runs them.
              pid: process.pid,
            })
          : undefined;
      let plan: LaunchPlan;
      try {
        plan = await this.#build(manifest, files, versionDir, say);
        if (restore) this.jobs.finish(content.guid, restore, 0);
      } catch (err) {
        if (restore) this.jobs.finish(content.guid, restore, 1);
        throw err;
      } finally {
        if (restore) this.jobs.finalize(restore);
      }
      stillThere();
      const version = new AppVersion(
        plan,
        versionDir,
        () => limitsOf(content),
        () => Object.fromEntries(this.store.environmentOf(content.guid)),
        (line) => this.log(`[${content.name}] ${line}`),
        (proc) => {
          const job = this.jobs.start(content.guid, {
            appId: content.id,
            bundleId: bundle.id,
            tag: runTags[plan.kind],
            pid: proc.pid,
          });
          proc.exited.then((code) => this.jobs.finish(content.guid, job, exitCodeOf(code, proc.signal)));
          return { finalized: () => this.jobs.finalize(job) };
        },
      );
      this.#versions.set(version, { guid: content.guid, name: content.name, bundleId: bundle.id });
      kept = true;
      if (activate) {
        say(`Activating bundle ${bundle.id}`);
        this.#activate(content, bundle, version);
        say('Application successfully deployed');
      } else {
        this.#keepDraft(content.guid, bundle.id, version);
        say(
          `Bundle ${bundle.id} built as a draft, not activated: /content/${content.guid}/_bundle${bundle.id}/`,
        );
      }
      this.tasks.finish(task, 0, '');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      say(err instanceof RestoreFailure ? message : `Error: ${message}`);
      if (!kept) await rm(versionDir, { recursive: true, force: true });
      this.tasks.finish(task, 1, message);
    }
  }

  /** Plans how to run the bundle and restores its environment, saying each step in the task output. */
  async #build(
    manifest: Manifest,
    files: ReadonlySet<string>,
    versionDir: string,
    say: (line: string) => void,
  ): Promise<LaunchPlan> {
    const appDir = join(versionDir, 'app');
    if (manifest.appmode === 'python-api') {
      const moduleFile = entrypointModuleFile(manifest.entrypoint, files);
      const target = wsgiTarget(manifest.entrypoint, await readFile(join(appDir, moduleFile), 'utf8'));
      say('Building Python API...');
      const python = await restorePython(manifest, appDir, files, join(versionDir, 'python-env'), say);
      say(`Python API entrypoint: ${target} (started on the first request)`);
      return pythonApiPlan(target, python);
    }
    if (manifest.appmode === 'api') {
      const plumb = plumbArgument(manifest.entrypoint, files);
      say('Building Plumber API...');
      await restoreR(manifest, say);
      say('Plumber API ready (started on the first request)');
      return plumberPlan(plumb);
    }
    throw new Error(
      `This stand-in runs only python-api (Flask) and api (Plumber) content; the bundle's appmode is "${manifest.appmode}". Publish one of those.`,
    );
  }

  #activate(content: Content, bundle: Bundle, version: AppVersion): void {
    const old = this.#active.get(content.guid);
    this.#active.set(content.guid, version);
    const draft = this.#drafts.get(content.guid)?.get(bundle.id);
    if (draft) {
      this.#drafts.get(content.guid)?.delete(bundle.id);
      this.#discard(draft, drainMs);
    }
    Object.assign(content, {
      bundle_id: bundle.id,
      app_mode: bundle.manifest.appmode,
      last_deployed_time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      py_version: bundle.manifest.appmode === 'python-api' ? bundle.manifest.pythonVersion : null,
      r_version: bundle.manifest.appmode === 'api' ? bundle.manifest.rVersion : null,
    });
    if (old) this.#discard(old, drainMs);
    // min_processes are kept warm from activation on.
    version.settingsChanged();
  }

  #keepDraft(guid: string, bundleId: string, version: AppVersion): void {
    let drafts = this.#drafts.get(guid);
    if (!drafts) {
      drafts = new Map();
      this.#drafts.set(guid, drafts);
    }
    const old = drafts.get(bundleId);
    drafts.set(bundleId, version);
    if (old) this.#discard(old, drainMs);
  }

  /** Lets a replaced version finish its requests, then stops it and removes its files. */
  async #discard(version: AppVersion, drain: number): Promise<void> {
    await version.retire(drain);
    this.#versions.delete(version);
    await rm(version.dir, { recursive: true, force: true });
  }
}
