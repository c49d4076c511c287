import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { appFailure } from './app-failure.ts';
import { AppVersion, StartFailure } from './app-version.ts';
import type { LaunchPlan } from './apps/launch-plan.ts';
import { plumbArgument, plumberPlan } from './apps/plumber.ts';
import { entrypointModuleFile, pythonApiPlan, wsgiTarget } from './apps/python-api.ts';
import type { BundleLimits } from './archive/limits.ts';
import { readBundle } from './archive/read-bundle.ts';
import type { Content } from './content.ts';
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
const defaultInitTimeoutSeconds = 60;

/**
 * Runs deploy tasks (extract, plan, start, switch) one at a time per content, and owns every app
 * version that has processes: the one serving each content, ones starting, and replaced ones draining.
 */
export class Deployer {
  readonly #serving = new Map<string, AppVersion>();
  readonly #versions = new Map<AppVersion, { guid: string; name: string }>();
  readonly #queues = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly tasks: TaskBoard,
    private readonly limits: BundleLimits,
    private readonly contentDir: (guid: string) => string,
    private readonly log: (line: string) => void,
  ) {}

  serving(guid: string): AppVersion | undefined {
    return this.#serving.get(guid);
  }

  /** Queues a deploy of `bundle` and returns its task at once. */
  deploy(content: Content, bundle: Bundle): Task {
    const task = this.tasks.create();
    const previous = this.#queues.get(content.guid) ?? Promise.resolve();
    const run = previous.then(() => this.#run(task, content, bundle));
    this.#queues.set(content.guid, run);
    run.finally(() => {
      if (this.#queues.get(content.guid) === run) this.#queues.delete(content.guid);
    });
    return task;
  }

  /** Stops every process of the content and waits for its deploys to end (for DELETE). */
  async remove(guid: string): Promise<void> {
    this.#serving.delete(guid);
    const stops = [...this.#versions].filter(([, v]) => v.guid === guid).map(([version]) => version.stop());
    await Promise.all([...stops, this.#queues.get(guid)]);
  }

  async stopAll(): Promise<void> {
    this.#serving.clear();
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

  async #run(task: Task, content: Content, bundle: Bundle): Promise<void> {
    const say = (line: string) => {
      this.tasks.log(task, line);
      this.log(`[${content.name}] ${line}`);
    };
    const dir = this.contentDir(content.guid);
    const stillThere = () => {
      if (!this.store.content.has(content.guid))
        throw new Error('The content was deleted during the deploy.');
    };
    let staging: string | undefined;
    let version: AppVersion | undefined;
    try {
      say(`Deploying bundle ${bundle.id} for content ${content.guid}`);
      stillThere();
      staging = await mkdtemp(join(dir, 'staging-'));
      say(`Extracting bundle ${bundle.id} (${bundle.size} bytes)`);
      const { manifest, files } = await readBundle(bundle.archive, this.limits, staging);
      const plan = await planFor(manifest.appmode, manifest, files, staging, content);
      for (const line of plan.buildLines) say(line);
      stillThere();
      await mkdir(join(dir, 'versions'), { recursive: true });
      const versionDir = join(dir, 'versions', `bundle-${bundle.id}-${task.id}`);
      await rename(staging, versionDir);
      staging = versionDir;
      say(plan.launchLine);
      version = new AppVersion(plan, versionDir, (content.init_timeout ?? defaultInitTimeoutSeconds) * 1000);
      this.#versions.set(version, { guid: content.guid, name: content.name });
      await version.start();
      stillThere();
      this.#switchTo(content, bundle, version);
      say('Application successfully deployed');
      this.tasks.finish(task, 0, '');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const tail = err instanceof StartFailure ? err.tail : [];
      for (const line of tail) say(line);
      say(`Error: ${message}`);
      if (version) {
        await version.stop();
        this.#versions.delete(version);
      }
      if (staging) await rm(staging, { recursive: true, force: true });
      const cause = appFailure(tail);
      this.tasks.finish(task, 1, cause ? `${message} The app said: ${cause}` : message);
    }
  }

  #switchTo(content: Content, bundle: Bundle, version: AppVersion): void {
    const old = this.#serving.get(content.guid);
    this.#serving.set(content.guid, version);
    Object.assign(content, {
      bundle_id: bundle.id,
      app_mode: bundle.manifest.appmode,
      last_deployed_time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      py_version: bundle.manifest.appmode === 'python-api' ? bundle.manifest.pythonVersion : null,
      r_version: bundle.manifest.appmode === 'api' ? bundle.manifest.rVersion : null,
    });
    if (old) {
      old.retire(drainMs).then(async () => {
        this.#versions.delete(old);
        await rm(old.dir, { recursive: true, force: true });
      });
    }
  }
}

async function planFor(
  appmode: string,
  manifest: Parameters<typeof pythonApiPlan>[0],
  files: ReadonlySet<string>,
  dir: string,
  content: Content,
): Promise<LaunchPlan> {
  if (appmode === 'python-api') {
    const moduleFile = entrypointModuleFile(manifest.entrypoint, files);
    const source = await readFile(join(dir, moduleFile), 'utf8');
    return pythonApiPlan(manifest, wsgiTarget(manifest.entrypoint, source), content);
  }
  if (appmode === 'api') return plumberPlan(manifest, plumbArgument(manifest.entrypoint, files), content);
  throw new Error(
    `This stand-in runs only python-api (Flask) and api (Plumber) content; the bundle's appmode is "${appmode}". Publish one of those.`,
  );
}
