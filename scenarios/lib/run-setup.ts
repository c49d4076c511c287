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
          'guid' in inputs.flask ? inputs.flask.guid : await guidByName(inputs, inputs.flask.name),
        );
  await probeFlask(flaskUrl, inputs.apiKey);
  return { flaskUrl, userGuid: user.guid, connectVersion: settings.version ?? 'unknown', plan };
}

/**
 * With PUBLISH_CLEANUP=true, deletes the publisher's content once, after the whole run. A prepared
 * run leaves that to the harness: every runner's teardown would race the others.
 */
export async function cleanUp(inputs: Inputs, data: RunData): Promise<void> {
  if (!inputs.publishCleanup || inputs.prepared) return;
  const client = connectClient(inputs.server, inputs.apiKey);
  const content = await client.findContentByName(inputs.publishContentName, data.userGuid);
  if (!content) return;
  await client.deleteContent(content.guid);
  console.log(`PUBLISH_CLEANUP: deleted the publisher's content '${content.name}' (${content.guid}).`);
}

async function guidByName(inputs: Inputs, name: string): Promise<string> {
  const content = await connectClient(inputs.server, inputs.apiKey).findContentByName(name);
  if (!content) {
    throw new Error(
      `No content named '${name}' on ${inputs.server} (FLASK_CONTENT_NAME); deploy the Flask stock API under that name or pass its GUID or URL.`,
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
