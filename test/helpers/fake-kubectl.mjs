#!/usr/bin/env node
// A stand-in for kubectl in the k6-operator tests (KUBECTL=<this file>). It keeps the cluster's
// state in $FAKE_KUBE_DIR/state.json, logs every call to calls.jsonl, and plays k6-operator's
// TestRun lifecycle by the clock according to $FAKE_KUBE_SCENARIO:
//   ok             initialization → initialized → created → started → finished
//   runner-failed  as ok, but runner 2 ends with exit code 107
//   stuck-init     stays in initialization
//   error          initialization, then error (the initializer refused the script)
//   endless        started until the TestRun is deleted (for Ctrl-C)
//   flaky          as ok, but the API server fails the first look at the started TestRun
//   no-crd         the k6.io API group is not served
//   rbac-denied    may not create secrets nor pods/exec
//   unreachable    the API server does not answer
//   cluster        every call goes to the simulated cluster at $FAKE_KUBE_API
//                  (test/helpers/k6-operator-cluster.ts), which runs the runners as real
//                  engine processes; nothing is kept here
// Runner files are whatever the test put in $FAKE_KUBE_DIR/volume (served by `exec … tar`).
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const scenario = process.env.FAKE_KUBE_SCENARIO ?? 'ok';
if (scenario === 'cluster') process.exit(await forward());
const dir = process.env.FAKE_KUBE_DIR;
const statePath = join(dir, 'state.json');
const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : { objects: {} };
const save = () => writeFileSync(statePath, JSON.stringify(state));

const argv = process.argv.slice(2);
const globals = {};
const args = [];
for (const arg of argv) {
  const m = /^--(context|namespace)=(.*)$/.exec(arg);
  if (m && args.length === 0) globals[m[1]] = m[2];
  else args.push(arg);
}

const stdin = args[0] === 'create' ? readFileSync(0, 'utf8') : '';
appendFileSync(
  join(dir, 'calls.jsonl'),
  `${JSON.stringify({ argv, globals, stdinKinds: stdin ? JSON.parse(stdin).items.map((i) => i.kind) : [], at: Date.now() })}\n`,
);

const out = (text) => process.stdout.write(text);
const fail = (text, code = 1) => {
  process.stderr.write(`${text}\n`);
  process.exit(code);
};

// Seconds after the TestRun's creation at which each stage begins. A stage is never skipped
// before a `get testrun` has shown it (the harness's look): on a busy machine looks come late, and
// the stages must still be seen in order rather than depend on the machine's speed.
const TIMELINE = { initialized: 0.4, created: 0.8, started: 1.2, stopped: 2.6, finished: 3 };
const ORDER = ['initialization', 'initialized', 'created', 'started', 'stopped', 'finished'];

function timedStage(tr) {
  const s = (Date.now() - tr.createdAt) / 1000;
  if (s >= TIMELINE.finished) return 'finished';
  if (s >= TIMELINE.stopped) return 'stopped';
  if (s >= TIMELINE.started) return 'started';
  if (s >= TIMELINE.created) return 'created';
  if (s >= TIMELINE.initialized) return 'initialized';
  return 'initialization';
}

function stageOf(tr) {
  const s = (Date.now() - tr.createdAt) / 1000;
  if (scenario === 'stuck-init') return 'initialization';
  if (scenario === 'error') return s < TIMELINE.initialized ? 'initialization' : 'error';
  if (scenario === 'endless') return s < TIMELINE.started ? 'created' : 'started';
  const shown = tr.shown ?? -1;
  return ORDER[Math.min(ORDER.indexOf(timedStage(tr)), shown + 1)];
}

function runnerPods(name) {
  const tr = state.objects[`TestRun/${name}`];
  if (!tr) return [];
  if (tr.deletedAt && Date.now() - tr.deletedAt > 300) return [];
  const stage = stageOf(tr);
  const pods = [];
  for (let i = 1; i <= tr.parallelism; i++) {
    let phase = 'Pending';
    let terminated;
    if (stage === 'started') phase = 'Running';
    if (stage === 'finished' || stage === 'stopped') {
      const code = scenario === 'runner-failed' && i === 2 ? 107 : 0;
      phase = code === 0 ? 'Succeeded' : 'Failed';
      terminated = { exitCode: code };
    }
    pods.push({
      metadata: { name: `${name}-${i}-abcde` },
      status: { phase, containerStatuses: [{ state: terminated ? { terminated } : { running: {} } }] },
    });
  }
  return pods;
}

