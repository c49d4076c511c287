// The publisher: one iteration = one full publish cycle of the Plumber stock API, the way Connect's
// own clients do it: create the content or reuse it, upload the bundle, deploy it, long-poll the task
// to its end, then call the deployed API once.
//
// As on Connect, the deploy task restores the environment and starts no app process: the first
// request to the new version starts it. So `wait` is the deploy task alone and `check` is the cold
// start plus one API call, which is what the first user after a publish waits for.
//
// Every step is timed into its own Trend, and every publish_* sample is tagged with `cycle` (the
// scenario's iteration number), `step` and `ok`, so the harness can rebuild one record per cycle.
// A failed step ends the cycle: its sample has ok=false, publish_cycle_success gets a 0 tagged
// with `publish_error` (the reason, 200 characters at most), and the iteration throws so k6 logs it.
//
// After a failed cycle the next one waits (1 s, then 2, 4, 8, at most 10 s; back to none after a
// success): a Connect that refuses every publish (or is gone) would otherwise see thousands of
// cycles a minute, and the record would fill with them.
//
// Cleanup (PUBLISH_CLEANUP=true) happens once in teardown, not per cycle: deleting each cycle
// would turn every publish into a first deploy and measure something Posit's test did not.
// The content is the API key's own item of PUBLISH_CONTENT_NAME: another user's item of that name
// is never reused, changed or deleted, and teardown deletes it only when this run created it.

import { check, sleep } from 'k6';
import crypto from 'k6/crypto';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';
import { type Content, connectClient, tail } from './connect-client.ts';
import { ConnectApiError, redact } from './connect-errors.ts';
import { inputs } from './env.ts';
import { contentUrl } from './inputs.ts';
import type { RunData } from './run-setup.ts';
import { isVolatilityAnswer } from './stock-api.ts';

type Step = 'create' | 'upload' | 'deploy' | 'wait' | 'check';

const stepDurations: Record<Step, Trend> = {
  create: new Trend('publish_create_duration', true),
  upload: new Trend('publish_upload_duration', true),
  deploy: new Trend('publish_deploy_duration', true),
  wait: new Trend('publish_task_duration', true),
  check: new Trend('publish_check_duration', true),
};
const cycleDuration = new Trend('publish_cycle_duration', true);
const cycles = new Counter('publish_cycles');
const cycleSuccess = new Rate('publish_cycle_success');

const CHECK_TICKER = 'AAPL';
/** Long-poll window per task request; rsconnect-python polls with wait=1 too. */
const TASK_WAIT_SECONDS = 1;
const TASK_TIMEOUT_SECONDS = 900;

const plumberBundle = openBundle(inputs.plumberBundle);
/**
 * Sent as X-Content-Checksum so Connect rejects a corrupted upload (HTTP 400, code 104): "the
 * Base64-encoded MD5 sum of the archive file" (Connect's API reference, upload a bundle).
 */
const plumberChecksum = crypto.md5(plumberBundle, 'base64');
const client = connectClient(inputs.server, inputs.apiKey);
/** This VU's content, kept across cycles: later cycles redeploy it like a client with a saved deployment. */
let content: Content | null = null;
/** Failed cycles in a row, for the back-off. */
let failuresInARow = 0;
const MAX_BACKOFF_SECONDS = 10;

/** Seconds to wait before a cycle after `failures` failed ones in a row. */
export function backoffSeconds(failures: number): number {
  return failures <= 0 ? 0 : Math.min(MAX_BACKOFF_SECONDS, 2 ** (failures - 1));
}

