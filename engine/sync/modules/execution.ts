// `import exec from 'k6/execution'` in a synchronous VU's thread: what is fixed for a call comes
// with it (scenario, iteration numbers); figures that move while the VU runs (instance, progress)
// are asked of the hub; tags and metadata set here reach the VU's samples through the hub.
import { workerData } from 'node:worker_threads';
import { block, post, state } from '../channel.ts';
import type { SyncVuInit } from '../protocol.ts';

const g = globalThis as { __VU?: number };

function outside(what: string): Error {
  return new Error(
    `exec.${what} is only available while an iteration of a scenario runs, not in init/setup/teardown.`,
  );
}

function scenarioFacts(what: string) {
  if (!state.scenario || state.phase !== 'iteration') throw outside(`scenario.${what}`);
  return state.scenario;
}

/** An object whose writes are mirrored to the hub (exec.vu.tags, exec.vu.metrics.metadata). */
function mirrored(kind: 'tag' | 'metadata'): Record<string, string> {
  return new Proxy({} as Record<string, string>, {
    set(target, key, value) {
      if (typeof key !== 'string') return false;
      target[key] = String(value);
      post({ t: kind, key, value: String(value) });
      return true;
    },
    deleteProperty(target, key) {
      if (typeof key !== 'string') return false;
      delete target[key];
      post({ t: kind, key, value: null });
      return true;
    },
  });
}

const tags = mirrored('tag');
const metadata = mirrored('metadata');
const options = (workerData as SyncVuInit).options;

const instanceFigure = (name: string) => () =>
  (block({ op: 'execution', what: 'instance' }) as Record<string, number>)[name];
/** Live figures: each read asks the hub, so a named import of `instance` stays current. */
const instanceView = Object.defineProperties(
  {},
  Object.fromEntries(
    [
      'iterationsInterrupted',
      'iterationsCompleted',
      'vusActive',
      'vusInitialized',
      'currentTestRunDuration',
    ].map((name) => [name, { get: instanceFigure(name), enumerable: true }]),
  ),
);

const exec = {
  get instance() {
    return instanceView;
  },
  scenario: {
    get name() {
      return scenarioFacts('name').name;
    },
    get executor() {
      return scenarioFacts('executor').executor;
    },
    get startTime() {
      return scenarioFacts('startTime').startTime;
    },
    get progress() {
      scenarioFacts('progress');
      return block({ op: 'execution', what: 'progress' });
    },
    get iterationInInstance() {
      return scenarioFacts('iterationInInstance').iterationInTest;
    },
    get iterationInTest() {
      return scenarioFacts('iterationInTest').iterationInTest;
    },
  },
  vu: {
    get idInInstance() {
      return g.__VU;
    },
    get idInTest() {
      return g.__VU;
    },
    get iterationInInstance() {
      return Math.max(0, state.iter);
    },
    get iterationInScenario() {
      return Math.max(0, state.iterationInScenario);
    },
    get tags() {
      return tags;
    },
    metrics: {
      get tags() {
        return tags;
      },
      get metadata() {
        return metadata;
      },
    },
  },
  test: {
    abort(message?: string): never {
      block({ op: 'abort', message: message ?? 'test aborted' });
      throw new Error(`test aborted${message ? `: ${message}` : ''}`);
    },
    fail(message?: string): void {
      post({ t: 'fail', message: message ?? 'test marked as failed' });
    },
    get options() {
      return options;
    },
  },
};

export default exec;
export const { instance, scenario, vu, test } = exec;
