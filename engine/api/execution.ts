// The `k6/execution` module: instance, scenario, vu and test (k6-facts §3.3).
import type { VU } from '../vu.ts';

export function createExecution(vu: VU) {
  const outside = (what: string) =>
    new Error(
      `exec.${what} is only available while an iteration of a scenario runs, not in init/setup/teardown.`,
    );
  return {
    get instance() {
      return vu.test.instanceStats();
    },
    scenario: {
      get name() {
        if (!vu.scenario) throw outside('scenario.name');
        return vu.scenario.name;
      },
      get executor() {
        if (!vu.scenario) throw outside('scenario.executor');
        return vu.scenario.executor;
      },
      get startTime() {
        if (!vu.scenario) throw outside('scenario.startTime');
        return vu.scenario.startTime;
      },
      get progress() {
        if (!vu.scenario) throw outside('scenario.progress');
        return vu.scenario.progress();
      },
      get iterationInInstance() {
        if (!vu.scenario) throw outside('scenario.iterationInInstance');
        return vu.iterationInTest;
      },
      get iterationInTest() {
        if (!vu.scenario) throw outside('scenario.iterationInTest');
        return vu.iterationInTest;
      },
    },
    vu: {
      get idInInstance() {
        return vu.id;
      },
      get idInTest() {
        return vu.id;
      },
      get iterationInInstance() {
        return Math.max(0, vu.iter);
      },
      get iterationInScenario() {
        return Math.max(0, vu.iterationInScenario);
      },
      get tags() {
        return vu.tags;
      },
      metrics: {
        get tags() {
          return vu.tags;
        },
        get metadata() {
          return vu.metadata;
        },
      },
    },
    test: {
      abort(message?: string): never {
        vu.test.abort(message ?? 'test aborted');
        vu.interrupt();
        throw new Error(`test aborted${message ? `: ${message}` : ''}`);
      },
      fail(message?: string): void {
        vu.test.markFailed(message ?? 'test marked as failed');
      },
      get options() {
        return vu.test.options;
      },
    },
  };
}
