// The async VUs' side of ../api/module-vu.ts: a k6 module imported by a VU's copy of the script
// (`…?__run=R&__vu=N`) finds its VU from its own URL and acts on it directly, in the VU thread.
import { AsyncLocalStorage } from 'node:async_hooks';
import { htmlOf } from '../api/html.ts';
import type { ModuleVU, SampleTags } from '../api/module-vu.ts';
import { readSecret } from '../api/secrets.ts';
import { deepFreeze, sharedArraysOf } from '../api/shared-array.ts';
import { createHttp } from '../http/api.ts';
import { loadUndici } from '../http/connection.ts';
import { useHtmlParser } from '../http/response.ts';
import { vuForModule } from '../registry.ts';
import type { VU } from '../vu.ts';
import { InterruptedError } from '../vu-errors.ts';
import { timersOf } from '../vu-timers.ts';

/** The group an async group's code runs in, carried across its awaits. */
interface GroupCell {
  vu: VU;
  group: string;
}

// Async context tracking slows every promise on Node 20, so it is switched on only for VUs that
// run an async group; synchronous code keeps the plain `vu.group` field.
const groupContext = new AsyncLocalStorage<GroupCell>();
const tracked = new WeakSet<VU>();

/** Makes `vu.group` read the group of the async group whose code is running, if any. */
function trackGroupAcrossAwaits(vu: VU): void {
  if (tracked.has(vu)) return;
  tracked.add(vu);
  let base = vu.group;
  Object.defineProperty(vu, 'group', {
    configurable: true,
    enumerable: true,
    get(): string {
      const cell = groupContext.getStore();
      return cell?.vu === vu ? cell.group : base;
    },
    set(value: string) {
      const cell = groupContext.getStore();
      if (cell?.vu === vu) cell.group = value;
      else base = value;
    },
  });
}

/** The VU's tags with `group` set to `path`. */
function tagsInGroup(vu: VU, path: string): SampleTags {
  const saved = vu.group;
  vu.group = path;
  const tags = vu.sampleTags();
  vu.group = saved;
  return tags;
}

function sleep(vu: VU, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (vu.interrupted) {
      reject(new InterruptedError());
      return;
    }
    const settle = vu.blocking('sleep()');
    const done = vu.onInterrupt((err) => {
      clearTimeout(timer);
      settle();
      reject(err);
    });
    const timer = setTimeout(() => {
      done();
      settle();
      resolve();
    }, ms);
  });
}

function forVU(vu: VU): ModuleVU {
  return {
    get phase() {
      return vu.phase;
    },
    get group() {
      return vu.group;
    },
    inGroup(path, fn) {
      const parent = vu.group;
      vu.group = path;
      try {
        return fn();
      } finally {
        vu.group = parent;
      }
    },
    inAsyncGroup(path, fn) {
      trackGroupAcrossAwaits(vu);
      return groupContext.run({ vu, group: path }, fn);
    },
    // An interrupted iteration's code that still runs (a catch around an awaited k6 call) emits
    // nothing: k6 runs no more of an interrupted iteration (see ../vu.ts).
    emitCheck(name, pass, tags) {
      if (!vu.interrupted) vu.emitCheck(name, pass, tags);
    },
    emitGroupDuration(path, ms) {
      if (!vu.interrupted) vu.emitGroupDuration(path, ms);
    },
    defineMetric(name, type, isTime) {
      vu.test.registry.define(name, type, isTime ? 'time' : 'default');
    },
    warn(text) {
      if (!vu.interrupted) vu.test.log('warn', text, {});
    },
    emitMetric(name, value, tags) {
      if (!vu.interrupted) vu.emitMetric(name, value, tags);
    },
    sleep: (ms) => sleep(vu, ms),
    timers: timersOf(vu),
    sharedArray(name, make) {
      // Every VU of a test runs in the same VU thread: the arrays are kept per test, one copy.
      const arrays = sharedArraysOf(vu.test);
      const existing = arrays.get(name);
      if (existing) return existing;
      const frozen = deepFreeze(JSON.parse(JSON.stringify(make())) as unknown[]);
      arrays.set(name, frozen);
      return frozen;
    },
    secret: (source, key) => readSecret(vu.test, source, key),
    get id() {
      return vu.id;
    },
    get idInTest() {
      return vu.idInTest;
    },
    get iter() {
      return vu.iter;
    },
    get iterationInScenario() {
      return vu.iterationInScenario;
    },
    scenario() {
      const s = vu.scenario;
      if (!s || vu.phase !== 'iteration') return null;
      return {
        name: s.name,
        executor: s.executor,
        startTime: s.startTime,
        iterationInTest: vu.iterationInTest,
        iterationInInstance: vu.iterationInInstance,
      };
    },
    scenarioProgress: () => vu.scenario?.progress() ?? 0,
    instance: () => vu.test.instanceStats(),
    tags: vu.tags,
    currentTags: () => ({ ...tagsInGroup(vu, vu.group) }),
    // Samples look at the metadata only once a script has reached for it (VU.metadataOf).
    get metadata() {
      vu.metadataUsed = true;
      return vu.metadata;
    },
    get options() {
      return vu.test.execOptions;
    },
    abortTest(message) {
      vu.test.abort(message);
      vu.interrupt();
    },
    failTest: (message) => vu.test.markFailed(message),
    httpModule() {
      // The HTTP client loads with the module, in the init context, before the test's clock runs.
      loadUndici();
      useHtmlParser(htmlOf);
      return createHttp(vu);
    },
  };
}

const views = new WeakMap<VU, ModuleVU>();

/** The VU a k6 module belongs to, from the module's own URL. */
export function moduleVU(moduleUrl: string): ModuleVU {
  const vu = vuForModule(moduleUrl);
  let view = views.get(vu);
  if (!view) {
    view = forVU(vu);
    views.set(vu, view);
  }
  return view;
}
