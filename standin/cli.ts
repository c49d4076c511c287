import { parseArgs } from 'node:util';
import { startStandin } from './index.ts';

const usage =
  'Usage: npm run target -- --port <n> --api-key <key> [--host 127.0.0.1] [--data-dir <folder>]\n' +
  'Runs the local Posit Connect stand-in in the foreground until Ctrl-C.';

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '3939' },
      'api-key': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const apiKey = (values['api-key'] as string | undefined) ?? process.env.CONNECT_API_KEY;
if (!apiKey) fail('Give the API key clients must send: --api-key <key> (or set CONNECT_API_KEY).');
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be a port number, not "${values.port}".`);

const standin = await startStandin({
  apiKey,
  port,
  host: values.host as string,
  dataDir: values['data-dir'] as string | undefined,
  log: (line) => console.log(line),
}).catch((err: Error) => fail(`The stand-in could not start: ${err.message}`));

console.log(`Connect stand-in ready at ${standin.url}`);
console.log(`Data folder: ${standin.dataDir}`);

// With the parent gone, stdout and stderr may lead to a closed pipe: a failed write (EPIPE) must not
// end the process before it has stopped its apps and removed its data folder.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

// SIGINT, SIGTERM, SIGHUP, or the parent (the harness) dying — it notices it was re-parented —
// stop every app, then exit. The first request is enough: stopping is quick and bounded.
let stopping = false;
function stopOnce(reason: string): void {
  if (stopping) return;
  stopping = true;
  clearInterval(parentWatch);
  console.log(`Stopping the stand-in (${reason})...`);
  standin.stop().then(
    () => process.exit(0),
    (err: Error) => {
      console.error(`Stopping failed: ${err.message}`);
      process.exit(1);
    },
  );
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(signal, () => stopOnce(`${signal} received`));
const parent = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid !== parent) stopOnce('the parent process ended');
}, 500);
parentWatch.unref();
