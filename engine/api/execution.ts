// The `k6/execution` module: instance, scenario, vu and test, for both kinds of VU
// (https://grafana.com/docs/k6/latest/javascript-api/k6-execution/).
import type { InstanceFigures, ModuleVU } from './module-vu.ts';

const INSTANCE_FIGURES: (keyof InstanceFigures)[] = [
  'iterationsInterrupted',
  'iterationsCompleted',
  'vusActive',
  'vusInitialized',
  'currentTestRunDuration',
];

export function createExecution(vu: ModuleVU) {
  const running = (what: string) => {
    const facts = vu.scenario();
    if (!facts) {
      throw new Error(
        `exec.scenario.${what} is only available while an iteration of a scenario runs, not in init/setup/teardown.`,
      );
    }
    return facts;
  };
  /** Live figures: each read asks the VU, so a named import of `instance` stays current. */
  const instance = Object.defineProperties(
    {},
    Object.fromEntries(
      INSTANCE_FIGURES.map((name) => [name, { get: () => vu.instance()[name], enumerable: true }]),
    ),
  ) as InstanceFigures;
  const tags = liveTags(vu);
  return {
    get instance() {
      return instance;
    },
    scenario: {
      get name() {
        return running('name').name;
      },
      get executor() {
        return running('executor').executor;
      },
      get startTime() {
        return running('startTime').startTime;
      },
      get progress() {
        running('progress');
        return vu.scenarioProgress();
      },
      get iterationInInstance() {
        return running('iterationInInstance').iterationInInstance;
      },
      get iterationInTest() {
        return running('iterationInTest').iterationInTest;
      },
    },
    vu: {
      get idInInstance() {
        return vu.id;
      },
      get idInTest() {
        return vu.idInTest;
      },
      get iterationInInstance() {
        return Math.max(0, vu.iter);
      },
      get iterationInScenario() {
        return Math.max(0, vu.iterationInScenario);
      },
      get tags() {
        return tags;
      },
      metrics: {
        get tags() {
          return tags;
        },
        get metadata() {
          return vu.metadata;
        },
      },
    },
    test: {
      abort(message?: string): never {
        vu.abortTest(message ?? 'test aborted');
        throw new Error(`test aborted${message ? `: ${message}` : ''}`);
      },
      fail(message?: string): void {
        vu.failTest(message ?? 'test marked as failed');
      },
      get options() {
        return vu.options;
      },
    },
  };
}

/**
 * exec.vu.tags as k6 has it: reading gives every tag the VU's samples carry now (the test's,
 * the scenario's, `scenario`, `group` and the VU's own); writing sets one of the VU's own. In the
 * init context there is no VU state yet: only the VU's own tags.
 */
function liveTags(vu: ModuleVU): Record<string, string> {
  const now = (): Record<string, string> => (vu.phase === 'init' ? { ...vu.tags } : vu.currentTags());
  return new Proxy(vu.tags, {
    get: (_target, key) => (typeof key === 'string' ? now()[key] : undefined),
    has: (_target, key) => typeof key === 'string' && key in now(),
    ownKeys: () => Object.keys(now()),
    getOwnPropertyDescriptor: (_target, key) => {
      const all = now();
      if (typeof key !== 'string' || !(key in all)) return undefined;
      return { value: all[key], writable: true, enumerable: true, configurable: true };
    },
    set: (target, key, value) => Reflect.set(target, key, value),
    deleteProperty: (target, key) => Reflect.deleteProperty(target, key),
  });
}
