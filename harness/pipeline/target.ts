// The system under test: a real Connect (CONNECT_SERVER + CONNECT_API_KEY) or, when none is
// given, the local stand-in with a random key and the Flask fixture deployed to it. Either way
// the target is checked before any load: server settings, the key, one GET of the Flask API.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FIXTURE_FLASK_CONTENT_NAME } from '../../scenarios/lib/inputs.ts';
import { type ConnectClient, createConnectClient, normaliseServer } from '../connect/client.ts';
import type { LabelledProcess } from '../node-metrics/index.ts';
import { scrubText } from '../record/scrub.ts';
import { type StandinProcess, spawnStandin } from './standin-process.ts';

export const bundlePaths = {
  flask: fileURLToPath(new URL('../../dist/bundles/flask-stock-api.tar.gz', import.meta.url)),
  plumber: fileURLToPath(new URL('../../dist/bundles/plumber-stock-api.tar.gz', import.meta.url)),
};

/** The target failed a check before any load: exit 2 with this sentence. */
export class PreflightError extends Error {
  override name = 'PreflightError';
}

export interface Target {
  kind: 'connect' | 'standin';
  /** Base URL without credentials or trailing slash. */
  url: string;
  apiKey: string;
  version?: string;
  /** The Flask API's content URL, ending with `/`. */
  flaskUrl: string;
  /** The Flask content's GUID, when known (not for a vanity URL given to --flask-content). */
  flaskGuid?: string;
  /** GUIDs of the content this run created on the target (the only content `close()` deletes). */
  createdContent?: string[];
  /** Processes to sample for local node metrics. */
  processes(): LabelledProcess[];
  /** Deletes what the harness published and stops the stand-in; safe to call twice. */
  close(): Promise<void>;
  /** The stand-in: resolves with one sentence if its process ends during the run. */
  died?: Promise<string>;
  /** A real Connect: notes the key user's content named `name` before the engine starts. */
  notePublisherContent?(name: string): Promise<void>;
  /**
   * A real Connect: the publisher's content named `name` that this run created (owned by the
   * key's user, not the item noted before the engine started) and its teardown did not delete (a
   * hard stop ends the engine before teardown) is deleted; returns the lines to print (none when
   * nothing was left). Content that existed before the run is never touched.
   */
  removeLeftovers?(name: string): Promise<string[]>;
}

/** How to remove a content item by hand (the key stays in the user's environment). */
export function deleteCommand(server: string, guid: string): string {
  return `curl -X DELETE -H "Authorization: Key $CONNECT_API_KEY" ${server}/__api__/v1/content/${guid}`;
}

export interface TargetRequest {
  env: Record<string, string | undefined>;
  flaskContent?: string;
  publishFixtures: boolean;
  log: (line: string) => void;
}

const FLASK_NAME = FIXTURE_FLASK_CONTENT_NAME;

async function readBundle(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    throw new PreflightError(`The fixture bundle ${path} is missing; run \`npm run build\` first.`);
  }
}

/**
 * Uploads and deploys the Flask fixture to the API key's own content of that name, creating it
 * when there is none; returns its content URL, GUID and whether this call created it (only what
 * the run created is deleted afterwards). Another user's item of the same name is never touched.
 */
export async function publishFlask(
  client: ConnectClient,
  log: (line: string) => void,
): Promise<{ guid: string; url: string; created: boolean }> {
  const bytes = await readBundle(bundlePaths.flask);
  const me = await client.currentUser();
  const existing = await client.findContentByName(FLASK_NAME, me.guid);
  const content =
    existing ??
    (await client.createContent({
      name: FLASK_NAME,
      title: 'Flask stock API (performance test)',
      access_type: 'acl',
    }));
  log(
    `publishing the Flask fixture to ${content.guid} (${existing ? `reusing ${me.username}'s content '${FLASK_NAME}'` : 'created for this run'}) ...`,
  );
  const bundle = await client.uploadBundle(content.guid, bytes);
  const { task_id } = await client.deploy(content.guid, bundle.id);
  await client.waitForTask(task_id, 5 * 60_000);
  return {
    guid: content.guid,
    url: content.content_url ?? `${client.server}/content/${content.guid}/`,
    created: !existing,
  };
}

