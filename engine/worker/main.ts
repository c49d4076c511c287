// The VU thread: loads the script, waits for the main thread's go, runs the test, and answers
// stop requests and the handleSummary() call.
import { parentPort, workerData } from 'node:worker_threads';
import { installWebCrypto } from '../api/webcrypto.ts';
import { startHealthRecorder } from '../health.ts';
import { configureRun } from '../run-settings.ts';
import { describeError, InterruptedError, installScriptStacks } from '../vu-errors.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';
import { VuRuntime } from './runtime.ts';

const port = parentPort;
if (!port) throw new Error('engine/worker/main.ts runs only as the VU thread of a test run.');

const init = workerData as WorkerInit;
// A TypeScript script's stack traces point at its own lines: the loader strips its types with an
// inline source map (../loader/hooks.ts), which Node applies only when source maps are on.
process.setSourceMapsEnabled(true);
// The stack a script reads holds only its own frames, as in k6 (see installScriptStacks).
installScriptStacks();
// The global `crypto` scripts see is k6's (Node's WebCrypto narrowed to what k6 does).
installWebCrypto();
// Loader hooks are per thread: this one registers them and tells them the run's module cache.
configureRun(init.runId, init.settings);
const runtime = new VuRuntime(init, (msg: FromWorker, transfer?: ArrayBuffer[]) =>
  port.postMessage(msg, transfer ?? []),
);

// A promise VU code rejected without anyone awaiting it: k6 reports it and goes on.
process.on('unhandledRejection', (err) => {
  if (!(err instanceof InterruptedError)) runtime.log('error', `Uncaught (in promise) ${describeError(err)}`);
});

const loaded = runtime.load();

port.on('message', (msg: ToWorker) => {
  if (msg.t === 'start') {
    // The VU thread's own event-loop delay is what delays requests; its CPU is the process's.
    startHealthRecorder();
    void runtime.run(msg.paused);
  } else if (msg.t === 'resume') runtime.resume();
  else if (msg.t === 'stop') runtime.requestStop(msg.mode);
  else if (msg.t === 'abort') runtime.stopWith(msg.code, msg.message);
  else if (msg.t === 'summary') {
    void loaded.then((ok) =>
      ok
        ? runtime.handleSummary(msg.data)
        : port.postMessage({
            t: 'summary-result',
            files: null,
            error: 'the script could not be loaded again',
          }),
    );
  }
});
