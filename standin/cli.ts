import { parseArgs } from 'node:util';
import { type StandinUserOptions, startStandin } from './index.ts';

const usage =
  'Usage: CONNECT_API_KEY=<key> npm run target -- --port <n> [--host 127.0.0.1] [--data-dir <folder>]\n' +
  'Runs the local Posit Connect stand-in in the foreground until Ctrl-C.\n' +
  "CONNECT_API_KEY is the administrator's API key; CONNECT_STANDIN_USERS may add users as JSON:\n" +
  '  [{"username": "pat", "role": "publisher", "apiKey": "<key>"}]  (role: administrator, publisher or viewer)\n' +
  'Keys come from the environment only: a key on a command line is visible to every user of the machine.';

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
if (values['api-key'] !== undefined) {
  fail('--api-key is not taken: a key on the command line shows in ps. Set CONNECT_API_KEY instead.');
}
const apiKey = process.env.CONNECT_API_KEY;
if (!apiKey) fail("Set CONNECT_API_KEY to the API key clients must send (the stand-in administrator's).");
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be a port number, not "${values.port}".`);

let users: StandinUserOptions[] = [];
const usersJson = process.env.CONNECT_STANDIN_USERS;
if (usersJson) {
  try {
    users = JSON.parse(usersJson);
  } catch {
    // The parser's message would quote the text, keys included: say where, not what.
    fail('CONNECT_STANDIN_USERS is not valid JSON: give an array of {"username", "role", "apiKey"}.');
  }
  if (!Array.isArray(users))
    fail('CONNECT_STANDIN_USERS must be a JSON array of {"username", "role", "apiKey"}.');
}

const standin = await startStandin({
  apiKey,
  users,
  port,
  host: values.host as string,
  dataDir: values['data-dir'] as string | undefined,
  log: (line) => console.log(line),
}).catch((err: Error) => fail(`The stand-in could not start: ${err.message}`));

console.log(`Connect stand-in ready at ${standin.url}`);
console.log(`Data folder: ${standin.dataDir}`);
if (users.length > 0)
  console.log(`Users: standin-admin, ${users.map((u) => `${u.username} (${u.role})`).join(', ')}`);

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