export async function publish(data: RunData): Promise<void> {
  if (failuresInARow > 0) await sleep(backoffSeconds(failuresInARow));
  const cycle = String(exec.scenario.iterationInTest);
  const started = Date.now();
  const timed = async <T>(step: Step, work: () => Promise<T>): Promise<T> => {
    const stepStarted = Date.now();
    try {
      const result = await work();
      stepDurations[step].add(Date.now() - stepStarted, { cycle, step, ok: 'true' });
      return result;
    } catch (err) {
      stepDurations[step].add(Date.now() - stepStarted, { cycle, step, ok: 'false' });
      throw err;
    }
  };

  try {
    const guid = await timed('create', () => ensureContent(data.userGuid));
    const bundle = await timed('upload', () =>
      client.uploadBundle(guid, plumberBundle, { checksum: plumberChecksum }),
    );
    const taskId = await timed('deploy', () => client.deploy(guid, bundle.id));
    await timed('wait', () => waitForDeploy(taskId, bundle.id));
    await timed('check', () => checkDeployedApi(guid));
    endCycle(cycle, started, true);
    failuresInARow = 0;
  } catch (err) {
    failuresInARow++;
    const message = redact(err instanceof Error ? err.message : String(err), inputs.apiKey);
    endCycle(cycle, started, false, message);
    throw new Error(`Publish cycle ${cycle} failed: ${message}`);
  }
}

function endCycle(cycle: string, started: number, ok: boolean, error?: string): void {
  const tags = { cycle, step: 'cycle', ok: String(ok) };
  cycleDuration.add(Date.now() - started, tags);
  cycles.add(1, tags);
  cycleSuccess.add(ok, error ? { ...tags, publish_error: error.slice(0, 200) } : tags);
}

async function ensureContent(ownerGuid: string): Promise<string> {
  if (content) {
    try {
      content = await client.getContent(content.guid);
      return content.guid;
    } catch (err) {
      // Deleted behind our back: create it again below.
      if (!(err instanceof ConnectApiError && err.status === 404)) throw err;
    }
  }
  const created = await client.createContent(
    { name: inputs.publishContentName, title: 'Plumber stock API (performance test)', access_type: 'all' },
    ownerGuid,
  );
  // A reused item may have been restricted since; the check step calls it like any visitor.
  if (created.access_type !== 'all') await client.updateContent(created.guid, { access_type: 'all' });
  content = created;
  return created.guid;
}

async function waitForDeploy(taskId: string, bundleId: string): Promise<void> {
  const result = await client.waitForTask(taskId, {
    wait: TASK_WAIT_SECONDS,
    timeoutS: TASK_TIMEOUT_SECONDS,
  });
  if (result.code !== 0) {
    throw new Error(
      `deploying bundle ${bundleId} failed (task code ${result.code}): ${result.error || 'no error text'}; last output: ${tail(result.output)}`,
    );
  }
}

async function checkDeployedApi(guid: string): Promise<void> {
  const url = `${contentUrl(inputs.server, guid)}volatility?ticker=${CHECK_TICKER}`;
  const res = await http.asyncRequest('GET', url, null, {
    headers: { Authorization: `Key ${inputs.apiKey}` },
    tags: { name: 'GET /content/{guid}/volatility' },
  });
  const ok = check(res, {
    'deployed API status is 200': (r) => r.status === 200,
    'deployed API answers the volatility JSON': (r) =>
      typeof r.body === 'string' && isVolatilityAnswer(r.body, CHECK_TICKER),
  });
  if (!ok) {
    const why = res.status === 0 ? `no answer (${res.error})` : `HTTP ${res.status}`;
    throw new Error(
      `the deployed Plumber API answered GET volatility?ticker=${CHECK_TICKER} with ${why} or a wrong body`,
    );
  }
}

function openBundle(path: string): ArrayBuffer {
  let archive: ArrayBuffer;
  try {
    archive = open(path, 'b');
  } catch (err) {
    throw new Error(
      `Cannot read the Plumber bundle at ${path} (${String(err)}): run \`npm run build\`, or set PLUMBER_BUNDLE to the .tar.gz to publish (a relative path starts at the script's folder).`,
    );
  }
  if (!archive || archive.byteLength === 0) throw new Error(`The Plumber bundle at ${path} is empty.`);
  return archive;
}
