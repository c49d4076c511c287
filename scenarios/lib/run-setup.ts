// setup() and teardown() shared by both entries: check the server and the key once, find the
// Flask API, and hand the VUs what they need. The returned data is written into k6's summary
// (`setup_data`), so it carries the plan for the harness and never the API key.

import http from 'k6/http';
import { connectClient } from './connect-client.ts';
import type { Inputs } from './inputs.ts';
import { contentUrl } from './inputs.ts';
import type { LoadSoakPlan, ScalabilityPlan } from './profiles.ts';

export interface RunData {
  /** Content URL of the Flask API, ending with `/`. */
  flaskUrl: string;
  /** The API key's user; the publisher looks its content up among this user's items. */
  userGuid: string;
  /**
   * The GUID of the user's PUBLISH_CONTENT_NAME item when it existed before the run (null when it
   * did not): teardown deletes only content this run created. Absent in a prepared run.
   */
  publishContentBefore?: string | null;
  connectVersion: string;
  plan: ScalabilityPlan | LoadSoakPlan;
}

const PUBLISHING_ROLES = ['publisher', 'administrator'];

export async function prepareRun(inputs: Inputs, plan: ScalabilityPlan | LoadSoakPlan): Promise<RunData> {
  if (inputs.prepared && 'url' in inputs.flask) {
    return { flaskUrl: inputs.flask.url, ...inputs.prepared, plan };
  }
  const client = connectClient(inputs.server, inputs.apiKey);
  const settings = await client.serverSettings();
  const user = await client.currentUser();
  if (!PUBLISHING_ROLES.includes(user.user_role) || user.locked) {
    throw new Error(
      `The API key belongs to '${user.username}' (role ${user.user_role}${user.locked ? ', locked' : ''}); the publisher needs an unlocked publisher or administrator.`,
    );
  }
  const flaskUrl =
    'url' in inputs.flask
      ? inputs.flask.url
      : await flaskUrlOf(
          inputs,
          'guid' in inputs.flask ? inputs.flask.guid : await guidByName(inputs, inputs.flask.name, user),
        );
  await probeFlask(flaskUrl, inputs.apiKey);
  const existing = await client.findContentByName(inputs.publishContentName, user.guid);
  return {
    flaskUrl,
    userGuid: user.guid,
    publishContentBefore: existing?.guid ?? null,
    connectVersion: settings.version ?? 'unknown',
    plan,
  };
}

/**
 * With PUBLISH_CLEANUP=true, deletes the publisher's content once, after the whole run, when this
 * run created it: the key's own item, and not the one that was there before setup(). A prepared
 * run leaves that to the harness: every runner's teardown would race the others.
 */
export async function cleanUp(inputs: Inputs, data: RunData): Promise<void> {
  if (!inputs.publishCleanup || inputs.prepared) return;
  const client = connectClient(inputs.server, inputs.apiKey);
  const content = await client.findContentByName(inputs.publishContentName, data.userGuid);
  if (!content) return;
  if (data.publishContentBefore === undefined || content.guid === data.publishContentBefore) {
    console.log(
      `PUBLISH_CLEANUP: kept the publisher's content '${content.name}' (${content.guid}): it existed before the run.`,
    );
    return;
  }
  await client.deleteContent(content.guid);
  console.log(`PUBLISH_CLEANUP: deleted the publisher's content '${content.name}' (${content.guid}).`);
}

/** The GUID of the key's own content named `name`: another user's item of that name is not taken. */
async function guidByName(
  inputs: Inputs,
  name: string,
  user: { guid: string; username: string },
): Promise<string> {
  const content = await connectClient(inputs.server, inputs.apiKey).findContentByName(name, user.guid);
  if (!content) {
    throw new Error(
      `No content named '${name}' owned by '${user.username}' (the API key's user) on ${inputs.server} (FLASK_CONTENT_NAME); deploy the Flask stock API under that name with this key, or pass its GUID or URL (FLASK_CONTENT_GUID, FLASK_CONTENT_URL).`,
    );
  }
  return content.guid;
}

async function flaskUrlOf(inputs: Inputs, guid: string): Promise<string> {
  const content = await connectClient(inputs.server, inputs.apiKey).getContent(guid);
  if (!content.bundle_id || content.app_mode === 'unknown') {
    throw new Error(
      `FLASK_CONTENT_GUID ${guid} has nothing deployed yet; deploy the Flask stock API to it first.`,
    );
  }
  return contentUrl(inputs.server, guid);
}

async function probeFlask(flaskUrl: string, apiKey: string): Promise<void> {
  const res = await http.asyncRequest('GET', `${flaskUrl}stocks/`, null, {
    headers: { Authorization: `Key ${apiKey}` },
    tags: { name: 'GET /stocks/' },
  });
  if (res.status !== 200) {
    const why = res.status === 0 ? `no answer (${res.error})` : `HTTP ${res.status}`;
    throw new Error(
      `The Flask API at ${flaskUrl} answered GET stocks/ with ${why}; check FLASK_CONTENT_URL / FLASK_CONTENT_GUID / FLASK_CONTENT_NAME.`,
    );
  }
}