/** The GUID in a content URL `…/content/<guid>/`, or undefined (a vanity URL has none). */
export function guidOfContentUrl(url: string): string | undefined {
  return /\/content\/([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\/?$/.exec(
    url.split(/[?#]/)[0],
  )?.[1];
}

async function flaskUrlOf(
  client: ConnectClient,
  flaskContent: string,
): Promise<{ url: string; guid?: string }> {
  if (/^https?:\/\//.test(flaskContent)) {
    const url = flaskContent.replace(/\/*$/, '/');
    return { url, guid: guidOfContentUrl(url) };
  }
  if (!/^[A-Za-z0-9-]{8,64}$/.test(flaskContent)) {
    throw new PreflightError(`--flask-content must be a content GUID or its URL, got '${flaskContent}'.`);
  }
  const content = await client.getContent(flaskContent);
  return { url: content.content_url ?? `${client.server}/content/${content.guid}/`, guid: content.guid };
}

/** Server settings, the key, and one GET of the Flask API; throws PreflightError saying what failed. */
export async function preflight(
  client: ConnectClient,
  flaskUrl: string,
): Promise<{ version?: string; user: string }> {
  let version: string | undefined;
  let user: string;
  try {
    version = (await client.serverSettings()).version;
    const me = await client.currentUser();
    user = `${me.username} (${me.user_role})`;
  } catch (error) {
    throw new PreflightError(`The target failed its checks: ${(error as Error).message}`);
  }
  const probe = `${flaskUrl}stocks/AAPL`;
  let answer: { status: number; body: string };
  try {
    answer = await client.fetchContent(probe);
  } catch (error) {
    throw new PreflightError(`The Flask API is not reachable: ${(error as Error).message}`);
  }
  if (answer.status !== 200) {
    throw new PreflightError(
      `The Flask API answered HTTP ${answer.status} to GET ${probe}; check --flask-content (it must be the Flask stock API, deployed and readable by this key).`,
    );
  }
  return { version, user };
}

/** The origin of `contentUrl` when it differs from `server`'s; null when they agree. */
export function otherOrigin(contentUrl: string, server: string): string | null {
  try {
    const origin = new URL(contentUrl).origin;
    return origin === new URL(server).origin ? null : origin;
  } catch {
    return null;
  }
}

export async function openTarget(request: TargetRequest): Promise<Target> {
  const server = request.env.CONNECT_SERVER?.trim();
  if (server) return openConnect(server, request);
  return openStandin(request);
}

async function openConnect(server: string, request: TargetRequest): Promise<Target> {
  const apiKey = request.env.CONNECT_API_KEY?.trim();
  if (!apiKey)
    throw new PreflightError(
      'CONNECT_SERVER is set but CONNECT_API_KEY is not: set it to a publisher or administrator API key.',
    );
  let url: string;
  try {
    url = normaliseServer(server);
  } catch (error) {
    throw new PreflightError((error as Error).message);
  }
  const client = createConnectClient({ server: url, apiKey });
  // Content this run created and deletes at the end (the publisher's own is cleaned by the
  // script): never content that existed before, nor another user's.
  const publishedByHarness: string[] = [];
  let flaskUrl: string;
  let flaskGuid: string | undefined;
  if (request.flaskContent) {
    const found = await flaskUrlOf(client, request.flaskContent).catch((error: Error) => {
      throw error instanceof PreflightError
        ? error
        : new PreflightError(`The Flask content could not be found: ${error.message}`);
    });
    flaskUrl = found.url;
    flaskGuid = found.guid;
  } else if (request.publishFixtures) {
    try {
      const flask = await publishFlask(client, request.log);
      if (flask.created) publishedByHarness.push(flask.guid);
      flaskUrl = flask.url;
      flaskGuid = flask.guid;
    } catch (error) {
      throw new PreflightError(`Publishing the Flask fixture failed: ${(error as Error).message}`);
    }
  } else {
    throw new PreflightError(
      'Against a real Connect the fetchers need the Flask stock API: pass --flask-content <guid or URL> of an existing deployment, or --publish-fixtures to publish it for the run.',
    );
  }
  const close = async () => {
    for (const guid of publishedByHarness.splice(0)) {
      await client
        .deleteContent(guid)
        .catch((error: Error) =>
          request.log(
            `Left on Connect: the Flask fixture ${guid} the harness published could not be deleted (${scrubText(error.message, [apiKey])}); remove it with: ${deleteCommand(url, guid)}`,
          ),
        );
    }
  };
  // Short timeouts: this runs while a stop request is being served.
  const quick = createConnectClient({ server: url, apiKey, timeoutMs: 5_000 });
  // The publisher's item of the key's user as it was before the engine started: after a hard stop
  // only another item of that name and owner (the one the run created) is removed; the one that
  // existed before is never touched.
  let before: { owner: string; guid: string | null } | null = null;
  const notePublisherContent = async (name: string): Promise<void> => {
    try {
      const owner = (await quick.currentUser()).guid;
      before = { owner, guid: (await quick.findContentByName(name, owner))?.guid ?? null };
    } catch {
      before = null;
    }
  };
  const removeLeftovers = async (name: string): Promise<string[]> => {
    if (!before) {
      return [
        `Could not check before the run whether the publisher's content '${name}' existed, so nothing is removed; if the run left it on Connect, find it under that name and delete it.`,
      ];
    }
    let found: Awaited<ReturnType<ConnectClient['findContentByName']>>;
    try {
      found = await quick.findContentByName(name, before.owner);
    } catch (error) {
      return [
        `Could not check whether the publisher's content '${name}' was left on Connect (${scrubText((error as Error).message, [apiKey])}); if it was, find it under that name and delete it.`,
      ];
    }
    if (!found || found.owner_guid !== before.owner || found.guid === before.guid) return [];
    try {
      await quick.deleteContent(found.guid);
      return [
        `The publisher's content '${name}' (${found.guid}) was still on Connect (the engine stopped before its teardown); the harness deleted it.`,
      ];
    } catch (error) {
      return [
        `Left on Connect: the publisher's content '${name}' (${found.guid}), created by this run, could not be deleted (${scrubText((error as Error).message, [apiKey])}); remove it with: ${deleteCommand(url, found.guid)}`,
      ];
    }
  };
  // The fetchers follow the content URL the server reports (its own idea of where the content
  // lives, as Connect's dashboard links do); say so when that is not CONNECT_SERVER's origin.
  const elsewhere = otherOrigin(flaskUrl, url);
  if (elsewhere) {
    request.log(
      `note: the Flask content's URL reported by Connect is on ${elsewhere}, not on CONNECT_SERVER's ${new URL(url).origin}; the fetchers load ${elsewhere} (recorded as options.flaskContent in run.json).`,
    );
  }
  try {
    const { version, user } = await preflight(client, flaskUrl);
    request.log(`target: Connect ${version ?? '(version not reported)'} at ${url}, key of ${user}`);
    return {
      kind: 'connect',
      url,
      apiKey,
      version,
      flaskUrl,
      flaskGuid,
      createdContent: [...publishedByHarness],
      processes: () => [],
      close,
      notePublisherContent,
      removeLeftovers,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function openStandin(request: TargetRequest): Promise<Target> {
  const apiKey = randomBytes(24).toString('hex');
  request.log(
    'target: no CONNECT_SERVER set, starting the local Connect stand-in in a process of its own ...',
  );
  const standin: StandinProcess = await spawnStandin(apiKey).catch((error: Error) => {
    throw new PreflightError(error.message);
  });
  try {
    const client = createConnectClient({ server: standin.url, apiKey });
    const flask = await publishFlask(client, request.log).catch((error: Error) => {
      throw new PreflightError(`The stand-in could not deploy the Flask fixture: ${error.message}`);
    });
    const { version } = await preflight(client, flask.url);
    request.log(`target: stand-in ${version ?? ''} at ${standin.url} with the Flask fixture ${flask.guid}`);
    return {
      kind: 'standin',
      url: standin.url,
      apiKey,
      version,
      flaskUrl: flask.url,
      flaskGuid: flask.guid,
      // The whole stand-in goes away at the end, and with it what the run created.
      createdContent: flask.created ? [flask.guid] : [],
      processes: (): LabelledProcess[] => [
        { pid: process.pid, label: 'harness' },
        { pid: standin.pid, label: 'stand-in (API and proxy)' },
        ...standin.apps(),
      ],
      close: () => standin.stop(),
      died: standin.died,
    };
  } catch (error) {
    await standin.stop();
    throw error;
  }
}
