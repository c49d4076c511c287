// A synchronous VU's side of ../api/module-vu.ts: the thread is the VU's alone, so one object
// serves every module; samples and metric definitions go to the hub (./hub.ts), which tags them
// as the async VUs' are; sleep blocks the thread; shared arrays are made once per test through
// the hub. The VU's thread bundle (./bundle.ts) puts this file where the modules import
// ../modules/module-vu.ts.

import { workerData } from 'node:worker_threads';
import type { ModuleVU } from '../api/module-vu.ts';
import { encodeSharedArray, sharedArrayView } from '../api/shared-array.ts';
import {
  block,
  currentGroup,
  groupsTracked,
  inAsyncGroup,
  interrupted,
  pause,
  post,
  state,
} from './channel.ts';
import http from './modules/http.ts';
import type { SyncVuInit } from './protocol.ts';
import { timers } from './timers.ts';

type SharedArrayReply = { buffer: SharedArrayBuffer } | { make: true };

const init = workerData as SyncVuInit;

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

const vu: ModuleVU = {
  get phase() {
    return state.init ? 'init' : state.phase;
  },
  get group() {
    return currentGroup();
  },
  inGroup(path, fn) {
    if (groupsTracked()) return inAsyncGroup(path, fn);
    const parent = state.group;
    state.group = path;
    try {
      return fn();
    } finally {
      state.group = parent;
    }
  },
  inAsyncGroup,
  // An interrupted call's code that still runs (a catch around a k6 call that threw) emits
  // nothing: k6 runs no more of an interrupted iteration.
  emitCheck(name, pass, tags) {
    if (interrupted()) return;
    post({ t: 'check', name, pass, group: currentGroup(), tags });
  },
  emitGroupDuration(path, ms) {
    if (interrupted()) return;
    post({ t: 'group-end', path, ms });
  },
  defineMetric(name, type, isTime) {
    post({ t: 'metric-new', name, type, isTime });
  },
  emitMetric(name, value, tags) {
    if (interrupted()) return;
    post({ t: 'metric-add', name, value, group: currentGroup(), tags });
  },
  warn(text) {
    if (!interrupted()) post({ t: 'log', level: 'warn', text, source: null });
  },
  sleep: pause,
  timers,
  sharedArray(name, make) {
    const reply = block({ op: 'shared-array', name }) as SharedArrayReply;
    if ('buffer' in reply) return sharedArrayView(name, reply.buffer);
    let buffer: SharedArrayBuffer;
    try {
      buffer = encodeSharedArray(name, make());
    } catch (err) {
      block({ op: 'shared-array-made', name, buffer: null, error: (err as Error)?.message ?? String(err) });
      throw err;
    }
    block({ op: 'shared-array-made', name, buffer });
    return sharedArrayView(name, buffer);
  },
  secret: (source, key) => block({ op: 'secret', source, key }) as string,
  id: init.vuId,
  idInTest: init.vuIdInTest,
  get iter() {
    return state.iter;
  },
  get iterationInScenario() {
    return state.iterationInScenario;
  },
  scenario: () => (state.phase === 'iteration' ? state.scenario : null),
  scenarioProgress: () => block({ op: 'execution', what: 'progress' }) as number,
  instance: () => block({ op: 'execution', what: 'instance' }) as ReturnType<ModuleVU['instance']>,
  tags: mirrored('tag'),
  currentTags() {
    const tags = block({ op: 'execution', what: 'tags' }) as Record<string, string>;
    // The group is this thread's own (an async group's across awaits).
    if ('group' in tags) tags.group = currentGroup();
    return tags;
  },
  metadata: mirrored('metadata'),
  options: init.options,
  abortTest(message) {
    block({ op: 'abort', message });
  },
  failTest(message) {
    post({ t: 'fail', message });
  },
  httpModule: () => http,
};

/** This thread's VU, whatever module asks. */
export function moduleVU(_moduleUrl: string): ModuleVU {
  return vu;
}