const [verb, ...rest] = args;
switch (verb) {
  case 'version':
    if (scenario === 'unreachable')
      fail(
        'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?',
      );
    out(
      JSON.stringify({
        clientVersion: { gitVersion: 'v1.31.2' },
        serverVersion: { gitVersion: 'v1.31.2-fake' },
      }),
    );
    break;
  case 'api-resources':
    out(scenario === 'no-crd' ? '' : 'privateloadzones.k6.io\ntestruns.k6.io\n');
    break;
  case 'auth': {
    const [, can, type, flag] = rest;
    const resource = flag?.startsWith('--subresource=')
      ? `${type}/${flag.slice('--subresource='.length)}`
      : type;
    const denied =
      scenario === 'rbac-denied' && ['create secrets', 'create pods/exec'].includes(`${can} ${resource}`);
    out(denied ? 'no\n' : 'yes\n');
    process.exit(denied ? 1 : 0);
    break;
  }
  case 'create': {
    for (const item of JSON.parse(stdin).items) {
      const key = `${item.kind}/${item.metadata.name}`;
      if (state.objects[key]) fail(`Error from server (AlreadyExists): ${key} already exists`);
      const record = { kind: item.kind, name: item.metadata.name, createdAt: Date.now() };
      if (item.kind === 'TestRun') {
        record.parallelism = item.spec.parallelism;
        record.spec = item.spec;
      }
      if (item.kind === 'Secret') record.keys = Object.keys(item.stringData ?? {});
      state.objects[key] = record;
      out(`${item.kind.toLowerCase()}/${item.metadata.name} created\n`);
    }
    save();
    break;
  }
  case 'get': {
    const [what, name] = rest;
    if (what === 'namespace') {
      if (name === 'missing') fail(`Error from server (NotFound): namespaces "${name}" not found`);
      out(`namespace/${name}\n`);
    } else if (what === 'pod') {
      if (!state.objects[`Pod/${name}`]) fail(`Error from server (NotFound): pods "${name}" not found`);
      out(
        JSON.stringify({
          metadata: { name },
          status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
        }),
      );
    } else if (what === 'testrun') {
      const tr = state.objects[`TestRun/${name}`];
      if (!tr || tr.deletedAt) fail(`Error from server (NotFound): testruns.k6.io "${name}" not found`);
      const stage = stageOf(tr);
      if (scenario === 'flaky' && stage === 'started' && !state.flaked) {
        state.flaked = true;
        save();
        fail('Unable to connect to the server: net/http: TLS handshake timeout');
      }
      if (ORDER.includes(stage) && ORDER.indexOf(stage) > (tr.shown ?? -1)) {
        tr.shown = ORDER.indexOf(stage);
        save();
      }
      const conditions =
        stage === 'error'
          ? [
              {
                type: 'TestRunRunning',
                status: 'False',
                reason: 'Error',
                message: 'initializer: SyntaxError in script',
              },
            ]
          : [];
      out(JSON.stringify({ metadata: { name }, status: { stage, conditions } }));
    } else if (what === 'pods') {
      const selector = rest[rest.indexOf('-l') + 1];
      const name = /k6_cr=([^,]+)/.exec(selector)?.[1];
      out(JSON.stringify({ items: runnerPods(name) }));
    } else fail(`fake kubectl: cannot get ${what}`);
    break;
  }
  case 'exec': {
    const command = rest.slice(rest.indexOf('--') + 1);
    if (command[0] === 'k6' && command[1] === 'version') {
      out('k6 v1.4.0 (commit/fake0000, go1.24.0, linux/amd64)\n');
    } else if (command[0] === 'tar') {
      const child = spawn('tar', ['-C', join(dir, 'volume'), '-cf', '-', '.'], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('exit', (code) => process.exit(code ?? 1));
    } else fail(`fake kubectl: cannot exec ${command.join(' ')}`);
    break;
  }
  case 'delete': {
    for (const ref of rest.filter((a) => !a.startsWith('-'))) {
      const [kind, name] = ref.includes('/') ? ref.split('/') : [rest[0], rest[1]];
      const key = Object.keys(state.objects).find((k) => k.toLowerCase() === `${kind}/${name}`.toLowerCase());
      if (key === undefined) continue;
      if (key.startsWith('TestRun/')) state.objects[key].deletedAt ??= Date.now();
      else delete state.objects[key];
      out(`${ref} deleted\n`);
      if (!ref.includes('/')) break;
    }
    save();
    break;
  }
  default:
    fail(`fake kubectl: unknown command ${args.join(' ')}`);
}

/** kubectl as a client of the simulated cluster's API: one call, its output and exit code. */
async function forward() {
  const globals = {};
  const args = [];
  for (const arg of process.argv.slice(2)) {
    const m = /^--(context|namespace)=(.*)$/.exec(arg);
    if (m && args.length === 0) globals[m[1]] = m[2];
    else args.push(arg);
  }
  const stdin = args[0] === 'create' ? readFileSync(0, 'utf8') : '';
  let answer;
  try {
    const response = await fetch(`${process.env.FAKE_KUBE_API}/kubectl`, {
      method: 'POST',
      body: JSON.stringify({ args, globals, stdin }),
    });
    answer = await response.json();
  } catch (error) {
    process.stderr.write(`Unable to connect to the server: ${error.message}\n`);
    return 1;
  }
  const stdout = Buffer.from(answer.stdout, 'base64');
  process.stderr.write(answer.stderr);
  await new Promise((resolve) => process.stdout.write(stdout, resolve));
  return answer.code;
}
