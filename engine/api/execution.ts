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
        `getting scenario information outside of the VU context is not supported (exec.scenario.${what} is there while an iteration of a scenario runs, not in init, setup or teardown)`,
      );
    }
    return facts;
  };
  /**
   * k6 has no VU state in the init context: reading the VU's, the instance's or the test options'
   * figures there throws its sentence (grafana/k6 internal/js/modules/k6/execution/execution.go).
   * Checked at each figure, so that `import { vu } from 'k6/execution'` still loads.
   */
  const notInInit = (what: 'VU information' | 'instance information' | 'test options') => {
    if (vu.phase === 'init') throw new Error(`getting ${what} in the init context is not supported`);
  };
  /** Live figures: each read asks the VU, so a named import of `instance` stays current. */
  const instance = Object.defineProperties(
    {},
    Object.fromEntries(
      INSTANCE_FIGURES.map((name) => [
        name,
        {
          get: () => {
            notInInit('instance information');
            return vu.instance()[name];
          },
          enumerable: true,
        },
      ]),
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
        notInInit('VU information');
        return vu.id;
      },
      get idInTest() {
        notInInit('VU information');
        return vu.idInTest;
      },
      get iterationInInstance() {
        notInInit('VU information');
        return Math.max(0, vu.iter);
      },
      get iterationInScenario() {
        notInInit('VU information');
        return Math.max(0, vu.iterationInScenario);
      },
      get tags() {
        notInInit('VU information');
        return tags;
      },
      metrics: {
        get tags() {
          notInInit('VU information');
          return tags;
        },
        get metadata() {
          notInInit('VU information');
          return liveMetadata(vu.metadata);
        },
      },
    },
    test: {
      abort(message?: string): never {
        vu.abortTest(message ?? 'test aborted');
        throw new Error(`test aborted${message ? `: ${message}` : ''}`);
      },
      fail(message?: string): void {
        if (vu.phase === 'init') throw new Error('execution.test.fail() called outside of VU context');
        vu.failTest(message ?? 'test marked as failed');
      },
      get options() {
        notInInit('test options');
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
    set: (target, key, value) => Reflect.set(target, key, tagValue(key, value, 'tag')),
    deleteProperty: (target, key) => Reflect.deleteProperty(target, key),
  });
}

/**
 * A value written to exec.vu.tags or exec.vu.metrics.metadata: k6 keeps a string, a boolean or
 * a number as its string and throws a TypeError for anything else (grafana/k6
 * internal/js/modules/k6/execution/execution.go over js/common/tags.go).
 */
function tagValue(key: string | symbol, value: unknown, kind: 'tag' | 'metadata'): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw new TypeError(
    kind === 'tag'
      ? `invalid value for metric tag '${String(key)}': only String, Boolean and Number types are accepted as a metric tag values`
      : `invalid value for metric metadata '${String(key)}': only String, Boolean and Number types are accepted as a metric metadata value`,
  );
}

/** exec.vu.metrics.metadata: the VU's metadata, written through with k6's checks. */
function liveMetadata(metadata: Record<string, string>): Record<string, string> {
  return new Proxy(metadata, {
    set: (target, key, value) => Reflect.set(target, key, tagValue(key, value, 'metadata')),
  });
}
